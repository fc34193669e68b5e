"""Telegram: python-telegram-bot 22 behind our aiohttp server (see channel.py and webhook.py)."""

from __future__ import annotations

from aiohttp import web

from bot.settings import TelegramSettings


def add_channel(app: web.Application, settings: TelegramSettings) -> None:
    """Register the Telegram webhook route and PTB's Application lifetime."""
    raise NotImplementedError("Telegram channel: being written")

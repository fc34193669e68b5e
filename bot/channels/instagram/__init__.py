"""Instagram messaging: Meta webhooks in, Send API out (see channel.py and webhook.py)."""

from __future__ import annotations

from aiohttp import web

from bot.settings import InstagramSettings


def add_channel(app: web.Application, settings: InstagramSettings) -> None:
    """Register the Instagram webhook routes and the Send API client's lifetime."""
    raise NotImplementedError("Instagram channel: being written")

"""A button whose payload is too long for the platform (Telegram: 64 bytes of callback data;
Instagram: Meta's limit) travels as a key to the stored message's button, « ~<message id>.<index> »,
and is read back from the outbox when tapped. One format for every pushed channel."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.messages import OutgoingMessage

BUTTON_KEY = re.compile(r"~(\d{1,18})\.(\d{1,2})")


@dataclass(frozen=True, slots=True)
class ButtonKey:
    message_id: int
    index: int


def key_or_payload(message: OutgoingMessage, index: int, payload: str, fits: bool) -> str:
    """The payload itself when it `fits` (and cannot be mistaken for a key), else the key."""
    if fits and not BUTTON_KEY.fullmatch(payload):
        return payload
    return f"~{message.id}.{index}"


def read_key(data: str | None) -> ButtonKey | None:
    """The stored button a tapped key names, if `data` is a key."""
    match = BUTTON_KEY.fullmatch(data or "")
    return ButtonKey(int(match[1]), int(match[2])) if match else None

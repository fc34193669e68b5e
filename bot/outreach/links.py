"""The links that open a chat with an outreach source attributed, one per channel configured."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode

from bot.settings import Settings


class Target(StrEnum):
    """Where a link or QR code opens the conversation."""

    WEBCHAT = "webchat"  # any phone, no app to install
    TELEGRAM = "telegram"
    INSTAGRAM = "instagram"


@dataclass(frozen=True, slots=True)
class SourceLinks:
    webchat: str
    telegram: str | None
    instagram: str | None

    def of(self, target: Target) -> str | None:
        return {
            Target.WEBCHAT: self.webchat,
            Target.TELEGRAM: self.telegram,
            Target.INSTAGRAM: self.instagram,
        }[target]

    def as_dict(self) -> dict[str, str | None]:
        return {"webchat": self.webchat, "telegram": self.telegram, "instagram": self.instagram}


def links_for(settings: Settings, code: str) -> SourceLinks:
    """`?src=` on the web chat, `?start=` for Telegram, `?ref=` for Instagram (ig.me)."""
    telegram = settings.telegram.bot_username if settings.telegram else ""
    instagram = settings.instagram.username if settings.instagram else ""
    return SourceLinks(
        webchat=f"{settings.public_url}/?{urlencode({'src': code})}",
        telegram=f"https://t.me/{telegram}?{urlencode({'start': code})}" if telegram else None,
        instagram=f"https://ig.me/m/{instagram}?{urlencode({'ref': code})}" if instagram else None,
    )

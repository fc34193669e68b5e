"""Protocols at the core's swap points: the clock, the dialogue engine (Rasa), push channels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from bot.core.messages import EngineTurn, OutgoingMessage, Post, Reading, Recipient


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class DialogueEngine(Protocol):
    """What the core needs from Rasa (or a fake of it in unit tests)."""

    async def send_message(
        self, sender_id: str, message: str, metadata: Mapping[str, str]
    ) -> EngineTurn:
        """Pass one message; return the replies. Raises RasaUnavailable / RasaProtocolError."""
        ...

    async def is_ready(self) -> bool:
        """Whether the engine answers and has a model loaded."""
        ...


class TrackerEraser(Protocol):
    """Deletes what the dialogue engine stored about senders (Rasa's tracker events)."""

    async def erase(self, sender_ids: Sequence[str]) -> None: ...


class TrackerReader(Protocol):
    """What the dialogue engine understood of a sender's last messages (the handoff packet)."""

    async def recent_readings(self, sender_id: str, limit: int = 5) -> list[Reading]: ...


class Channel(Protocol):
    """A platform the bot pushes messages to (Telegram, Instagram); the web chat is pulled."""

    name: str

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        """Deliver one message, retrying what the platform asks to retry; raise DeliveryFailed
        when it cannot be delivered."""
        ...


class Publisher(Protocol):
    """Publishes a campaign's post on one of the Mission Locale's own channels (#11)."""

    target: str

    async def publish(self, post: Post) -> str:
        """The platform's id of the post; DeliveryFailed (with a short reason) when refused."""
        ...

    async def readiness(self) -> str | None:
        """None when a post can go now; else why not, in French (shown in the composer)."""
        ...

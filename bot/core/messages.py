"""Value objects that cross the boundary between channels and the dialogue core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class ConversationState(StrEnum):
    """Who answers a conversation right now."""

    BOT = "bot"
    WAITING_FOR_COUNSELLOR = "waiting_for_counsellor"
    WITH_COUNSELLOR = "with_counsellor"
    CLOSED = "closed"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Author(StrEnum):
    """Who wrote a stored message."""

    YOUNG_PERSON = "young_person"
    BOT = "bot"
    COUNSELLOR = "counsellor"
    SYSTEM = "system"


class MessageStatus(StrEnum):
    """Processing state of a stored message.

    Incoming: received → processed (Rasa answered) | unprocessed (Rasa failed) | held (a human has
    the conversation). Outgoing: pending → sent | undelivered.
    """

    RECEIVED = "received"
    PROCESSED = "processed"
    UNPROCESSED = "unprocessed"
    HELD = "held"
    PENDING = "pending"
    SENT = "sent"
    UNDELIVERED = "undelivered"


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


class Attachment(StrEnum):
    """Kinds of non-text content a young person may send; the bot answers them kindly."""

    STICKER = "sticker"
    PHOTO = "photo"
    VIDEO = "video"
    VOICE = "voice"
    LOCATION = "location"
    DOCUMENT = "document"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """A young person's message as a channel adapter hands it to the core.

    Exactly one of `text` (typed), `payload` (a button pressed) and `attachment` (a sticker, a
    photo… that the bot cannot read) is set. `external_user_id` is the channel's identifier of
    the person (already hashed where the channel allows it); `external_id` the platform's (or
    client's) id of this message, when it has one: a message seen again with the same id gets
    the stored replies and is not processed twice. `source` is the outreach code the link
    carried (`?start=`, `?src=`, `?ref=`), recorded if this is the contact's first message.
    `origin` is the client's network address (web chat), used only to limit how many new
    contacts one address creates; it is never stored or logged.
    """

    channel: str
    external_user_id: str
    text: str | None = None
    payload: str | None = None
    external_id: str | None = None
    source: str | None = None
    attachment: Attachment | None = None
    origin: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.text, self.payload, self.attachment)) != 1:
            raise ValueError("exactly one of text, payload and attachment must be set")

    @property
    def content(self) -> str:
        """What Rasa receives: the typed text or the button's payload."""
        if self.text is not None:
            return self.text
        if self.payload is not None:
            return self.payload
        raise ValueError("an attachment is not sent to the dialogue engine")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a push channel delivers: the person's id on the platform, and when they last wrote
    (Instagram only allows replies within 24 hours of it)."""

    channel: str
    external_user_id: str
    last_incoming_at: datetime | None


@dataclass(frozen=True, slots=True)
class BotReply:
    """One reply as the dialogue engine produced it, before it is stored."""

    text: str
    buttons: tuple[Button, ...] = ()


# A custom payload an action sends to ask the bot to erase the contact after Rasa's turn.
ERASE_SIGNAL = "erase_contact"
# What the actions endpoint sends in place of an action that failed: the bot apologises.
ACTION_FAILED_SIGNAL = "action_failed"
# A reply that answers nothing in particular (not understood, « c'est noté », the menu): in a
# crisis context the bot gives the crisis follow-up instead.
GENERIC_SIGNAL = "generic"
# Rasa's distress action answered with the numbers itself: no crisis follow-up on top.
DISTRESS_SIGNAL = "distress_answered"


@dataclass(frozen=True, slots=True)
class EngineTurn:
    """What the dialogue engine answered to one message: replies, and signals for the bot."""

    replies: tuple[BotReply, ...] = ()
    signals: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A stored message addressed to the young person."""

    id: int
    conversation_id: int
    author: Author
    text: str
    buttons: tuple[Button, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """What the NLU understood of one message: its intent and confidence (never its text)."""

    intent: str
    confidence: float | None
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Post:
    """A campaign's post on a channel of the Mission Locale (Telegram channel, Instagram feed):
    its text, its image (the bytes, and the public URL Instagram fetches), its links."""

    text: str
    image: bytes | None = None
    image_url: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (title, https URL)

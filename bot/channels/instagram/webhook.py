"""Read a Meta webhook batch for Instagram into the events the bot acts on, in order.

What is kept: texts, quick-reply taps and postbacks (as payloads), non-text attachments (as
their kind, never their URL), and standalone referrals (an `ig.me/m/<account>?ref=<code>` link
opened). What is dropped on purpose: echoes of our own messages, read receipts, reactions,
unsent (deleted) and unsupported messages, and `standby` events (another app holds the thread).
A malformed event is skipped on its own: refusing the whole batch would make Meta resend it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.core.messages import Attachment, IncomingMessage

logger = logging.getLogger(__name__)

CHANNEL = "instagram"
MAX_TEXT = 4000
MAX_PAYLOAD = 2000  # messages.payload is VARCHAR(2000)
MAX_REF = 64
MAX_MESSAGE_ID = 128  # messages.external_id is VARCHAR(128); Meta's mids can be longer
SENDER_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")

_ATTACHMENTS = {
    "image": Attachment.PHOTO,
    "animated_image": Attachment.STICKER,  # GIFs from the sticker tray
    "like_heart": Attachment.STICKER,
    "sticker": Attachment.STICKER,
    "video": Attachment.VIDEO,
    "ig_reel": Attachment.VIDEO,
    "reel": Attachment.VIDEO,
    "audio": Attachment.VOICE,
    "file": Attachment.DOCUMENT,
    "location": Attachment.LOCATION,
}


class MalformedBatch(ValueError):
    """The body is signed but is not an Instagram webhook batch."""


@dataclass(frozen=True, slots=True)
class Received:
    """A message or a postback to route; `event_id` de-duplicates Meta's resends."""

    incoming: IncomingMessage
    event_id: str

    @property
    def sender_id(self) -> str:
        return self.incoming.external_user_id


@dataclass(frozen=True, slots=True)
class Referral:
    """Someone opened the conversation through a link with `?ref=` and has not written yet."""

    sender_id: str
    ref: str
    event_id: str


Event = Received | Referral


def message_key(mid: str) -> str:
    """The mid itself when it fits the columns, else a digest of it (still unique)."""
    if len(mid) <= MAX_MESSAGE_ID:
        return mid
    return "sha256:" + hashlib.sha256(mid.encode()).hexdigest()


def _fallback_key(kind: str, sender_id: str, timestamp: object) -> str:
    """For events without a mid: a digest, so no person's id is stored in received_events."""
    return f"{kind}:" + hashlib.sha256(f"{sender_id}:{timestamp}".encode()).hexdigest()


def parse_batch(data: dict[str, Any], account_id: str) -> list[Event]:
    """Every event of every entry, in the order Meta sent them."""
    if data.get("object") != "instagram":
        raise MalformedBatch("not an Instagram webhook")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise MalformedBatch("no entry list")
    found: list[Event] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        messaging = entry.get("messaging")
        # entry["standby"] is left alone: the app holding the thread answers it.
        if not isinstance(messaging, list):
            continue
        for raw in messaging:
            event = _event(raw, account_id) if isinstance(raw, dict) else None
            if event is not None:
                found.append(event)
    return found


def _sender(raw: dict[str, Any]) -> str | None:
    sender = raw.get("sender")
    value = sender.get("id") if isinstance(sender, dict) else None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not SENDER_ID.fullmatch(value):
        return None
    return value


def _ref(container: Any) -> str | None:
    referral = container.get("referral") if isinstance(container, dict) else None
    ref = referral.get("ref") if isinstance(referral, dict) else None
    if not isinstance(ref, str) or not ref.strip():
        return None
    return ref.strip()[:MAX_REF]


def _event(raw: dict[str, Any], account_id: str) -> Event | None:
    sender = _sender(raw)
    if sender is None:
        logger.info("instagram event without a usable sender: skipped")
        return None
    if sender == account_id:
        return None  # our own message seen from the other side
    if "message" in raw:
        return _message(raw["message"], sender)
    if "postback" in raw:
        return _postback(raw["postback"], sender, raw.get("timestamp"))
    if "referral" in raw:
        ref = _ref(raw)
        if ref is None:
            return None
        return Referral(sender, ref, _fallback_key("referral", sender, raw.get("timestamp")))
    return None  # read, reaction, messaging_seen, handover…


def _message(message: Any, sender: str) -> Received | None:
    if not isinstance(message, dict):
        return None
    if message.get("is_echo") or message.get("is_deleted") or message.get("is_unsupported"):
        return None
    mid = message.get("mid")
    if not isinstance(mid, str) or not mid:
        return None
    key, source = message_key(mid), _ref(message)
    quick_reply = message.get("quick_reply")
    payload = quick_reply.get("payload") if isinstance(quick_reply, dict) else None
    if isinstance(payload, str) and payload.strip():
        return Received(
            IncomingMessage(
                CHANNEL,
                sender,
                payload=payload.strip()[:MAX_PAYLOAD],
                external_id=key,
                source=source,
            ),
            key,
        )
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        incoming = IncomingMessage(
            CHANNEL, sender, text=text.strip()[:MAX_TEXT], external_id=key, source=source
        )
        return Received(incoming, key)
    kind = _attachment(message)
    if kind is None:
        return None
    return Received(
        IncomingMessage(CHANNEL, sender, attachment=kind, external_id=key, source=source), key
    )


def _attachment(message: dict[str, Any]) -> Attachment | None:
    if message.get("sticker_id"):
        return Attachment.STICKER
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return None
    first = attachments[0]
    if not isinstance(first, dict):
        return Attachment.OTHER
    payload = first.get("payload")
    if isinstance(payload, dict) and payload.get("sticker_id"):
        return Attachment.STICKER
    kind = first.get("type")
    # share, story_mention, ig_post, unknown future types: a kind word all the same.
    return _ATTACHMENTS.get(kind, Attachment.OTHER) if isinstance(kind, str) else Attachment.OTHER


def _postback(postback: Any, sender: str, timestamp: object) -> Received | None:
    if not isinstance(postback, dict):
        return None
    payload = postback.get("payload")
    if not isinstance(payload, str) or not payload.strip():
        return None
    mid = postback.get("mid")
    key = (
        message_key(mid)
        if isinstance(mid, str) and mid
        else _fallback_key("postback", sender, timestamp)
    )
    incoming = IncomingMessage(
        CHANNEL,
        sender,
        payload=payload.strip()[:MAX_PAYLOAD],
        external_id=key,
        source=_ref(postback),
    )
    return Received(incoming, key)

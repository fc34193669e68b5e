"""Telegram updates → IncomingMessage: text, /start with its outreach code, buttons, the rest.

Only private chats are answered: the bot is a one-to-one service. Nothing about the person is
kept but the chat id, which is needed to answer (no name, no username, no language).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from telegram import Message, Update

from bot.channels.button_keys import ButtonKey, read_key
from bot.core.messages import Attachment, IncomingMessage
from bot.rasa.payloads import payload as rasa_payload

CHANNEL = "telegram"
# Rasa answers the start of a conversation like a greeting.
START_PAYLOAD = rasa_payload("greet")
# callback_data is at most 64 bytes: longer payloads travel as a key to the stored button,
# « ~<message id>.<button index> ». Rasa payloads never start with « ~ ».
MAX_TEXT = 4096
_COMMAND = re.compile(r"/(?P<name>[A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s+(?P<argument>.*))?", re.S)


@dataclass(frozen=True, slots=True)
class Received:
    """What an update asks of the bot: a message to route, or a pressed button to resolve."""

    chat_id: int
    incoming: IncomingMessage | None = None
    button_key: ButtonKey | None = None
    callback_query_id: str | None = None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _message_ok(message: object) -> bool:
    if not isinstance(message, dict):
        return False
    chat, sender = message.get("chat"), message.get("from")
    return (
        isinstance(chat, dict)
        and _is_int(chat.get("id"))
        and isinstance(chat.get("type"), str)
        and (sender is None or (isinstance(sender, dict) and _is_int(sender.get("id"))))
        and isinstance(message.get("text", ""), str)
    )


def is_well_formed(data: dict[str, object]) -> bool:
    """Whether the fields we read have Telegram's types. PTB's `de_json` does not check them,
    and a wrong type would fail after the webhook answered 200: the message would be lost."""
    message, query = data.get("message"), data.get("callback_query")
    if message is not None and not _message_ok(message):
        return False
    if query is None:
        return True
    if not isinstance(query, dict):
        return False
    sender, inner = query.get("from"), query.get("message")
    return (
        isinstance(query.get("id"), str)
        and isinstance(sender, dict)
        and _is_int(sender.get("id"))
        and isinstance(query.get("data", ""), str)
        and (inner is None or _message_ok(inner))
    )


def read_update(update: Update) -> Received | None:
    """What the update means for us; None for what we do not answer (groups, other kinds)."""
    external_id = f"u{update.update_id}"
    query = update.callback_query
    if query is not None:
        message = query.message
        chat = message.chat if message is not None else None
        if chat is None or chat.type != "private" or not query.data:
            return None
        key = read_key(query.data)
        return Received(
            chat_id=chat.id,
            incoming=None
            if key
            else IncomingMessage(
                CHANNEL, str(chat.id), payload=query.data, external_id=external_id
            ),
            button_key=key,
            callback_query_id=query.id,
        )
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    return Received(message.chat.id, _incoming(message, external_id))


def _incoming(message: Message, external_id: str) -> IncomingMessage:
    user = str(message.chat.id)
    if message.text is not None:
        text = message.text.strip()
        command = _COMMAND.fullmatch(text)
        if command is not None:
            return _command(user, command["name"].lower(), command["argument"], external_id)
        if text:
            return IncomingMessage(CHANNEL, user, text=text[:MAX_TEXT], external_id=external_id)
    return IncomingMessage(
        CHANNEL, user, attachment=attachment_of(message), external_id=external_id
    )


def _command(user: str, name: str, argument: str | None, external_id: str) -> IncomingMessage:
    if name == "start":
        # t.me/<bot>?start=<code> arrives as « /start <code> »: the outreach source.
        source = argument.strip() if argument else None
        return IncomingMessage(
            CHANNEL, user, payload=START_PAYLOAD, source=source or None, external_id=external_id
        )
    # Other commands (/aide, /rdv…): their words, as if typed.
    words = " ".join(filter(None, [name, argument]))
    return IncomingMessage(CHANNEL, user, text=words[:MAX_TEXT], external_id=external_id)


def attachment_of(message: Message) -> Attachment:
    if message.sticker is not None or message.animation is not None or message.dice is not None:
        return Attachment.STICKER
    if message.photo:
        return Attachment.PHOTO
    if message.video is not None or message.video_note is not None:
        return Attachment.VIDEO
    if message.voice is not None or message.audio is not None:
        return Attachment.VOICE
    if message.location is not None or message.venue is not None:
        return Attachment.LOCATION
    if message.document is not None:
        return Attachment.DOCUMENT
    return Attachment.OTHER

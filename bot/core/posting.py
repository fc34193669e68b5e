"""Posting into a conversation: the one path by which an outgoing message is written, whoever
writes it (the dialogue's replies, reminders; later the counsellor console and campaigns).

Whether a message still has to be pushed to the young person (PENDING, then `DeliveryService`) or
is fetched by the channel itself (SENT) is the channel registry's answer below, not the caller's:
the web chat page pulls its messages (GET /webchat/api/messages), the other channels are pushed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Author, BotReply, Direction, MessageStatus, OutgoingMessage
from bot.storage import conversations as store
from bot.storage.models import ChannelIdentity

# Channels whose client fetches its messages: nothing to push.
PULLED_CHANNELS = frozenset({"webchat"})


def pulled(channel: str) -> bool:
    """The channel's client fetches its messages itself (the web chat)."""
    return channel in PULLED_CHANNELS


async def post(
    session: AsyncSession,
    *,
    conversation_id: int,
    channel: str,
    author: Author,
    replies: Sequence[BotReply],
    now: datetime,
    reply_to_id: int | None = None,
) -> tuple[OutgoingMessage, ...]:
    """Write `replies` into the conversation, in the caller's transaction; the stored messages,
    in order. Pushed channels get them PENDING (delivered after the commit), pulled ones SENT."""
    status = MessageStatus.SENT if pulled(channel) else MessageStatus.PENDING
    rows = [
        store.message_row(
            conversation_id=conversation_id,
            direction=Direction.OUT,
            author=author,
            status=status,
            now=now,
            text=reply.text,
            buttons=reply.buttons,
            reply_to_id=reply_to_id,
        )
        for reply in replies
    ]
    ids = await store.insert_messages(session, rows)
    return tuple(
        OutgoingMessage(id_, conversation_id, author, reply.text, reply.buttons, created_at)
        for (id_, created_at), reply in zip(ids, replies, strict=True)
    )


async def post_to_identity(
    session: AsyncSession,
    identity: ChannelIdentity,
    reply: BotReply,
    now: datetime,
    author: Author = Author.SYSTEM,
) -> OutgoingMessage:
    """Write a message the service starts (a reminder, a cancellation by the team) into the
    identity's open conversation, a new one if the last was closed."""
    conversation = await store.open_conversation(session, identity, now)
    [written] = await post(
        session,
        conversation_id=conversation.id,
        channel=identity.channel,
        author=author,
        replies=[reply],
        now=now,
    )
    return written

"""Outgoing messages of push channels: claim once, then record sent or undelivered (and why)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Direction, MessageStatus, Recipient
from bot.storage.models import MAX_ID, ChannelIdentity, Conversation, Message


async def claim(session: AsyncSession, message_id: int, now: datetime) -> bool:
    """Take a pending message for sending; False when another sender (or an earlier try) has."""
    result = await session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.PENDING.value,
            Message.claimed_at.is_(None),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def finish(
    session: AsyncSession, message_id: int, status: MessageStatus, reason: str | None = None
) -> None:
    await session.execute(
        update(Message)
        .where(Message.id == message_id)
        .values(status=status.value, failure_reason=reason)
        .execution_options(synchronize_session=False)
    )


async def recipient_of(session: AsyncSession, conversation_id: int) -> Recipient | None:
    """The channel identity a conversation belongs to, and when that person last wrote."""
    row = (
        await session.execute(
            select(ChannelIdentity.channel, ChannelIdentity.external_id)
            .join(Conversation, Conversation.channel_identity_id == ChannelIdentity.id)
            .where(Conversation.id == conversation_id)
        )
    ).one_or_none()
    if row is None:
        return None
    last_in = await session.scalar(
        select(func.max(Message.created_at)).where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.IN.value,
        )
    )
    return Recipient(row[0], row[1], last_in)


async def pending_of(session: AsyncSession, conversation_id: int) -> Sequence[Message]:
    """Outgoing messages of a conversation still waiting for a sender, oldest first."""
    result = await session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.OUT.value,
            Message.status == MessageStatus.PENDING.value,
            Message.claimed_at.is_(None),
        )
        .order_by(Message.id)
    )
    return result.all()


async def give_up_interrupted(session: AsyncSession, claimed_before: datetime) -> int:
    """Messages claimed long ago and never finished (the process stopped mid-send) are recorded
    undelivered: whether they left is unknown, and sending again could send twice."""
    result = await session.execute(
        update(Message)
        .where(
            Message.status == MessageStatus.PENDING.value,
            Message.claimed_at.is_not(None),
            Message.claimed_at < claimed_before,
        )
        .values(status=MessageStatus.UNDELIVERED.value, failure_reason="interrupted")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def button_payload(
    session: AsyncSession, message_id: int, index: int, channel: str, external_user_id: str
) -> str | None:
    """The payload of a button of a message sent to this person (None if not theirs)."""
    if not 0 < message_id <= MAX_ID:
        return None
    buttons = await session.scalar(
        select(Message.buttons)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
        .where(
            Message.id == message_id,
            Message.direction == Direction.OUT.value,
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_user_id,
        )
    )
    if not buttons or not 0 <= index < len(buttons):
        return None
    return str(buttons[index]["payload"])

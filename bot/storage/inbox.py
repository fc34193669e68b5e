"""The conversations the console lists and takes, as stored (#10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import ConversationState
from bot.storage.models import (
    ChannelIdentity,
    Conversation,
    ConversationAssignment,
    Message,
    StaffAccount,
)

MAX_ROWS = 200


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    state: str
    urgent: bool
    channel: str
    assigned_to: int | None
    assigned_name: str | None
    state_since: datetime
    last_message_at: datetime | None
    preview: str | None


async def inbox_rows(
    session: AsyncSession, states: Sequence[ConversationState], assigned_to: int | None = None
) -> list[InboxRow]:
    """Conversations in these states (only those held by `assigned_to` when given), each with
    its channel, holder, and last message; at most MAX_ROWS, most recently active first."""
    last = (
        select(Message.conversation_id, func.max(Message.id).label("last_id"))
        .group_by(Message.conversation_id)
        .subquery()
    )
    statement = (
        select(Conversation, ChannelIdentity.channel, ConversationAssignment, StaffAccount, Message)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
        .outerjoin(
            ConversationAssignment, ConversationAssignment.conversation_id == Conversation.id
        )
        .outerjoin(StaffAccount, StaffAccount.id == ConversationAssignment.account_id)
        .outerjoin(last, last.c.conversation_id == Conversation.id)
        .outerjoin(Message, Message.id == last.c.last_id)
        .where(Conversation.state.in_([state.value for state in states]))
        .order_by(Conversation.updated_at.desc())
        .limit(MAX_ROWS)
    )
    if assigned_to is not None:
        statement = statement.where(ConversationAssignment.account_id == assigned_to)
    rows = await session.execute(statement)
    return [
        InboxRow(
            id=conversation.id,
            state=conversation.state,
            urgent=conversation.urgent,
            channel=channel,
            assigned_to=assignment.account_id if assignment is not None else None,
            assigned_name=account.name if account is not None else None,
            state_since=conversation.updated_at,
            last_message_at=message.created_at if message is not None else None,
            preview=(message.text or message.payload) if message is not None else None,
        )
        for conversation, channel, assignment, account, message in rows.all()
    ]


async def open_conversation_by_id(
    session: AsyncSession, conversation_id: int
) -> Conversation | None:
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.state == ConversationState.CLOSED:
        return None
    return conversation


async def assign(
    session: AsyncSession, conversation_id: int, account_id: int, now: datetime
) -> StaffAccount | None:
    """Give the conversation to this account unless someone holds it: None when it is now
    theirs (or already was), else who holds it. The primary key decides a race."""
    try:
        async with session.begin_nested():
            session.add(
                ConversationAssignment(
                    conversation_id=conversation_id, account_id=account_id, taken_at=now
                )
            )
            await session.flush()
        return None
    except IntegrityError:
        pass
    holder = await session.scalar(
        select(StaffAccount)
        .join(ConversationAssignment, ConversationAssignment.account_id == StaffAccount.id)
        .where(ConversationAssignment.conversation_id == conversation_id)
    )
    return None if holder is None or holder.id == account_id else holder


async def holder_id(session: AsyncSession, conversation_id: int) -> int | None:
    """The account holding a conversation, if any."""
    return await session.scalar(
        select(ConversationAssignment.account_id).where(
            ConversationAssignment.conversation_id == conversation_id
        )
    )


async def release(session: AsyncSession, conversation_id: int) -> None:
    await session.execute(
        delete(ConversationAssignment).where(
            ConversationAssignment.conversation_id == conversation_id
        )
    )


async def channel_of(session: AsyncSession, conversation: Conversation) -> str:
    channel = await session.scalar(
        select(ChannelIdentity.channel).where(
            ChannelIdentity.id == conversation.channel_identity_id
        )
    )
    return str(channel)

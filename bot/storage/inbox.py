"""The conversations the console lists and takes, as stored (#10)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import Author, ConversationState, Direction
from bot.core.vocabulary import ConversationEventKind
from bot.storage.models import (
    Appointment,
    ChannelIdentity,
    Contact,
    Conversation,
    ConversationAssignment,
    ConversationEvent,
    EligibilityProfile,
    Message,
    OutreachSource,
    Site,
    StaffAccount,
)

MAX_ROWS = 200
# Who answers a young person's message: a reply by either ends the « sans réponse » count.
ANSWERING = (Author.BOT.value, Author.COUNSELLOR.value)


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    contact_id: int
    state: str
    urgent: bool
    urgent_reasons: str | None
    handoff_reason: str | None
    channel: str
    assigned_to: int | None
    assigned_name: str | None
    state_since: datetime
    last_message_at: datetime | None
    preview: str | None
    unanswered: int
    first_name: str | None
    age: int | None
    source: str | None
    site: str | None


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """Which conversations: in these states, or urgent and held by nobody (`or_urgent`);
    only those held by `assigned_to`, or by nobody (`unassigned`); of one site."""

    states: Sequence[ConversationState]
    viewer_id: int
    or_urgent: bool = False
    assigned_to: int | None = None
    unassigned: bool = False
    site_id: int | None = None


def _needs_someone() -> ColumnElement[bool]:
    """Urgent and held by nobody: first in every list."""
    return and_(
        Conversation.urgent.is_(True),
        ConversationAssignment.account_id.is_(None),
        Conversation.state != ConversationState.CLOSED.value,
    )


async def inbox_rows(session: AsyncSession, query: InboxQuery) -> list[InboxRow]:
    """At most MAX_ROWS conversations, in the inbox's order: urgent and held by nobody, then
    waiting (oldest first), then the viewer's, then the others (most recently active first)."""
    waiting = Conversation.state == ConversationState.WAITING_FOR_COUNSELLOR.value
    in_states = Conversation.state.in_([state.value for state in query.states])
    statement = (
        select(
            Conversation,
            ChannelIdentity.channel,
            ChannelIdentity.contact_id,
            ConversationAssignment.account_id,
            StaffAccount.name,
            EligibilityProfile.age,
            OutreachSource.label,
            Site.name,
        )
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
        .join(Contact, Contact.id == ChannelIdentity.contact_id)
        .outerjoin(
            ConversationAssignment, ConversationAssignment.conversation_id == Conversation.id
        )
        .outerjoin(StaffAccount, StaffAccount.id == ConversationAssignment.account_id)
        .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
        .outerjoin(OutreachSource, OutreachSource.id == Contact.source_id)
        .outerjoin(Site, Site.id == EligibilityProfile.site_id)
        .where(or_(in_states, _needs_someone()) if query.or_urgent else in_states)
        .order_by(
            case((_needs_someone(), 0), else_=1),
            case((waiting, 0), else_=1),
            case((ConversationAssignment.account_id == query.viewer_id, 0), else_=1),
            case((waiting, Conversation.updated_at)).asc().nulls_last(),
            Conversation.updated_at.desc(),
            Conversation.id.desc(),
        )
        .limit(MAX_ROWS)
    )
    if query.assigned_to is not None:
        statement = statement.where(ConversationAssignment.account_id == query.assigned_to)
    if query.unassigned:
        statement = statement.where(ConversationAssignment.account_id.is_(None))
    if query.site_id is not None:
        statement = statement.where(EligibilityProfile.site_id == query.site_id)
    found = (await session.execute(statement)).all()
    ids = [row[0].id for row in found]
    last = await _last_messages(session, ids)
    unanswered = await _unanswered(session, ids)
    names = await _first_names(session, [row[2] for row in found])
    return [
        InboxRow(
            id=conversation.id,
            contact_id=contact_id,
            state=conversation.state,
            urgent=conversation.urgent,
            urgent_reasons=conversation.urgent_reasons,
            handoff_reason=conversation.handoff_reason,
            channel=channel,
            assigned_to=account_id,
            assigned_name=account_name,
            state_since=conversation.updated_at,
            last_message_at=last[conversation.id][0] if conversation.id in last else None,
            preview=last[conversation.id][1] if conversation.id in last else None,
            unanswered=unanswered.get(conversation.id, 0),
            first_name=names.get(contact_id),
            age=age,
            source=source,
            site=site,
        )
        for conversation, channel, contact_id, account_id, account_name, age, source, site in found
    ]


async def _last_messages(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[datetime, str | None]]:
    """Each conversation's last message: when, and its text (or button payload)."""
    if not ids:
        return {}
    last_ids = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(ids))
        .group_by(Message.conversation_id)
    )
    rows = await session.execute(
        select(Message.conversation_id, Message.created_at, Message.text, Message.payload).where(
            Message.id.in_(last_ids)
        )
    )
    return {row[0]: (row[1], row[2] or row[3]) for row in rows.all()}


async def _unanswered(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    """The young person's messages since the last answer of the bot or a counsellor."""
    if not ids:
        return {}
    answered = (
        select(Message.conversation_id, func.max(Message.id).label("last_answer"))
        .where(Message.conversation_id.in_(ids), Message.author.in_(ANSWERING))
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = await session.execute(
        select(Message.conversation_id, func.count())
        .outerjoin(answered, answered.c.conversation_id == Message.conversation_id)
        .where(
            Message.conversation_id.in_(ids),
            Message.direction == Direction.IN.value,
            Message.id > func.coalesce(answered.c.last_answer, 0),
        )
        .group_by(Message.conversation_id)
    )
    return {row[0]: row[1] for row in rows.all()}


async def _first_names(session: AsyncSession, contact_ids: Sequence[int]) -> dict[int, str]:
    """The first name a young person last gave (when booking), if any."""
    if not contact_ids:
        return {}
    rows = await session.execute(
        select(Appointment.contact_id, Appointment.first_name)
        .where(Appointment.contact_id.in_(set(contact_ids)), Appointment.first_name.is_not(None))
        .order_by(Appointment.id)
    )
    return {row[0]: str(row[1]) for row in rows.all()}  # the last one wins


async def waiting_count(session: AsyncSession) -> int:
    """How many wait for someone: waiting, or urgent and held by nobody (the page's title)."""
    count = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .outerjoin(
            ConversationAssignment, ConversationAssignment.conversation_id == Conversation.id
        )
        .where(
            or_(
                Conversation.state == ConversationState.WAITING_FOR_COUNSELLOR.value,
                _needs_someone(),
            )
        )
    )
    return int(count or 0)


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


async def reassign(
    session: AsyncSession, conversation_id: int, account_id: int, now: datetime
) -> None:
    await session.execute(
        update(ConversationAssignment)
        .where(ConversationAssignment.conversation_id == conversation_id)
        .values(account_id=account_id, taken_at=now)
    )


async def add_event(
    session: AsyncSession,
    conversation_id: int,
    kind: ConversationEventKind,
    account: StaffAccount,
    now: datetime,
    *,
    target: StaffAccount | None = None,
    text: str | None = None,
) -> None:
    """Record what the team did in a conversation (shown in the transcript, never sent)."""
    session.add(
        ConversationEvent(
            conversation_id=conversation_id,
            kind=kind.value,
            account_id=account.id,
            target_account_id=None if target is None else target.id,
            text=text,
            created_at=now,
        )
    )
    await session.flush()


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


async def sender_of(session: AsyncSession, conversation_id: int) -> str | None:
    """The Rasa sender id (the identity's public id) of a conversation."""
    return await session.scalar(
        select(ChannelIdentity.public_id)
        .join(Conversation, Conversation.channel_identity_id == ChannelIdentity.id)
        .where(Conversation.id == conversation_id)
    )

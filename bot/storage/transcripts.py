"""What the console shows of one conversation (#10): its header (channel, holder, the young
person's first contact, source and questionnaire) and its transcript, where the messages and what
the team did (taken, handed back, private notes) are read in one order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.models import (
    ChannelIdentity,
    Contact,
    Conversation,
    ConversationAssignment,
    ConversationEvent,
    EligibilityProfile,
    Message,
    OutreachSource,
    StaffAccount,
)

# A transcript shows the most recent lines; older ones stay stored (a very long conversation
# must not make the page heavy on a phone).
MAX_LINES = 300


@dataclass(frozen=True, slots=True)
class Header:
    conversation: Conversation
    channel: str
    public_id: str
    contact_id: int
    first_contact_at: datetime
    source: str | None
    holder_id: int | None
    holder_name: str | None
    profile: EligibilityProfile | None


async def header(session: AsyncSession, conversation_id: int) -> Header | None:
    row = (
        await session.execute(
            select(
                Conversation,
                ChannelIdentity.channel,
                ChannelIdentity.public_id,
                Contact.id,
                Contact.created_at,
                OutreachSource.label,
                StaffAccount.id,
                StaffAccount.name,
                EligibilityProfile,
            )
            .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
            .join(Contact, Contact.id == ChannelIdentity.contact_id)
            .outerjoin(OutreachSource, OutreachSource.id == Contact.source_id)
            .outerjoin(
                ConversationAssignment,
                ConversationAssignment.conversation_id == Conversation.id,
            )
            .outerjoin(StaffAccount, StaffAccount.id == ConversationAssignment.account_id)
            .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
            .where(Conversation.id == conversation_id)
        )
    ).one_or_none()
    if row is None:
        return None
    return Header(*row)


@dataclass(frozen=True, slots=True)
class Line:
    """A transcript line: a message (`author`: young_person, bot, counsellor, system) or what
    the team did (`author` « team », `event` its kind, `staff` and `target` names)."""

    id: str
    author: str
    text: str | None
    created_at: datetime
    event: str | None = None
    staff: str | None = None
    target: str | None = None
    status: str | None = None


async def transcript(session: AsyncSession, conversation_id: int) -> list[Line]:
    messages = (
        await session.execute(
            select(
                Message.id,
                Message.author,
                Message.text,
                Message.payload,
                Message.created_at,
                Message.status,
            )
            .where(Message.conversation_id == conversation_id)
            .order_by(Message.id.desc())
            .limit(MAX_LINES)
        )
    ).all()
    target = aliased(StaffAccount)
    events = (
        await session.execute(
            select(ConversationEvent, StaffAccount.name, target.name)
            .outerjoin(StaffAccount, StaffAccount.id == ConversationEvent.account_id)
            .outerjoin(target, target.id == ConversationEvent.target_account_id)
            .where(ConversationEvent.conversation_id == conversation_id)
            .order_by(ConversationEvent.id.desc())
            .limit(MAX_LINES)
        )
    ).all()
    lines = [
        Line(f"m{id_}", author, text or payload, created_at, status=status)
        for id_, author, text, payload, created_at, status in messages
    ] + [
        Line(
            f"e{event.id}",
            "team",
            event.text,
            event.created_at,
            event=event.kind,
            staff=staff,
            target=target_name,
        )
        for event, staff, target_name in events
    ]
    lines.sort(key=lambda line: (line.created_at, line.id))
    return lines[-MAX_LINES:]

"""Everything the bot's database holds about one young person (#12, right of access), as one
JSON-ready mapping: the contact, their channels (never the platform's ids), outreach source,
consents, questionnaire answers, appointments, conversations with their messages and what the
team wrote, and campaign deliveries. Rasa's tracker holds the same messages again: it is
erased with the contact, and not repeated here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.models import (
    Appointment,
    AppointmentReminder,
    Campaign,
    CampaignDelivery,
    ChannelIdentity,
    ConsentEvent,
    Contact,
    Conversation,
    ConversationAssignment,
    ConversationEvent,
    Counsellor,
    EligibilityProfile,
    Message,
    OutreachSource,
    Site,
)

PROFILE_COLUMNS = (
    "age",
    "birth_year",
    "town",
    "activity",
    "contract",
    "weekly_hours",
    "followed_by",
    "rqth",
    "tax_situation",
    "monthly_income",
    "orientation",
    "allowance_min",
    "allowance_max",
    "rules_applied_from",
    "updated_at",
    "completed_at",
)


def _plain(value: object) -> Any:
    """A stored value as JSON takes it: dates in ISO 8601 (UTC as stored), amounts as text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


async def held_by(session: AsyncSession, contact_id: int, account_id: int) -> bool:
    """Whether this staff account holds one of the contact's conversations."""
    held = await session.scalar(
        select(
            exists()
            .where(ConversationAssignment.account_id == account_id)
            .where(ConversationAssignment.conversation_id == Conversation.id)
            .where(Conversation.channel_identity_id == ChannelIdentity.id)
            .where(ChannelIdentity.contact_id == contact_id)
        )
    )
    return bool(held)


async def conversations_of(session: AsyncSession, contact_id: int) -> list[int]:
    """The ids of the contact's conversations, on every channel."""
    ids = await session.scalars(
        select(Conversation.id)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
        .where(ChannelIdentity.contact_id == contact_id)
    )
    return list(ids)


async def contact_export(session: AsyncSession, contact_id: int) -> dict[str, Any] | None:
    """The whole export of one contact, or None when there is no such contact."""
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return None
    identities = (
        await session.scalars(
            select(ChannelIdentity)
            .where(ChannelIdentity.contact_id == contact_id)
            .order_by(ChannelIdentity.id)
        )
    ).all()
    channel_of = {identity.id: identity.channel for identity in identities}
    source = (
        None if contact.source_id is None else await session.get(OutreachSource, contact.source_id)
    )
    return {
        "contact_id": contact.id,
        "first_contact_at": _plain(contact.created_at),
        "last_seen_at": _plain(contact.last_seen_at),
        "under_16_at": _plain(contact.under_16_at),
        "source": None if source is None else {"label": source.label, "kind": source.kind},
        "channels": [
            {
                "channel": identity.channel,
                "since": _plain(identity.created_at),
                "unreachable_at": _plain(identity.unreachable_at),
            }
            for identity in identities
        ],
        "news": {
            "offered_at": _plain(contact.news_offered_at),
            "opted_in_at": _plain(contact.news_opt_in_at),
            "unsubscribed_at": _plain(contact.unsubscribed_at),
        },
        "consents": await _consents(session, contact_id),
        "questionnaire": await _profile(session, contact_id),
        "appointments": await _appointments(session, contact_id, channel_of),
        "conversations": await _conversations(session, channel_of),
        "campaign_deliveries": await _deliveries(session, channel_of),
    }


async def _consents(session: AsyncSession, contact_id: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
    )
    return [
        {"kind": row.kind, "channel": row.channel, "at": _plain(row.created_at)} for row in rows
    ]


async def _profile(session: AsyncSession, contact_id: int) -> dict[str, Any] | None:
    profile = await session.get(EligibilityProfile, contact_id)
    if profile is None:
        return None
    return {column: _plain(getattr(profile, column)) for column in PROFILE_COLUMNS}


async def _appointments(
    session: AsyncSession, contact_id: int, channel_of: dict[int, str]
) -> list[dict[str, Any]]:
    rows = (
        await session.execute(
            select(Appointment, Counsellor.display_name, Site.name)
            .join(Counsellor, Counsellor.id == Appointment.counsellor_id)
            .outerjoin(Site, Site.id == Appointment.site_id)
            .where(Appointment.contact_id == contact_id)
            .order_by(Appointment.starts_at, Appointment.id)
        )
    ).all()
    reminders: dict[int, list[dict[str, Any]]] = {}
    if rows:
        for reminder in await session.scalars(
            select(AppointmentReminder)
            .where(AppointmentReminder.appointment_id.in_([row[0].id for row in rows]))
            .order_by(AppointmentReminder.due_at)
        ):
            reminders.setdefault(reminder.appointment_id, []).append(
                {"due_at": _plain(reminder.due_at), "status": reminder.status}
            )
    return [
        {
            "id": appointment.id,
            "kind": appointment.kind,
            "starts_at": _plain(appointment.starts_at),
            "ends_at": _plain(appointment.ends_at),
            "status": appointment.status,
            "site": site,
            "counsellor": counsellor,
            "first_name": appointment.first_name,
            "phone": appointment.phone,
            "topic": appointment.topic,
            "channel": channel_of.get(appointment.channel_identity_id or 0),
            "booked_at": _plain(appointment.created_at),
            "cancelled_at": _plain(appointment.cancelled_at),
            "reminders": reminders.get(appointment.id, []),
        }
        for appointment, counsellor, site in rows
    ]


async def _conversations(session: AsyncSession, channel_of: dict[int, str]) -> list[dict[str, Any]]:
    if not channel_of:
        return []
    conversations = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.channel_identity_id.in_(list(channel_of)))
            .order_by(Conversation.id)
        )
    ).all()
    ids = [conversation.id for conversation in conversations]
    messages: dict[int, list[dict[str, Any]]] = {}
    team: dict[int, list[dict[str, Any]]] = {}
    if ids:
        for message in await session.scalars(
            select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.id)
        ):
            messages.setdefault(message.conversation_id, []).append(
                {
                    "at": _plain(message.created_at),
                    "direction": message.direction,
                    "author": message.author,
                    "text": message.text,
                    "button": message.payload if message.text is None else None,
                    "status": message.status,
                }
            )
        for event in await session.scalars(
            select(ConversationEvent)
            .where(ConversationEvent.conversation_id.in_(ids))
            .order_by(ConversationEvent.id)
        ):
            # What the team did and wrote about the person, never which staff member.
            team.setdefault(event.conversation_id, []).append(
                {"at": _plain(event.created_at), "kind": event.kind, "note": event.text}
            )
    return [
        {
            "id": conversation.id,
            "channel": channel_of[conversation.channel_identity_id],
            "state": conversation.state,
            "started_at": _plain(conversation.created_at),
            "closed_at": _plain(conversation.closed_at),
            "urgent": conversation.urgent,
            "urgent_reasons": conversation.urgent_reasons,
            "handoff_reason": conversation.handoff_reason,
            "messages": messages.get(conversation.id, []),
            "team": team.get(conversation.id, []),
        }
        for conversation in conversations
    ]


async def _deliveries(session: AsyncSession, channel_of: dict[int, str]) -> list[dict[str, Any]]:
    if not channel_of:
        return []
    rows = (
        await session.execute(
            select(CampaignDelivery, Campaign.title)
            .join(Campaign, Campaign.id == CampaignDelivery.campaign_id)
            .where(CampaignDelivery.channel_identity_id.in_(list(channel_of)))
            .order_by(CampaignDelivery.id)
        )
    ).all()
    return [
        {
            "campaign": title,
            "channel": channel_of[delivery.channel_identity_id],
            "state": delivery.state,
            "reason": delivery.reason,
            "at": _plain(delivery.updated_at),
        }
        for delivery, title in rows
    ]

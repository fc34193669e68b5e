"""The retention purge as stored (#12): anonymised monthly figures, counted once per month before
anything is deleted, and deletes of the rows past their retention in small batches (one short
transaction each; on PostgreSQL a batch skips rows another transaction holds, and one process at
a time purges: `purge_turn`). The caller passes the cutoffs: the settings are not read here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    delete,
    exists,
    func,
    select,
    tuple_,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from bot.core.vocabulary import UsageMetric
from bot.storage.database import advisory_turn, engine_of
from bot.storage.models import (
    Appointment,
    AuditEntry,
    Campaign,
    CampaignDelivery,
    ChannelIdentity,
    Contact,
    Conversation,
    Counsellor,
    CountedMonth,
    EligibilityProfile,
    Message,
    OutreachSource,
    Site,
    StaffSession,
    UsageAggregate,
)

# The PostgreSQL advisory lock a process holds while it purges (any fixed number; the campaign
# sender holds 7_311_001).
PURGE_LOCK_KEY = 7_311_002
UNDER_16 = "under_16"  # the outcome of a new contact who said they were under 16

Sessions = async_sessionmaker[AsyncSession]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def purge_turn(sessions: Sessions) -> AbstractAsyncContextManager[bool]:
    """Whether this process purges now: one process at a time (a PostgreSQL advisory lock)."""
    return advisory_turn(engine_of(sessions), PURGE_LOCK_KEY)


# --- the monthly figures ---------------------------------------------------------------------


async def _first_data_month(session: AsyncSession) -> date | None:
    """The month of the oldest row a figure counts."""
    dates = [
        await session.scalar(select(func.min(column)))
        for column in (
            Contact.created_at,
            Conversation.created_at,
            EligibilityProfile.completed_at,
            Appointment.starts_at,
            CampaignDelivery.updated_at,
        )
    ]
    known: list[datetime] = [d for d in dates if d is not None]
    if not known:
        return None
    oldest = min(d if d.tzinfo else d.replace(tzinfo=UTC) for d in known)
    return month_start(oldest.astimezone(UTC).date())


def _first_identity() -> Any:
    """A contact's first channel identity: the channel they came by (as outreach figures say)."""
    return (
        select(ChannelIdentity.contact_id, func.min(ChannelIdentity.id).label("identity_id"))
        .group_by(ChannelIdentity.contact_id)
        .subquery()
    )


def _figure_queries(start: datetime, end: datetime) -> dict[UsageMetric, Select[Any]]:
    """Per metric: (site, source kind, source code, channel, outcome, count) rows of a month."""
    first = _first_identity()
    source = OutreachSource
    by_contact = (EligibilityProfile.site_id, source.kind, source.code, ChannelIdentity.channel)

    contacts = (
        select(*by_contact, Contact.under_16_at.is_not(None), func.count())
        .select_from(Contact)
        .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
        .outerjoin(source, source.id == Contact.source_id)
        .outerjoin(first, first.c.contact_id == Contact.id)
        .outerjoin(ChannelIdentity, ChannelIdentity.id == first.c.identity_id)
        .where(Contact.created_at >= start, Contact.created_at < end)
        .group_by(*by_contact, Contact.under_16_at.is_not(None))
    )
    conversations = (
        select(*by_contact, Conversation.handoff_reason, func.count())
        .select_from(Conversation)
        .join(ChannelIdentity, ChannelIdentity.id == Conversation.channel_identity_id)
        .join(Contact, Contact.id == ChannelIdentity.contact_id)
        .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
        .outerjoin(source, source.id == Contact.source_id)
        .where(Conversation.created_at >= start, Conversation.created_at < end)
        .group_by(*by_contact, Conversation.handoff_reason)
    )
    questionnaires = (
        select(*by_contact, EligibilityProfile.orientation, func.count())
        .select_from(EligibilityProfile)
        .join(Contact, Contact.id == EligibilityProfile.contact_id)
        .outerjoin(source, source.id == Contact.source_id)
        .outerjoin(first, first.c.contact_id == Contact.id)
        .outerjoin(ChannelIdentity, ChannelIdentity.id == first.c.identity_id)
        .where(EligibilityProfile.completed_at >= start, EligibilityProfile.completed_at < end)
        .group_by(*by_contact, EligibilityProfile.orientation)
    )
    site = func.coalesce(Appointment.site_id, Counsellor.site_id)
    appointments = (
        select(site, source.kind, source.code, ChannelIdentity.channel, Appointment.status)
        .add_columns(func.count())
        .select_from(Appointment)
        .join(Counsellor, Counsellor.id == Appointment.counsellor_id)
        .join(Contact, Contact.id == Appointment.contact_id)
        .outerjoin(source, source.id == Contact.source_id)
        .outerjoin(ChannelIdentity, ChannelIdentity.id == Appointment.channel_identity_id)
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .group_by(site, source.kind, source.code, ChannelIdentity.channel, Appointment.status)
    )
    # A campaign message counts for the campaign's own source (what brought the message).
    deliveries = (
        select(*by_contact, CampaignDelivery.state, func.count())
        .select_from(CampaignDelivery)
        .join(ChannelIdentity, ChannelIdentity.id == CampaignDelivery.channel_identity_id)
        .join(Campaign, Campaign.id == CampaignDelivery.campaign_id)
        .outerjoin(source, source.id == Campaign.source_id)
        .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == ChannelIdentity.contact_id)
        .where(CampaignDelivery.updated_at >= start, CampaignDelivery.updated_at < end)
        .group_by(*by_contact, CampaignDelivery.state)
    )
    return {
        UsageMetric.NEW_CONTACTS: contacts,
        UsageMetric.CONVERSATIONS: conversations,
        UsageMetric.QUESTIONNAIRES: questionnaires,
        UsageMetric.APPOINTMENTS: appointments,
        UsageMetric.CAMPAIGN_MESSAGES: deliveries,
    }


async def count_month(sessions: Sessions, month: date, now: datetime) -> bool:
    """Write the figures of one month; False when it was counted already. The month's row is
    written first: another process counting it at once waits for it, then finds it taken."""
    start, end = at_midnight(month), at_midnight(next_month(month))
    try:
        async with sessions() as session, session.begin():
            session.add(CountedMonth(month=month, counted_at=now))
            await session.flush()
            for metric, query in _figure_queries(start, end).items():
                for site_id, kind, code, channel, outcome, count in await session.execute(query):
                    if metric is UsageMetric.NEW_CONTACTS:
                        outcome = UNDER_16 if outcome else None
                    session.add(
                        UsageAggregate(
                            month=month,
                            site_id=site_id,
                            source_kind=kind,
                            source_code=code,
                            channel=channel,
                            metric=metric.value,
                            outcome=outcome,
                            count=count,
                        )
                    )
    except IntegrityError:
        return False
    return True


async def count_months(sessions: Sessions, before: date, now: datetime) -> int:
    """Count every month before `before` (the first day of a month) not counted yet, from the
    oldest data on; how many this call counted. Rows dated before `before` may then go."""
    async with sessions() as session:
        first = await _first_data_month(session)
        done = set((await session.scalars(select(CountedMonth.month))).all())
    counted = 0
    month = first
    while month is not None and month < before:
        if month not in done and await count_month(sessions, month, now):
            counted += 1
        month = next_month(month)
    return counted


@dataclass(frozen=True, slots=True)
class MonthlyFigure:
    month: date
    site_id: int | None
    site: str | None
    source_kind: str | None
    source_code: str | None
    channel: str | None
    metric: str
    outcome: str | None
    count: int


async def monthly_figures(session: AsyncSession, first: date, last: date) -> list[MonthlyFigure]:
    """The figures of the months from `first` to `last` (first days of months), in order."""
    rows = await session.execute(
        select(UsageAggregate, Site.name)
        .outerjoin(Site, Site.id == UsageAggregate.site_id)
        .where(UsageAggregate.month >= first, UsageAggregate.month <= last)
        .order_by(UsageAggregate.month, UsageAggregate.metric, UsageAggregate.id)
    )
    return [
        MonthlyFigure(
            a.month, a.site_id, site, a.source_kind, a.source_code, a.channel, a.metric,
            a.outcome, a.count,
        )
        for a, site in rows.all()
    ]  # fmt: skip


# --- the deletes -----------------------------------------------------------------------------


async def delete_in_batches(
    sessions: Sessions,
    keys: Sequence[InstrumentedAttribute[Any]],
    where: ColumnElement[bool],
    limit: int,
) -> int:
    """Delete the rows of one table that match, at most `limit` per transaction; how many."""
    table = keys[0].class_
    key: Any = keys[0] if len(keys) == 1 else tuple_(*keys)
    total = 0
    while True:
        chosen = select(*keys).where(where).limit(limit).with_for_update(skip_locked=True)
        async with sessions() as session, session.begin():
            result = await session.execute(
                delete(table).where(key.in_(chosen)).execution_options(synchronize_session=False)
            )
        deleted = int(getattr(result, "rowcount", 0) or 0)
        total += deleted
        if deleted < limit:
            return total


async def purge_conversations(sessions: Sessions, before: datetime, limit: int) -> int:
    """Conversations (their messages, events, assignment: ON DELETE CASCADE) with no activity
    since `before`: neither a change of state nor a message."""
    recent_message = exists().where(
        Message.conversation_id == Conversation.id, Message.created_at >= before
    )
    idle = and_(Conversation.updated_at < before, ~recent_message)
    return await delete_in_batches(sessions, [Conversation.id], idle, limit)


async def purge_appointments(sessions: Sessions, before: datetime, limit: int) -> int:
    """Appointments dated before `before` (their quarters and reminders go with them)."""
    return await delete_in_batches(
        sessions, [Appointment.id], Appointment.starts_at < before, limit
    )


async def purge_deliveries(sessions: Sessions, before: datetime, limit: int) -> int:
    stale = CampaignDelivery.updated_at < before
    return await delete_in_batches(sessions, [CampaignDelivery.id], stale, limit)


async def purge_contacts(
    sessions: Sessions,
    before: datetime,
    counted_until: datetime,
    limit: int,
    erase_senders: Callable[[Sequence[str]], Awaitable[None]],
) -> int:
    """Contacts last seen before `before` with nothing left: no conversation, no appointment,
    no campaign delivery not counted yet. What the dialogue engine keeps of their identities
    goes first (`erase_senders`: if it fails, the batch stays for the next run), then the
    contact with everything attached (ON DELETE CASCADE: identities, questionnaire, consents,
    delivery rows)."""
    has_conversation = exists().where(
        ChannelIdentity.contact_id == Contact.id,
        Conversation.channel_identity_id == ChannelIdentity.id,
    )
    has_appointment = exists().where(Appointment.contact_id == Contact.id)
    uncounted_delivery = exists().where(
        ChannelIdentity.contact_id == Contact.id,
        CampaignDelivery.channel_identity_id == ChannelIdentity.id,
        CampaignDelivery.updated_at >= counted_until,
    )
    forgotten = and_(
        Contact.last_seen_at < before, ~has_conversation, ~has_appointment, ~uncounted_delivery
    )
    total = 0
    while True:
        async with sessions() as session, session.begin():
            ids = list(
                (
                    await session.scalars(
                        select(Contact.id)
                        .where(forgotten)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
            )
            if ids:
                senders = await session.scalars(
                    select(ChannelIdentity.public_id).where(ChannelIdentity.contact_id.in_(ids))
                )
                await erase_senders(list(senders.all()))
                await session.execute(
                    delete(Contact)
                    .where(Contact.id.in_(ids))
                    .execution_options(synchronize_session=False)
                )
        total += len(ids)
        if len(ids) < limit:
            return total


async def purge_staff_sessions(sessions: Sessions, now: datetime, limit: int) -> int:
    """Console sessions past their expiry (a signed-out or idle browser is refused anyway)."""
    expired = StaffSession.expires_at < now
    return await delete_in_batches(sessions, [StaffSession.token_hash], expired, limit)


async def purge_audit(sessions: Sessions, before: datetime, limit: int) -> int:
    return await delete_in_batches(sessions, [AuditEntry.id], AuditEntry.at < before, limit)

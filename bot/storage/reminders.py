"""Queries and writes for appointment reminders: plan, skip, claim due ones, find stranded ones.

Claims are conditional UPDATEs (`… WHERE status = 'scheduled'`) whose row count decides, so a
reminder is taken once whatever the database: PostgreSQL replicas also skip the rows another
replica has locked (`FOR UPDATE SKIP LOCKED`), SQLite serialises writers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.messages import MessageStatus
from bot.core.vocabulary import AppointmentStatus, ReminderStatus
from bot.storage.models import (
    Appointment,
    AppointmentReminder,
    ChannelIdentity,
    Counsellor,
    Message,
)


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder whose time has come, with what its message needs: the appointment (counsellor
    and its site, site, permanence loaded) and the channel identity to send it to, if any."""

    reminder_id: int
    lead_minutes: int
    due_at: datetime
    appointment: Appointment
    identity: ChannelIdentity | None


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One lead of the settings for one appointment: when it is due (UTC), or why it is not."""

    lead_minutes: int
    due_at: datetime | None  # None when skipped
    skipped_reason: str | None  # too_late, night, merged


async def insert_planned(
    session: AsyncSession,
    appointment_id: int,
    planned: Sequence[PlannedReminder],
    now: datetime,
) -> None:
    """Record an appointment's planned reminders (in the booking's transaction). A skipped one
    keeps its reason; as `due_at` is required, it holds the moment it was skipped."""
    session.add_all(
        AppointmentReminder(
            appointment_id=appointment_id,
            lead_minutes=plan.lead_minutes,
            due_at=plan.due_at or now,
            status=ReminderStatus.SCHEDULED if plan.due_at is not None else ReminderStatus.SKIPPED,
            skipped_reason=plan.skipped_reason if plan.due_at is None else None,
        )
        for plan in planned
    )
    await session.flush()


async def skip_for(session: AsyncSession, appointment_id: int, reason: str) -> int:
    """Skip every reminder of an appointment still to come (cancelled, rescheduled…)."""
    result = await session.execute(
        update(AppointmentReminder)
        .where(
            AppointmentReminder.appointment_id == appointment_id,
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
        )
        .values(status=ReminderStatus.SKIPPED, skipped_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def skip(session: AsyncSession, reminder_id: int, reason: str) -> bool:
    """Skip one reminder if it is still scheduled (False when another sweep took it)."""
    result = await session.execute(
        update(AppointmentReminder)
        .where(
            AppointmentReminder.id == reminder_id,
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
        )
        .values(status=ReminderStatus.SKIPPED, skipped_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> list[DueReminder]:
    """Scheduled reminders due at `now`, oldest first. On PostgreSQL they stay locked until the
    caller's transaction ends and rows locked by another replica are skipped; the caller still
    takes each one with `queue` (or `skip`), whose row count decides."""
    rows = await session.execute(
        select(AppointmentReminder, Appointment, ChannelIdentity)
        .join(Appointment, Appointment.id == AppointmentReminder.appointment_id)
        .outerjoin(ChannelIdentity, ChannelIdentity.id == Appointment.channel_identity_id)
        .where(
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
            AppointmentReminder.due_at <= now,
        )
        .order_by(AppointmentReminder.due_at, AppointmentReminder.id)
        .limit(limit)
        .options(
            selectinload(Appointment.counsellor).selectinload(Counsellor.site),
            selectinload(Appointment.site),
            selectinload(Appointment.permanence),
        )
        .with_for_update(skip_locked=True, of=AppointmentReminder)
    )
    return [
        DueReminder(reminder.id, reminder.lead_minutes, reminder.due_at, appointment, identity)
        for reminder, appointment, identity in rows
    ]


async def queue(session: AsyncSession, reminder_id: int, now: datetime) -> bool:
    """Take a due reminder for sending, if it is still scheduled and its appointment still
    booked; False when another sweep (or a cancellation) got there first."""
    booked = exists().where(
        Appointment.id == AppointmentReminder.appointment_id,
        Appointment.status == AppointmentStatus.BOOKED,
    )
    result = await session.execute(
        update(AppointmentReminder)
        .where(
            AppointmentReminder.id == reminder_id,
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
            booked,
        )
        .values(status=ReminderStatus.QUEUED, queued_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def attach_message(session: AsyncSession, reminder_id: int, message_id: int) -> None:
    await session.execute(
        update(AppointmentReminder)
        .where(AppointmentReminder.id == reminder_id)
        .values(message_id=message_id)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True, slots=True)
class StrandedMessage:
    """A queued reminder's message that no sender has taken (the process stopped between the
    claim's commit and delivery); `current` while its appointment is booked and not begun."""

    message: Message
    current: bool


async def stranded(session: AsyncSession, now: datetime, limit: int) -> list[StrandedMessage]:
    """Messages of queued reminders still waiting for a sender, oldest first."""
    rows = await session.execute(
        select(Message, Appointment.status, Appointment.starts_at)
        .join(AppointmentReminder, AppointmentReminder.message_id == Message.id)
        .join(Appointment, Appointment.id == AppointmentReminder.appointment_id)
        .where(
            AppointmentReminder.status == ReminderStatus.QUEUED,
            Message.status == MessageStatus.PENDING.value,
            Message.claimed_at.is_(None),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return [
        StrandedMessage(message, status == AppointmentStatus.BOOKED and starts_at > now)
        for message, status, starts_at in rows
    ]


async def expire(session: AsyncSession, message_ids: Sequence[int], now: datetime) -> int:
    """Record stranded messages undelivered (too late now): nothing ever sends them late."""
    if not message_ids:
        return 0
    result = await session.execute(
        update(Message)
        .where(
            Message.id.in_(message_ids),
            Message.status == MessageStatus.PENDING.value,
            Message.claimed_at.is_(None),
        )
        .values(status=MessageStatus.UNDELIVERED.value, failure_reason="too_late", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)

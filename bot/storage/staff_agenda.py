"""The agenda as counsellors see it: appointments of a period and their outcomes (came or not).

Outcomes feed the outreach figures (how many young people an action brought actually came).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import LIVE_APPOINTMENT_STATUSES, AppointmentStatus
from bot.errors import AppointmentNotFound, OutcomeRefused
from bot.storage.appointments import with_places
from bot.storage.models import Appointment

OUTCOMES = (AppointmentStatus.ATTENDED, AppointmentStatus.MISSED)
# Statuses an outcome may be recorded (or corrected) from: the appointment still holds its time.
OUTCOME_FROM = LIVE_APPOINTMENT_STATUSES
MAX_ID = 2**31 - 1


async def appointments_between(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[Appointment]:
    """Appointments (any status) starting in [start, end), soonest first, places loaded."""
    result = await session.scalars(
        with_places(select(Appointment))
        .where(Appointment.starts_at >= start, Appointment.starts_at < end)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    return result.all()


async def locked(session: AsyncSession, appointment_id: int) -> Appointment:
    """The appointment with its places, locked for this transaction (a cancellation from the
    chat racing with a counsellor waits for it); AppointmentNotFound when there is none."""
    if not 0 < appointment_id <= MAX_ID:  # PostgreSQL would refuse to compare, not find none
        raise AppointmentNotFound(str(appointment_id))
    appointment = await session.scalar(
        with_places(select(Appointment))
        .where(Appointment.id == appointment_id)
        .with_for_update(of=Appointment)
        .execution_options(populate_existing=True)
    )
    if appointment is None:
        raise AppointmentNotFound(str(appointment_id))
    return appointment


async def set_outcome(
    session: AsyncSession, appointment_id: int, outcome: str, now: datetime
) -> Appointment:
    """Record that the young person came (attended) or not (missed); a correction is allowed,
    the same outcome again changes nothing.

    Raises AppointmentNotFound, and OutcomeRefused for an unknown outcome, an appointment that
    has not started yet, or one that was cancelled or rescheduled.
    """
    if outcome not in OUTCOMES:
        raise OutcomeRefused("unknown_outcome")
    appointment = await locked(session, appointment_id)
    if appointment.status not in OUTCOME_FROM:
        raise OutcomeRefused(appointment.status)
    if appointment.starts_at > now:
        raise OutcomeRefused("not_started")
    if appointment.status != outcome:
        appointment.status = outcome
        appointment.outcome_at = now
        appointment.updated_at = now
        await session.flush()
    return appointment

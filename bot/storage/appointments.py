"""Appointments as stored: the rows of the agenda, writing and releasing an appointment with the
quarters of its counsellor's time it takes (appointment_units, primary key counsellor + quarter,
so two overlapping bookings can never both commit), and reading a young person's appointments.

Booking's rules (what is free, the minimum notice, the reminders' plan): bot/booking/agenda.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.vocabulary import AppointmentStatus, ReminderStatus
from bot.storage import reminders
from bot.storage.conversations import identity_of_sender
from bot.storage.models import (
    UNIT_MINUTES,
    Appointment,
    AppointmentLength,
    AppointmentReminder,
    AppointmentUnit,
    AvailabilityException,
    Counsellor,
    Permanence,
    Site,
)

UNIT = timedelta(minutes=UNIT_MINUTES)


@dataclass(frozen=True, slots=True)
class Booker:
    """Who books: the contact and the channel identity reminders go to."""

    contact_id: int
    channel_identity_id: int


async def booker_of_sender(session: AsyncSession, public_id: str) -> Booker | None:
    """The contact and identity behind a Rasa sender id."""
    identity = await identity_of_sender(session, public_id)
    return None if identity is None else Booker(identity.contact_id, identity.id)


async def last_first_name(session: AsyncSession, contact_id: int) -> str | None:
    """The first name last given for one of the contact's appointments (not asked twice)."""
    return await session.scalar(
        select(Appointment.first_name)
        .where(Appointment.contact_id == contact_id, Appointment.first_name.is_not(None))
        .order_by(Appointment.created_at.desc(), Appointment.id.desc())
        .limit(1)
    )


async def set_first_name(
    session: AsyncSession, appointment_id: int, contact_id: int, first_name: str, now: datetime
) -> bool:
    """Write the first name given after booking on the contact's own appointment; False when
    there is no such appointment (erased meanwhile, or someone else's)."""
    result = await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id, Appointment.contact_id == contact_id)
        .values(first_name=first_name, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def scheduled_leads(session: AsyncSession, appointment_id: int) -> list[int]:
    """The leads (minutes before) of the reminders that will go out, longest first."""
    leads = await session.scalars(
        select(AppointmentReminder.lead_minutes)
        .where(
            AppointmentReminder.appointment_id == appointment_id,
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
        )
        .order_by(AppointmentReminder.lead_minutes.desc())
    )
    return list(leads)


async def sites(session: AsyncSession) -> Sequence[Site]:
    return (await session.scalars(select(Site).order_by(Site.id))).all()


async def open_permanences(session: AsyncSession) -> Sequence[Permanence]:
    """Permanences not called off."""
    return (
        await session.scalars(
            select(Permanence).where(Permanence.cancelled_at.is_(None)).order_by(Permanence.id)
        )
    ).all()


async def kind_lengths(session: AsyncSession) -> list[tuple[str, int]]:
    """The lengths staff set per kind (appointment_kinds), as stored."""
    rows = await session.execute(select(AppointmentLength.code, AppointmentLength.duration_minutes))
    return [(str(code), int(minutes)) for code, minutes in rows.all()]


@dataclass(frozen=True, slots=True)
class AgendaRows:
    """What the agenda of a period is made of, as stored."""

    counsellors: Sequence[Counsellor]  # active, with their hours and site loaded
    permanences: Sequence[Permanence]  # not called off, overlapping the period
    exceptions: Sequence[AvailabilityException]  # overlapping the period
    units: Sequence[tuple[int, datetime]]  # (counsellor id, start) of the quarters taken


async def agenda_rows(session: AsyncSession, start: datetime, end: datetime) -> AgendaRows:
    counsellors = (
        await session.scalars(
            select(Counsellor)
            .where(Counsellor.active.is_(True))
            .options(selectinload(Counsellor.hours), selectinload(Counsellor.site))
            .order_by(Counsellor.id)
        )
    ).all()
    permanences = (
        await session.scalars(
            select(Permanence)
            .where(
                Permanence.cancelled_at.is_(None),
                Permanence.ends_at > start,
                Permanence.starts_at < end,
            )
            .order_by(Permanence.starts_at)
        )
    ).all()
    exceptions = (
        await session.scalars(
            select(AvailabilityException).where(
                AvailabilityException.ends_at > start, AvailabilityException.starts_at < end
            )
        )
    ).all()
    # A quarter taken up to 4 h before the period may still overlap it (the longest appointment).
    units = await session.execute(
        select(AppointmentUnit.counsellor_id, AppointmentUnit.starts_at)
        .where(AppointmentUnit.starts_at >= start - timedelta(hours=4))
        .where(AppointmentUnit.starts_at < end)
    )
    return AgendaRows(counsellors, permanences, exceptions, [(int(c), s) for c, s in units.all()])


async def add_appointment(
    session: AsyncSession, appointment: Appointment, quarters: Sequence[datetime]
) -> None:
    """Insert an appointment and the quarters of its counsellor's time it takes (an overlap
    raises IntegrityError at the flush: the database decides races)."""
    session.add(appointment)
    await session.flush()
    session.add_all(
        AppointmentUnit(
            counsellor_id=appointment.counsellor_id,
            starts_at=moment,
            appointment_id=appointment.id,
        )
        for moment in quarters
    )
    await session.flush()


async def release(
    session: AsyncSession, appointment_id: int, status: AppointmentStatus, now: datetime
) -> None:
    """Mark an appointment cancelled or rescheduled: its quarters are freed, its reminders to come
    skipped."""
    await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment_id)
        .values(status=status, cancelled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(AppointmentUnit).where(AppointmentUnit.appointment_id == appointment_id)
    )
    await reminders.skip_for(session, appointment_id, status)


async def upcoming_of_contact(
    session: AsyncSession, contact_id: int, now: datetime
) -> Sequence[Appointment]:
    """The contact's booked appointments still ahead, soonest first, places loaded."""
    result = await session.scalars(
        with_places(select(Appointment))
        .where(
            Appointment.contact_id == contact_id,
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.starts_at > now,
        )
        .order_by(Appointment.starts_at)
    )
    return result.all()


async def loaded(session: AsyncSession, appointment_id: int) -> Appointment:
    """An appointment with its counsellor (and their site), site and permanence loaded."""
    appointment = await session.scalar(
        with_places(select(Appointment))
        .where(Appointment.id == appointment_id)
        .execution_options(populate_existing=True)
    )
    if appointment is None:
        raise LookupError(f"no appointment {appointment_id}")
    return appointment


def with_places(statement: Select[Appointment]) -> Select[Appointment]:
    """Load what showing an appointment needs: its counsellor (and their site), site, permanence."""
    return statement.options(
        selectinload(Appointment.counsellor).selectinload(Counsellor.site),
        selectinload(Appointment.site),
        selectinload(Appointment.permanence),
    )


async def of_contact(
    session: AsyncSession, contact_id: int, limit: int = 20
) -> Sequence[Appointment]:
    """A contact's appointments, every status, the latest first, places loaded."""
    result = await session.scalars(
        with_places(select(Appointment))
        .where(Appointment.contact_id == contact_id)
        .order_by(Appointment.starts_at.desc())
        .limit(limit)
    )
    return result.all()

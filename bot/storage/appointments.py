"""Reading the agenda and booking, cancelling and rescheduling appointments.

The database decides races: each appointment writes the quarters of its counsellor's time it
takes (appointment_units, primary key counsellor + quarter) in the same transaction, so two
overlapping bookings can never both commit. The loser gets SlotTaken.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.booking.availability import (
    Agenda,
    CounsellorWeek,
    Interval,
    PermanenceSession,
    WeeklyBlock,
    free_slots,
)
from bot.booking.offers import Place, PlaceKey
from bot.booking.reminders import plan_reminders
from bot.booking.slots import DEFAULT_DURATIONS, Slot, SlotRef
from bot.core.vocabulary import AppointmentKind, AppointmentStatus, ReminderStatus
from bot.errors import SlotGone, SlotTaken
from bot.settings import BookingSettings
from bot.storage import reminders
from bot.storage.models import (
    UNIT_MINUTES,
    Appointment,
    AppointmentLength,
    AppointmentReminder,
    AppointmentUnit,
    AvailabilityException,
    ChannelIdentity,
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
    row = (
        await session.execute(
            select(ChannelIdentity.contact_id, ChannelIdentity.id).where(
                ChannelIdentity.public_id == public_id
            )
        )
    ).one_or_none()
    return None if row is None else Booker(row[0], row[1])


async def places(session: AsyncSession) -> dict[PlaceKey, Place]:
    """Every site and permanence young people may be received at, by slot place key."""
    found: dict[PlaceKey, Place] = {
        (AppointmentKind.ON_SITE, site.id): Place(site.name, site.postcode, site.city)
        for site in await session.scalars(select(Site))
    }
    for permanence in await session.scalars(
        select(Permanence).where(Permanence.cancelled_at.is_(None))
    ):
        found[(AppointmentKind.PERMANENCE, permanence.id)] = Place(
            permanence.name, permanence.postcode, permanence.city
        )
    return found


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


async def durations(session: AsyncSession) -> dict[AppointmentKind, int]:
    """Each kind's length: the table's, else the default."""
    rows = await session.execute(select(AppointmentLength.code, AppointmentLength.duration_minutes))
    return {**DEFAULT_DURATIONS, **{AppointmentKind(code): minutes for code, minutes in rows.all()}}


async def load_agenda(session: AsyncSession, start: datetime, end: datetime) -> Agenda:
    """Active counsellors' weeks, permanences, leave, closures and booked quarters in a period."""
    counsellors = list(
        await session.scalars(
            select(Counsellor)
            .where(Counsellor.active.is_(True))
            .options(selectinload(Counsellor.hours), selectinload(Counsellor.site))
            .order_by(Counsellor.id)
        )
    )
    weeks = tuple(
        CounsellorWeek(
            counsellor_id=c.id,
            site_id=c.site_id,
            timezone=c.site.timezone,
            holiday_region=c.site.holiday_region,
            blocks=tuple(
                WeeklyBlock(
                    h.weekday,
                    h.starts_at,
                    h.ends_at,
                    frozenset(AppointmentKind(k.strip()) for k in h.kinds.split(",") if k.strip()),
                )
                for h in c.hours
            ),
        )
        for c in counsellors
    )
    active_ids = {c.id for c in counsellors}
    permanences = tuple(
        PermanenceSession(p.id, p.counsellor_id, p.timezone, p.starts_at, p.ends_at, p.slot_minutes)
        for p in await session.scalars(
            select(Permanence)
            .where(
                Permanence.cancelled_at.is_(None),
                Permanence.ends_at > start,
                Permanence.starts_at < end,
            )
            .order_by(Permanence.starts_at)
        )
        if p.counsellor_id in active_ids
    )
    busy: dict[int, list[Interval]] = defaultdict(list)
    site_of = {c.id: c.site_id for c in counsellors}
    for exception in await session.scalars(
        select(AvailabilityException).where(
            AvailabilityException.ends_at > start, AvailabilityException.starts_at < end
        )
    ):
        for counsellor_id, site_id in site_of.items():
            if exception.counsellor_id == counsellor_id or (
                exception.counsellor_id is None and exception.site_id == site_id
            ):
                busy[counsellor_id].append((exception.starts_at, exception.ends_at))
    units = await session.execute(
        select(AppointmentUnit.counsellor_id, AppointmentUnit.starts_at)
        .where(AppointmentUnit.starts_at >= start - timedelta(hours=4))
        .where(AppointmentUnit.starts_at < end)
    )
    for counsellor_id, unit_start in units.all():
        busy[counsellor_id].append((unit_start, unit_start + UNIT))
    return Agenda(weeks, permanences, dict(busy), await durations(session))


async def free_slots_between(
    session: AsyncSession, kinds: frozenset[AppointmentKind], start: datetime, end: datetime
) -> list[Slot]:
    return free_slots(await load_agenda(session, start, end), kinds, start, end)


async def find_free(
    session: AsyncSession, ref: SlotRef, now: datetime, settings: BookingSettings
) -> Slot | None:
    """The free slot a code names, if it is still free and far enough ahead."""
    earliest = now + settings.min_notice
    if ref.starts_at < earliest or ref.starts_at > now + settings.horizon:
        return None
    start, end = ref.starts_at, ref.starts_at + timedelta(minutes=1)
    for slot in await free_slots_between(session, frozenset({ref.kind}), start, end):
        if slot.ref == ref:
            return slot
    return None


async def book(
    session: AsyncSession,
    ref: SlotRef,
    booker: Booker,
    *,
    first_name: str | None,
    phone: str | None,
    topic: str | None,
    now: datetime,
    settings: BookingSettings,
    replaces: Appointment | None = None,
) -> Appointment:
    """Book the slot a code names, with its reminders; the appointment it replaces (a
    reschedule) is released in the same transaction.

    Raises SlotGone when the slot is no longer offered (taken, past the minimum notice), and
    SlotTaken when another booking of the same quarters committed first.
    """
    slot = await find_free(session, ref, now, settings)
    if slot is None:
        raise SlotGone(ref.code)
    try:
        async with session.begin_nested():
            if replaces is not None:
                await _release(session, replaces, AppointmentStatus.RESCHEDULED, now)
            appointment = Appointment(
                contact_id=booker.contact_id,
                channel_identity_id=booker.channel_identity_id,
                counsellor_id=slot.counsellor_id,
                kind=slot.kind.value,
                site_id=slot.site_id,
                permanence_id=slot.permanence_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                status=AppointmentStatus.BOOKED,
                first_name=first_name,
                phone=phone if slot.kind is AppointmentKind.PHONE else None,
                topic=topic,
                replaces_id=replaces.id if replaces is not None else None,
                calendar_key=secrets.token_urlsafe(32),
                created_at=now,
                updated_at=now,
            )
            session.add(appointment)
            await session.flush()
            session.add_all(
                AppointmentUnit(
                    counsellor_id=slot.counsellor_id,
                    starts_at=moment,
                    appointment_id=appointment.id,
                )
                for moment in _quarters(slot.starts_at, slot.ends_at)
            )
            await session.flush()
            planned = plan_reminders(slot.starts_at, now, slot.timezone, settings)
            await reminders.insert_planned(session, appointment.id, planned, now)
    except IntegrityError:
        raise SlotTaken(ref.code) from None
    return await loaded(session, appointment.id)


async def cancel(session: AsyncSession, appointment: Appointment, now: datetime) -> None:
    """Cancel a booked appointment: its quarters are free again, its reminders will not go."""
    await _release(session, appointment, AppointmentStatus.CANCELLED, now)


async def _release(
    session: AsyncSession, appointment: Appointment, status: str, now: datetime
) -> None:
    await session.execute(
        update(Appointment)
        .where(Appointment.id == appointment.id)
        .values(status=status, cancelled_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(AppointmentUnit).where(AppointmentUnit.appointment_id == appointment.id)
    )
    await reminders.skip_for(session, appointment.id, status)


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


def _quarters(start: datetime, end: datetime) -> list[datetime]:
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += UNIT
    return moments

"""Booking's own rules on top of the stored agenda: which slots are free, booking one, cancelling.

The minimum notice, the horizon and the reminders' planning are applied here; the database (bot/
storage/appointments.py) only reads and writes rows. It still decides races: each appointment
writes the quarters of its counsellor's time it takes (appointment_units, primary key counsellor +
quarter) in the same transaction, so two overlapping bookings can never both commit. The loser
gets SlotTaken.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.availability import (
    Agenda,
    CounsellorWeek,
    Interval,
    PermanenceSession,
    WeeklyBlock,
    free_slots,
)
from bot.booking.places import Place, PlaceKey, place_of
from bot.booking.reminder_plan import plan_reminders
from bot.booking.slots import DEFAULT_DURATIONS, Slot, SlotRef
from bot.core.vocabulary import AppointmentKind, AppointmentStatus
from bot.errors import SlotGone, SlotTaken
from bot.scheduling.quiet_hours import QuietHours
from bot.settings import BookingSettings
from bot.storage import appointments as store
from bot.storage import reminders
from bot.storage.appointments import Booker
from bot.storage.models import UNIT_MINUTES, Appointment

UNIT = timedelta(minutes=UNIT_MINUTES)


async def places(session: AsyncSession) -> dict[PlaceKey, Place]:
    """Every site and permanence young people may be received at, by slot place key."""
    found: dict[PlaceKey, Place] = {
        (AppointmentKind.ON_SITE, site.id): place_of(site) for site in await store.sites(session)
    }
    for permanence in await store.open_permanences(session):
        found[(AppointmentKind.PERMANENCE, permanence.id)] = place_of(permanence)
    return found


async def durations(session: AsyncSession) -> dict[AppointmentKind, int]:
    """Each kind's length: the table's, else the default."""
    stored = await store.kind_lengths(session)
    return {**DEFAULT_DURATIONS, **{AppointmentKind(code): minutes for code, minutes in stored}}


async def load_agenda(session: AsyncSession, start: datetime, end: datetime) -> Agenda:
    """Active counsellors' weeks, permanences, leave, closures and booked quarters in a period."""
    rows = await store.agenda_rows(session, start, end)
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
        for c in rows.counsellors
    )
    active_ids = {c.id for c in rows.counsellors}
    permanences = tuple(
        PermanenceSession(p.id, p.counsellor_id, p.timezone, p.starts_at, p.ends_at, p.slot_minutes)
        for p in rows.permanences
        if p.counsellor_id in active_ids
    )
    busy: dict[int, list[Interval]] = defaultdict(list)
    site_of = {c.id: c.site_id for c in rows.counsellors}
    for exception in rows.exceptions:
        for counsellor_id, site_id in site_of.items():
            if exception.counsellor_id == counsellor_id or (
                exception.counsellor_id is None and exception.site_id == site_id
            ):
                busy[counsellor_id].append((exception.starts_at, exception.ends_at))
    for counsellor_id, unit_start in rows.units:
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
    quiet_hours: QuietHours | None,
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
                await store.release(session, replaces.id, AppointmentStatus.RESCHEDULED, now)
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
            await store.add_appointment(
                session, appointment, _quarters(slot.starts_at, slot.ends_at)
            )
            planned = plan_reminders(slot.starts_at, now, slot.timezone, settings, quiet_hours)
            await reminders.insert_planned(session, appointment.id, planned, now)
    except IntegrityError:
        raise SlotTaken(ref.code) from None
    return await store.loaded(session, appointment.id)


async def cancel(session: AsyncSession, appointment: Appointment, now: datetime) -> None:
    """Cancel a booked appointment: its quarters are free again, its reminders will not go."""
    await store.release(session, appointment.id, AppointmentStatus.CANCELLED, now)


def _quarters(start: datetime, end: datetime) -> list[datetime]:
    moments = []
    moment = start
    while moment < end:
        moments.append(moment)
        moment += UNIT
    return moments

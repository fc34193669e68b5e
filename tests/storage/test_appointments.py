"""Booking, cancelling and rescheduling in the database: the constraint makes two bookings of
one counsellor's time impossible, also when they race (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking import agenda
from bot.booking.slots import SlotRef
from bot.core.vocabulary import AppointmentKind
from bot.errors import SlotGone, SlotTaken
from bot.settings import BookingSettings, SchedulingSettings
from bot.storage import appointments as store
from bot.storage.conversations import delete_contact
from bot.storage.models import (
    Appointment,
    AppointmentReminder,
    AppointmentUnit,
    AvailabilityException,
    ChannelIdentity,
    Counsellor,
)
from tests.booking.factories import (
    make_appointment,
    make_counsellor,
    make_identity,
    make_permanence,
    make_site,
)

PARIS = ZoneInfo("Europe/Paris")
# Monday 7 December 2026, 8:00 in Paris.
NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
SETTINGS = BookingSettings()
TUESDAY_1030 = datetime(2026, 12, 8, 10, 30, tzinfo=PARIS).astimezone(UTC)


async def _agenda(sessions: async_sessionmaker[AsyncSession]) -> tuple[Counsellor, list[int]]:
    """A site, a counsellor, and three young people (their channel identities' ids)."""
    async with sessions() as session, session.begin():
        site = await make_site(session, NOW)
        counsellor = await make_counsellor(session, site, NOW)
        people = [await make_identity(session, NOW) for _ in range(3)]
        return counsellor, [p.id for p in people]


async def _booker(sessions: async_sessionmaker[AsyncSession], identity_id: int) -> store.Booker:
    async with sessions() as session:
        identity = await session.get_one(ChannelIdentity, identity_id)
        return store.Booker(identity.contact_id, identity.id)


async def _book(
    sessions: async_sessionmaker[AsyncSession],
    ref: SlotRef,
    booker: store.Booker,
    *,
    phone: str | None = None,
    replaces: Appointment | None = None,
    first_name: str | None = "Lina",
) -> Appointment:
    async with sessions() as session, session.begin():
        return await agenda.book(
            session,
            ref,
            booker,
            first_name=first_name,
            phone=phone,
            topic="cej",
            now=NOW,
            settings=SETTINGS,
            quiet_hours=SchedulingSettings().quiet_hours,
            replaces=replaces,
        )


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_booking_takes_the_slot_its_quarters_and_plans_reminders(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    ref = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030)

    appointment = await _book(sessions, ref, await _booker(sessions, people[0]))

    assert (appointment.starts_at, appointment.ends_at - appointment.starts_at) == (
        TUESDAY_1030,
        timedelta(minutes=45),
    )
    assert appointment.status == "booked"
    assert appointment.site is not None
    assert appointment.counsellor.display_name == "Samia"
    assert appointment.topic == "cej"
    assert appointment.phone is None
    assert len(appointment.calendar_key) >= 32
    assert await _count(sessions, AppointmentUnit) == 3
    async with sessions() as session:
        reminders = (await session.scalars(select(AppointmentReminder))).all()
        assert sorted((r.lead_minutes, r.status) for r in reminders) == [
            (120, "scheduled"),
            (1440, "scheduled"),
        ]
        free = await agenda.free_slots_between(
            session,
            frozenset({AppointmentKind.ON_SITE}),
            TUESDAY_1030,
            TUESDAY_1030 + timedelta(hours=1),
        )
    assert TUESDAY_1030 not in [s.starts_at for s in free]


async def test_a_slot_that_is_not_offered_cannot_be_booked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    booker = await _booker(sessions, people[0])
    too_soon = datetime(2026, 12, 7, 9, 0, tzinfo=PARIS).astimezone(UTC)  # within 4 h
    not_on_the_grid = TUESDAY_1030 + timedelta(minutes=15)
    lunch = datetime(2026, 12, 8, 12, 30, tzinfo=PARIS).astimezone(UTC)
    for ref in (
        SlotRef(AppointmentKind.ON_SITE, counsellor.id, too_soon),
        SlotRef(AppointmentKind.ON_SITE, counsellor.id, not_on_the_grid),
        SlotRef(AppointmentKind.ON_SITE, counsellor.id, lunch),
        SlotRef(AppointmentKind.PERMANENCE, 999, TUESDAY_1030),
        SlotRef(AppointmentKind.ON_SITE, counsellor.id + 1, TUESDAY_1030),
    ):
        with pytest.raises(SlotGone):
            await _book(sessions, ref, booker)
    assert await _count(sessions, Appointment) == 0


async def test_leave_removes_the_slots(sessions: async_sessionmaker[AsyncSession]) -> None:
    counsellor, people = await _agenda(sessions)
    async with sessions() as session, session.begin():
        session.add(
            AvailabilityException(
                counsellor_id=counsellor.id,
                starts_at=datetime(2026, 12, 8, 0, 0, tzinfo=PARIS),
                ends_at=datetime(2026, 12, 9, 0, 0, tzinfo=PARIS),
                reason="leave",
            )
        )
    with pytest.raises(SlotGone):
        await _book(
            sessions,
            SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030),
            await _booker(sessions, people[0]),
        )


async def test_two_people_racing_for_one_slot_give_exactly_one_booking(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    bookers = [await _booker(sessions, p) for p in people]
    ref = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030)

    results = await asyncio.gather(
        *(_book(sessions, ref, booker) for booker in bookers), return_exceptions=True
    )

    booked = [r for r in results if isinstance(r, Appointment)]
    lost = [r for r in results if isinstance(r, SlotGone | SlotTaken)]
    assert len(booked) == 1, results
    assert len(lost) == 2, results
    assert await _count(sessions, Appointment) == 1
    assert await _count(sessions, AppointmentUnit) == 3


async def test_overlapping_slots_of_different_lengths_race_to_one_booking(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    bookers = [await _booker(sessions, p) for p in people[:2]]
    # On site 9:45-10:30 and by phone 10:00-10:30: same counsellor, overlapping quarters.
    on_site = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030 - timedelta(minutes=45))
    phone = SlotRef(AppointmentKind.PHONE, counsellor.id, TUESDAY_1030 - timedelta(minutes=30))

    results = await asyncio.gather(
        _book(sessions, on_site, bookers[0]),
        _book(sessions, phone, bookers[1], phone="+33612345678"),
        return_exceptions=True,
    )

    assert sum(isinstance(r, Appointment) for r in results) == 1, results
    assert sum(isinstance(r, SlotGone | SlotTaken) for r in results) == 1, results


async def test_the_database_refuses_a_second_booking_of_a_quarter_whatever_the_code(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    async with sessions() as session, session.begin():
        identity = await session.get_one(
            ChannelIdentity,
            people[0],
        )
        await make_appointment(session, identity, counsellor, TUESDAY_1030, NOW)
    async with sessions() as session:
        identity = await session.get_one(ChannelIdentity, people[1])
        overlapping = make_appointment(
            session, identity, counsellor, TUESDAY_1030 + timedelta(minutes=30), NOW
        )
        with pytest.raises(IntegrityError):
            await overlapping


async def test_cancelling_frees_the_slot_and_skips_the_reminders(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    ref = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030)
    appointment = await _book(sessions, ref, await _booker(sessions, people[0]))

    async with sessions() as session, session.begin():
        await agenda.cancel(session, appointment, NOW)

    async with sessions() as session:
        stored = await session.get_one(Appointment, appointment.id)
        assert (stored.status, stored.cancelled_at) == ("cancelled", NOW)
        statuses = set(await session.scalars(select(AppointmentReminder.status)))
        assert statuses == {"skipped"}
    assert await _count(sessions, AppointmentUnit) == 0
    # Someone else can take it now.
    other = await _book(sessions, ref, await _booker(sessions, people[1]))
    assert other.status == "booked"


async def test_rescheduling_books_the_new_slot_and_releases_the_old_one_together(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    booker = await _booker(sessions, people[0])
    first = await _book(
        sessions, SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030), booker
    )
    later = TUESDAY_1030 + timedelta(days=1)

    moved = await _book(
        sessions, SlotRef(AppointmentKind.ON_SITE, counsellor.id, later), booker, replaces=first
    )

    assert moved.replaces_id == first.id
    assert moved.starts_at == later
    async with sessions() as session:
        assert (await session.get_one(Appointment, first.id)).status == "rescheduled"
        upcoming = await store.upcoming_of_contact(session, booker.contact_id, NOW)
    assert [a.id for a in upcoming] == [moved.id]


async def test_a_failed_reschedule_keeps_the_old_appointment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    booker = await _booker(sessions, people[0])
    first = await _book(
        sessions, SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030), booker
    )
    later = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030 + timedelta(days=1))
    await _book(sessions, later, await _booker(sessions, people[1]))  # someone was quicker

    with pytest.raises(SlotGone):
        await _book(sessions, later, booker, replaces=first)

    async with sessions() as session:
        assert (await session.get_one(Appointment, first.id)).status == "booked"
    assert await _count(sessions, AppointmentUnit) == 6


async def test_the_first_name_may_come_after_booking_and_only_on_ones_own_appointment(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    booker, stranger = [await _booker(sessions, person) for person in people[:2]]
    named = await _book(
        sessions, SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030), booker
    )
    later = SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030 + timedelta(days=1))

    unnamed = await _book(sessions, later, booker, first_name=None)

    assert unnamed.first_name is None
    async with sessions() as session, session.begin():
        # The name of the latest appointment is unknown: the one given before is kept.
        assert await store.last_first_name(session, booker.contact_id) == "Lina"
        assert not await store.set_first_name(
            session, unnamed.id, stranger.contact_id, "Intrus", NOW
        )
        assert await store.set_first_name(session, unnamed.id, booker.contact_id, "Sarah", NOW)
    async with sessions() as session:
        assert (await session.get_one(Appointment, unnamed.id)).first_name == "Sarah"
        assert (await session.get_one(Appointment, named.id)).first_name == "Lina"
        assert await store.last_first_name(session, booker.contact_id) == "Sarah"
        assert await store.last_first_name(session, stranger.contact_id) is None


async def test_permanence_slots_are_booked_at_the_permanence(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    friday_8 = datetime(2026, 12, 11, 8, 0, tzinfo=PARIS).astimezone(UTC)
    async with sessions() as session, session.begin():
        permanence = await make_permanence(
            session,
            await session.get_one(Counsellor, counsellor.id),
            friday_8,
            friday_8 + timedelta(hours=4, minutes=30),
            NOW,
        )
    ref = SlotRef(AppointmentKind.PERMANENCE, permanence.id, friday_8 + timedelta(minutes=30))

    appointment = await _book(sessions, ref, await _booker(sessions, people[0]))

    assert appointment.permanence is not None
    assert appointment.permanence.city == "Lyon"
    assert appointment.site_id is None
    assert appointment.kind == "permanence"
    async with sessions() as session:
        places = await agenda.places(session)
    assert places[(AppointmentKind.PERMANENCE, permanence.id)].postcode == "69008"


async def test_erasing_the_contact_erases_appointments_quarters_and_reminders(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    counsellor, people = await _agenda(sessions)
    booker = await _booker(sessions, people[0])
    await _book(sessions, SlotRef(AppointmentKind.ON_SITE, counsellor.id, TUESDAY_1030), booker)

    async with sessions() as session, session.begin():
        await delete_contact(session, booker.contact_id)

    for model in (Appointment, AppointmentUnit, AppointmentReminder):
        assert await _count(sessions, model) == 0

"""The demo's agenda: two counsellors, a leave, next Friday's permanence; seeding is idempotent
and keeps an old or long-running demo database alive."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from bot.storage.demo import DEMO_HOURS, next_permanence, seed_demo
from bot.storage.models import (
    AvailabilityException,
    Counsellor,
    MissionLocale,
    OutreachSource,
    Permanence,
    Site,
)

PARIS = ZoneInfo("Europe/Paris")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def _count(sessions: async_sessionmaker[AsyncSession], model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _permanences(sessions: async_sessionmaker[AsyncSession]) -> list[Permanence]:
    async with sessions() as session:
        found = await session.scalars(
            select(Permanence)
            .options(selectinload(Permanence.counsellor))
            .order_by(Permanence.starts_at)
        )
        return list(found)


async def test_the_demo_agenda_is_seeded_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await seed_demo(sessions, MONDAY) is True
    assert await seed_demo(sessions, MONDAY) is False

    counts = [
        await _count(sessions, model)
        for model in (MissionLocale, Site, Counsellor, AvailabilityException, Permanence)
    ]
    assert counts == [1, 1, 2, 1, 1]
    assert await _count(sessions, OutreachSource) == 3
    async with sessions() as session:
        counsellors = list(
            await session.scalars(
                select(Counsellor).options(selectinload(Counsellor.hours)).order_by(Counsellor.id)
            )
        )
        leave = await session.scalar(select(AvailabilityException))
    assert [c.display_name for c in counsellors] == ["Samia", "Thomas"]
    samia, thomas = counsellors
    assert {h.weekday for h in samia.hours} == {0, 1, 2}
    assert {h.kinds for h in samia.hours} == {"on_site,phone,video"}
    assert {h.weekday for h in thomas.hours} == {1, 2, 3, 4}
    assert {h.kinds for h in thomas.hours} == {"on_site,phone"}
    for hours in samia.hours + thomas.hours:  # within the site's opening hours
        assert any(
            opens <= hours.starts_at and hours.ends_at <= closes
            for opens, closes in DEMO_HOURS[hours.weekday]
        )
    # Thomas's leave: Tuesday 8 to Friday 11 December, local days.
    assert leave is not None
    assert (leave.counsellor_id, leave.reason) == (thomas.id, "leave")
    assert leave.starts_at == datetime(2026, 12, 8, tzinfo=PARIS)
    assert leave.ends_at == datetime(2026, 12, 12, tzinfo=PARIS)

    [permanence] = await _permanences(sessions)
    assert permanence.counsellor.display_name == "Thomas"
    assert (permanence.name, permanence.address, permanence.postcode, permanence.city) == (
        "Résidence Les Tilleuls — salle commune",
        "3 allée des Tilleuls",
        "69008",
        "Lyon",
    )
    assert (permanence.timezone, permanence.slot_minutes) == ("Europe/Paris", 30)
    assert permanence.starts_at == datetime(2026, 11, 27, 8, 0, tzinfo=PARIS)
    assert permanence.ends_at == datetime(2026, 11, 27, 12, 30, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "friday"),
    [
        (datetime(2026, 11, 23, 9, 30, tzinfo=PARIS), date(2026, 11, 27)),  # a Monday
        (datetime(2026, 11, 27, 7, 59, tzinfo=PARIS), date(2026, 11, 27)),  # Friday, before
        (datetime(2026, 11, 27, 8, 0, tzinfo=PARIS), date(2026, 12, 4)),  # Friday, started
        (datetime(2026, 11, 27, 15, 0, tzinfo=PARIS), date(2026, 12, 4)),  # Friday afternoon
        # Thursday 23:30 UTC is already Friday 0:30 in Paris: this very Friday.
        (datetime(2026, 11, 26, 23, 30, tzinfo=UTC), date(2026, 11, 27)),
        # Friday 25 December is a public holiday: the week after.
        (datetime(2026, 12, 21, 10, 0, tzinfo=PARIS), date(2027, 1, 8)),
        # Summer time: 8:00 in Paris is 6:00 UTC.
        (datetime(2027, 6, 14, 10, 0, tzinfo=PARIS), date(2027, 6, 18)),
    ],
)
def test_the_permanence_is_next_friday_morning_in_local_time(now: datetime, friday: date) -> None:
    starts_at, ends_at = next_permanence(now, "Europe/Paris")

    assert starts_at.tzinfo is UTC
    assert starts_at == datetime.combine(friday, time(8, 0), tzinfo=PARIS)
    assert ends_at == datetime.combine(friday, time(12, 30), tzinfo=PARIS)


def test_the_permanence_skips_the_holders_leave() -> None:
    leave = (datetime(2026, 11, 26, tzinfo=PARIS), datetime(2026, 11, 28, tzinfo=PARIS))

    starts_at, _ = next_permanence(MONDAY, "Europe/Paris", away=[leave])

    assert starts_at == datetime(2026, 12, 4, 8, 0, tzinfo=PARIS)


async def test_a_friday_afternoon_seeding_gives_next_weeks_permanence(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed_demo(sessions, datetime(2026, 11, 27, 15, 0, tzinfo=PARIS))

    [permanence] = await _permanences(sessions)
    assert permanence.starts_at == datetime(2026, 12, 4, 8, 0, tzinfo=PARIS)


async def test_a_long_running_demo_gets_a_new_permanence(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await seed_demo(sessions, MONDAY)
    await seed_demo(sessions, MONDAY + timedelta(days=3))  # Thursday: this Friday's is ahead
    three_weeks_later = MONDAY + timedelta(weeks=3)
    await seed_demo(sessions, three_weeks_later)
    await seed_demo(sessions, three_weeks_later)

    permanences = await _permanences(sessions)
    assert [p.starts_at.astimezone(PARIS).date() for p in permanences] == [
        date(2026, 11, 27),
        date(2026, 12, 18),
    ]
    assert await _count(sessions, Counsellor) == 2


async def test_an_old_demo_database_gets_its_counsellors(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A demo database from before appointments: the Mission Locale, no counsellors."""
    await seed_demo(sessions, MONDAY)
    async with sessions() as session, session.begin():
        await session.execute(delete(Counsellor))  # their permanence and leave go with them

    assert await seed_demo(sessions, MONDAY) is False

    assert await _count(sessions, Counsellor) == 2
    assert await _count(sessions, AvailabilityException) == 1
    assert len(await _permanences(sessions)) == 1
    assert await _count(sessions, MissionLocale) == 1


async def test_another_mission_locale_gets_no_demo_agenda(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        session.add(MissionLocale(name="Mission Locale de Fort-de-France", created_at=MONDAY))

    assert await seed_demo(sessions, MONDAY) is False

    assert await _count(sessions, Counsellor) == 0
    assert await _count(sessions, Permanence) == 0

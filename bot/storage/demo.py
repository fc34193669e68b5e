"""Demo data: a fictional Mission Locale so a fresh install can be tried at once (DEMO=0: off)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.vocabulary import SourceKind
from bot.storage.models import (
    AvailabilityException,
    Counsellor,
    CounsellorHours,
    MissionLocale,
    OpeningHours,
    OutreachSource,
    Permanence,
    Site,
)

logger = logging.getLogger(__name__)

DEMO_NAME = "Mission Locale de démonstration"

# Monday-Friday; Thursday morning closed (team meeting), as many Missions Locales do.
_MORNING = (time(9, 0), time(12, 30))
_AFTERNOON = (time(13, 30), time(17, 30))
_FRIDAY_AFTERNOON = (time(13, 30), time(16, 30))
DEMO_HOURS: dict[int, list[tuple[time, time]]] = {
    0: [_MORNING, _AFTERNOON],
    1: [_MORNING, _AFTERNOON],
    2: [_MORNING, _AFTERNOON],
    3: [_AFTERNOON],
    4: [_MORNING, _FRIDAY_AFTERNOON],
}

# The demo's counsellors: name, kinds of appointment they take, weekly hours (within DEMO_HOURS).
# Thomas holds the Friday-morning permanence, so he is at the agency on Friday afternoon only.
DEMO_COUNSELLORS: tuple[tuple[str, str, dict[int, list[tuple[time, time]]]], ...] = (
    ("Samia", "on_site,phone,video", {day: DEMO_HOURS[day] for day in (0, 1, 2)}),
    (
        "Thomas",
        "on_site,phone",
        {1: DEMO_HOURS[1], 2: DEMO_HOURS[2], 3: DEMO_HOURS[3], 4: [_FRIDAY_AFTERNOON]},
    ),
)
PERMANENCE_HOLDER = "Thomas"
# A Friday morning in a housing estate's community room, every week in the demo.
PERMANENCE_PLACE = {
    "name": "Résidence Les Tilleuls — salle commune",
    "address": "3 allée des Tilleuls",
    "postcode": "69008",
    "city": "Lyon",
}
PERMANENCE_WEEKDAY = 4
PERMANENCE_HOURS = (time(8, 0), time(12, 30))
PERMANENCE_SLOT_MINUTES = 30

# Outreach actions of the demo, so links, QR codes and figures can be tried at once.
DEMO_SOURCES = (
    ("boulangerie-centre", "Affiche à la boulangerie du centre", "poster"),
    ("snap-story-dec", "Story Snapchat de décembre", "snapchat"),
    ("permanence-quartier", "Permanence au pied des immeubles", SourceKind.PERMANENCE),
)

Interval = tuple[datetime, datetime]


async def seed_demo(session_factory: async_sessionmaker[AsyncSession], now: datetime) -> bool:
    """Create the demo Mission Locale if the database has none (True if it did); keep its
    agenda alive: counsellors if it has none, and an upcoming permanence."""
    await _seed_demo_sources(session_factory, now)
    created = await _seed_demo_mission_locale(session_factory, now)
    await _seed_demo_agenda(session_factory, now)
    return created


async def _seed_demo_mission_locale(
    session_factory: async_sessionmaker[AsyncSession], now: datetime
) -> bool:
    async with session_factory() as session, session.begin():
        if await session.scalar(select(exists().where(MissionLocale.id.is_not(None)))):
            return False
        mission_locale = MissionLocale(name=DEMO_NAME, created_at=now)
        site = Site(
            mission_locale=mission_locale,
            name="Antenne du centre-ville",
            address="12 rue de la République",
            postcode="69001",
            city="Lyon",
            phone="04 00 00 00 00",
            timezone="Europe/Paris",
            created_at=now,
        )
        site.opening_hours = [
            OpeningHours(weekday=day, opens_at=opens, closes_at=closes)
            for day, periods in DEMO_HOURS.items()
            for opens, closes in periods
        ]
        session.add(mission_locale)
    logger.info("demo Mission Locale created")
    return True


async def _seed_demo_agenda(
    session_factory: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    """Counsellors when the demo Mission Locale has none (a demo database from before
    appointments), and next Friday's permanence when none is ahead (a demo left running)."""
    async with session_factory() as session, session.begin():
        site = await session.scalar(
            select(Site)
            .join(MissionLocale, MissionLocale.id == Site.mission_locale_id)
            .where(MissionLocale.name == DEMO_NAME)
            .order_by(Site.id)
            .limit(1)
        )
        if site is None:
            return
        counsellors = list(
            await session.scalars(
                select(Counsellor)
                .where(Counsellor.mission_locale_id == site.mission_locale_id)
                .order_by(Counsellor.id)
            )
        )
        if not counsellors:
            counsellors = await _add_counsellors(session, site, now)
            logger.info("demo counsellors created")
        holder = next(
            (c for c in counsellors if c.active and c.display_name == PERMANENCE_HOLDER),
            next((c for c in counsellors if c.active), None),
        )
        if holder is None:
            return
        ahead = await session.scalar(
            select(
                exists().where(
                    Permanence.mission_locale_id == site.mission_locale_id,
                    Permanence.cancelled_at.is_(None),
                    Permanence.starts_at > now,
                )
            )
        )
        if ahead:
            return
        away = [
            (leave.starts_at, leave.ends_at)
            for leave in await session.scalars(
                select(AvailabilityException).where(
                    AvailabilityException.counsellor_id == holder.id,
                    AvailabilityException.ends_at > now,
                )
            )
        ]
        starts_at, ends_at = next_permanence(now, site.timezone, site.holiday_region, away)
        session.add(
            Permanence(
                mission_locale_id=site.mission_locale_id,
                counsellor_id=holder.id,
                timezone=site.timezone,
                starts_at=starts_at,
                ends_at=ends_at,
                slot_minutes=PERMANENCE_SLOT_MINUTES,
                created_at=now,
                **PERMANENCE_PLACE,
            )
        )
    logger.info("demo permanence created")


async def _add_counsellors(session: AsyncSession, site: Site, now: datetime) -> list[Counsellor]:
    counsellors = []
    for name, kinds, week in DEMO_COUNSELLORS:
        counsellor = Counsellor(
            mission_locale_id=site.mission_locale_id,
            site_id=site.id,
            display_name=name,
            active=True,
            created_at=now,
        )
        counsellor.hours = [
            CounsellorHours(weekday=day, starts_at=start, ends_at=end, kinds=kinds)
            for day, blocks in week.items()
            for start, end in blocks
        ]
        counsellors.append(counsellor)
    session.add_all(counsellors)
    await session.flush()
    thomas = next(c for c in counsellors if c.display_name == PERMANENCE_HOLDER)
    starts_at, ends_at = demo_leave(now, site.timezone)
    session.add(
        AvailabilityException(
            counsellor_id=thomas.id, starts_at=starts_at, ends_at=ends_at, reason="leave"
        )
    )
    return counsellors


def demo_leave(now: datetime, timezone: str) -> Interval:
    """From next month's second Tuesday to that Friday (local days). It starts on the 8th at
    the earliest, so after the coming Friday's permanence (at most seven days ahead)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first_of_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    first_tuesday = first_of_next + timedelta(days=(1 - first_of_next.weekday()) % 7)
    tuesday = first_tuesday + timedelta(days=7)
    return (
        datetime.combine(tuesday, time(0), tzinfo=zone).astimezone(UTC),
        datetime.combine(tuesday + timedelta(days=4), time(0), tzinfo=zone).astimezone(UTC),
    )


def next_permanence(
    now: datetime,
    timezone: str,
    holiday_region: str | None = None,
    away: Sequence[Interval] = (),
) -> Interval:
    """The next Friday morning (local time) starting strictly after `now`, skipping public
    holidays and the holder's leave; in UTC."""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    day += timedelta(days=(PERMANENCE_WEEKDAY - day.weekday()) % 7)
    opens, closes = PERMANENCE_HOURS
    while True:
        starts_at = datetime.combine(day, opens, tzinfo=zone).astimezone(UTC)
        ends_at = datetime.combine(day, closes, tzinfo=zone).astimezone(UTC)
        taken = any(start < ends_at and starts_at < end for start, end in away)
        if starts_at > now and not taken and not _public_holiday(day, holiday_region):
            return starts_at, ends_at
        day += timedelta(days=7)


def _public_holiday(day: date, region: str | None) -> bool:
    return day in holidays.country_holidays("FR", subdiv=region, years=day.year)


async def _seed_demo_sources(
    session_factory: async_sessionmaker[AsyncSession], now: datetime
) -> None:
    async with session_factory() as session, session.begin():
        if await session.scalar(select(exists().where(OutreachSource.id.is_not(None)))):
            return
        session.add_all(
            OutreachSource(code=code, label=label, kind=kind, created_at=now)
            for code, label, kind in DEMO_SOURCES
        )

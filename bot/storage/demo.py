"""Demo data: a fictional Mission Locale so a fresh install can be tried at once (DEMO=0: off)."""

from __future__ import annotations

import logging
from datetime import datetime, time

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import MissionLocale, OpeningHours, OutreachSource, Site

logger = logging.getLogger(__name__)

# Monday-Friday; Thursday morning closed (team meeting), as many Missions Locales do.
_MORNING = (time(9, 0), time(12, 30))
_AFTERNOON = (time(13, 30), time(17, 30))
DEMO_HOURS: dict[int, list[tuple[time, time]]] = {
    0: [_MORNING, _AFTERNOON],
    1: [_MORNING, _AFTERNOON],
    2: [_MORNING, _AFTERNOON],
    3: [_AFTERNOON],
    4: [_MORNING, (time(13, 30), time(16, 30))],
}


# Outreach actions of the demo, so links, QR codes and figures can be tried at once.
DEMO_SOURCES = (
    ("boulangerie-centre", "Affiche à la boulangerie du centre", "poster"),
    ("snap-story-dec", "Story Snapchat de décembre", "snapchat"),
    ("permanence-quartier", "Permanence au pied des immeubles", "permanence"),
)


async def seed_demo(session_factory: async_sessionmaker[AsyncSession], now: datetime) -> bool:
    """Create the demo Mission Locale if the database has none; True if it did."""
    await _seed_demo_sources(session_factory, now)
    async with session_factory() as session, session.begin():
        if await session.scalar(select(exists().where(MissionLocale.id.is_not(None)))):
            return False
        mission_locale = MissionLocale(name="Mission Locale de démonstration", created_at=now)
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

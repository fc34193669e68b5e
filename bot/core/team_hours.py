"""When the Mission Locale's team is there: the main site's opening hours, from the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.opening_hours import Period, open_until, reopening
from bot.storage.models import Site
from bot.storage.sites import main_site


def periods_of(site: Site) -> list[Period]:
    return [Period(h.weekday, h.opens_at, h.closes_at) for h in site.opening_hours]


async def reopening_if_closed(session: AsyncSession, now: datetime) -> str | None:
    """« demain à 9h » when the main site is closed now; None when it is open (or unknown)."""
    site = await main_site(session)
    if site is None:
        return None
    periods = periods_of(site)
    if open_until(periods, now, site.timezone) is not None:
        return None
    return reopening(periods, now, site.timezone)

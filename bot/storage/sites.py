"""Read the Mission Locale's sites and their opening hours."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.storage.models import Site


async def main_site(session: AsyncSession) -> Site | None:
    """The first site of the first Mission Locale (the one the bot speaks for), hours loaded."""
    return await session.scalar(
        select(Site)
        .options(selectinload(Site.opening_hours), selectinload(Site.mission_locale))
        .order_by(Site.mission_locale_id, Site.id)
        .limit(1)
    )

"""Read the Mission Locale's sites and their opening hours."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.core.text import fold
from bot.storage.models import Site


def department_of(postcode: str) -> str:
    """A postcode's department: 2 digits, 3 overseas (971-976)."""
    return postcode[:3] if postcode.startswith("97") else postcode[:2]


async def main_site(session: AsyncSession) -> Site | None:
    """The first site of the first Mission Locale (the one the bot speaks for), hours loaded."""
    return await session.scalar(
        select(Site)
        .options(selectinload(Site.opening_hours), selectinload(Site.mission_locale))
        .order_by(Site.mission_locale_id, Site.id)
        .limit(1)
    )


async def nearest_site(
    session: AsyncSession, postcode: str | None, town: str | None
) -> Site | None:
    """The site for a young person's postcode or town: same postcode, then same town, then same
    department (2 digits, 3 overseas); None when no site is known nearby."""
    sites = list(
        await session.scalars(
            select(Site).options(selectinload(Site.mission_locale)).order_by(Site.id)
        )
    )
    department = None
    if postcode is not None:
        department = department_of(postcode)
    for matches in (
        lambda s: postcode is not None and s.postcode == postcode,
        lambda s: town is not None and fold_town(s.city) == fold_town(town),
        lambda s: department is not None and s.postcode.startswith(department),
    ):
        found = next((s for s in sites if matches(s)), None)
        if found is not None:
            return found
    return None


async def area_departments(session: AsyncSession) -> frozenset[str]:
    """The departments this Mission Locale covers: those of its sites' postcodes."""
    postcodes = await session.scalars(select(Site.postcode))
    return frozenset(department_of(p) for p in postcodes if p)


def fold_town(name: str) -> str:
    """« Saint-Étienne » and « st etienne » alike."""
    plain = fold(name)
    return re.sub(r"^st\b", "saint", re.sub(r"\bste\b", "sainte", plain))

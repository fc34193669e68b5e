"""Finding the appointment a calendar (.ics) link names by its unguessable key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.appointments import with_places
from bot.storage.models import Appointment


async def by_calendar_key(session: AsyncSession, key: str) -> Appointment | None:
    """The appointment with this calendar key, places loaded; None when there is none."""
    return await session.scalar(
        with_places(select(Appointment)).where(Appointment.calendar_key == key)
    )

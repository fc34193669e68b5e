"""Platform events already taken in (Telegram update_id, Instagram mid): resends are ignored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ReceivedEvent


async def first_time(
    sessions: async_sessionmaker[AsyncSession], channel: str, event_id: str, now: datetime
) -> bool:
    """Record the event; False when it was recorded before (also by another replica at once)."""
    try:
        async with sessions() as session, session.begin():
            await session.execute(
                insert(ReceivedEvent).values(channel=channel, event_id=event_id, received_at=now)
            )
    except IntegrityError:
        return False
    return True


async def prune(sessions: async_sessionmaker[AsyncSession], before: datetime) -> int:
    async with sessions() as session, session.begin():
        result = await session.execute(
            delete(ReceivedEvent)
            .where(ReceivedEvent.received_at < before)
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)

"""Platform events already taken in (Telegram update_id, Instagram mid): resends are ignored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import ReceivedEvent
from bot.storage.retention import delete_in_batches

# Rows forgotten per transaction: a short lock, whatever piled up.
PRUNE_BATCH = 1000


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


async def prune(
    sessions: async_sessionmaker[AsyncSession], before: datetime, limit: int = PRUNE_BATCH
) -> int:
    """Forget the events received before `before` (the retention purge: RETENTION_EVENTS_DAYS)."""
    return await delete_in_batches(
        sessions,
        [ReceivedEvent.channel, ReceivedEvent.event_id],
        ReceivedEvent.received_at < before,
        limit,
    )

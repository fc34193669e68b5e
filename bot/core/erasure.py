"""The right to erasure (#12): one path for a young person's own request in the chat and for a
counsellor's or an admin's from the console. What Rasa keeps about every channel identity of
the contact goes first (if that fails, nothing is deleted and the request can be made again),
then the contact with everything attached to it (ON DELETE CASCADE)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.ports import TrackerEraser
from bot.storage import conversations as store

logger = logging.getLogger(__name__)


async def erase_contact(
    sessions: async_sessionmaker[AsyncSession],
    tracker: TrackerEraser,
    contact_id: int,
    *,
    also: Callable[[AsyncSession], Awaitable[None]] | None = None,
) -> bool:
    """Erase one contact everywhere; False when there was no such contact (already erased).
    `also` runs in the transaction that deletes the contact (the console's audit entry: both
    are written, or neither)."""
    async with sessions() as session:
        sender_ids = await store.senders_of(session, contact_id)
        known = await store.contact_exists(session, contact_id)
    if not known:
        return False
    await tracker.erase(sender_ids)
    async with sessions() as session, session.begin():
        await store.delete_contact(session, contact_id)
        if also is not None:
            await also(session)
    logger.info("contact %s erased (%d identities)", contact_id, len(sender_ids))
    return True

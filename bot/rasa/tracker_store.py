"""Rasa's SQL tracker store as the bot uses it: erase a sender's events (right to erasure),
delete the events past the conversations' retention (the retention purge, in batches), and read
what the NLU understood of their last messages (intent and confidence, never the text) for the
counsellor's handoff packet."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.core.messages import Reading
from bot.settings import async_database_url

logger = logging.getLogger(__name__)


def _reading(intent: str | None, data: str | None, timestamp: float | None) -> Reading:
    confidence = None
    try:
        parsed = json.loads(data or "{}")
        raw = parsed.get("parse_data", {}).get("intent", {}).get("confidence")
        confidence = None if raw is None else float(raw)
    except (ValueError, AttributeError, TypeError):
        pass
    at = None if timestamp is None else datetime.fromtimestamp(float(timestamp), UTC)
    return Reading(intent or "?", confidence, at)


def async_tracker_url(url: str) -> str:
    """Rasa's (SQLAlchemy 1.4, sync) URL turned into the bot's async driver for the same DB."""
    return async_database_url(url)


def _missing_table(exc: Exception) -> bool:
    return "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc))


class SqlTrackerStore:
    """Reads and deletes rows of Rasa's `events` table (the SQL tracker store's only table)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> SqlTrackerStore:
        return cls(create_async_engine(async_tracker_url(url), hide_parameters=True))

    async def erase(self, sender_ids: Sequence[str]) -> None:
        if not sender_ids:
            return
        statement = text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
            bindparam("ids", expanding=True)
        )
        try:
            async with self._engine.begin() as connection:
                await connection.execute(statement, {"ids": list(sender_ids)})
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                logger.info("tracker store has no events table yet: nothing to erase")
                return
            raise

    async def purge_before(self, cutoff: datetime, limit: int = 1000) -> int:
        """Delete the events older than `cutoff`, at most `limit` per transaction (Rasa keeps
        writing meanwhile); how many. Rasa reads a tracker from its last session start (and
        carries the slots over into each new session), so old events are never needed again."""
        statement = text(
            "DELETE FROM events WHERE id IN "
            "(SELECT id FROM events WHERE timestamp < :cutoff ORDER BY id LIMIT :limit)"
        )
        values = {"cutoff": cutoff.timestamp(), "limit": limit}
        total = 0
        while True:
            try:
                async with self._engine.begin() as connection:
                    result = await connection.execute(statement, values)
            except (OperationalError, ProgrammingError) as exc:
                if _missing_table(exc):
                    logger.info("tracker store has no events table yet: nothing to purge")
                    return total
                raise
            deleted = int(getattr(result, "rowcount", 0) or 0)
            total += deleted
            if deleted < limit:
                return total

    async def recent_readings(self, sender_id: str, limit: int = 5) -> list[Reading]:
        """The intents of the sender's last `limit` messages, newest first (none when Rasa's
        store is unreadable: the packet is help, not a condition)."""
        statement = text(
            "SELECT intent_name, data, timestamp FROM events "
            "WHERE sender_id = :sender AND type_name = 'user' ORDER BY id DESC LIMIT :limit"
        )
        try:
            async with self._engine.connect() as connection:
                rows = (
                    await connection.execute(statement, {"sender": sender_id, "limit": limit})
                ).all()
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                return []
            logger.warning("tracker store unreadable: %s", type(exc).__name__)
            return []
        return [_reading(row[0], row[1], row[2]) for row in rows]

    async def close(self) -> None:
        await self._engine.dispose()

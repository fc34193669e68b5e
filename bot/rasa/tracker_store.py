"""Erase a sender's events from Rasa's SQL tracker store (right to erasure)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

logger = logging.getLogger(__name__)

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_tracker_url(url: str) -> str:
    """Rasa's (SQLAlchemy 1.4, sync) URL turned into the bot's async driver for the same DB."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported tracker store database: {backend}")
    return parsed.set(drivername=_ASYNC_DRIVERS[backend]).render_as_string(hide_password=False)


class SqlTrackerEraser:
    """Deletes rows of Rasa's `events` table (the SQL tracker store's only table)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> SqlTrackerEraser:
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
            if "events" in str(exc) and (
                "no such table" in str(exc) or "does not exist" in str(exc)
            ):
                logger.info("tracker store has no events table yet: nothing to erase")
                return
            raise

    async def close(self) -> None:
        await self._engine.dispose()

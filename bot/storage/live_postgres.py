"""The console's live events between bot processes sharing one PostgreSQL database (#10):
published with NOTIFY, received on one LISTEN connection per process and fanned out to its open
pages. PostgreSQL delivers a notification only after its transaction commits, to every listener,
in order; the payload is a conversation id and a state, never a young person's words.

The listening connection is asyncpg's own (SQLAlchemy's pool recycles connections and would drop
the LISTEN). When it breaks, it is opened again; pages refetch what they show on reconnection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from contextlib import AbstractAsyncContextManager
from functools import partial

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.live import Fanout, LiveEvent

logger = logging.getLogger(__name__)

CHANNEL = "console_events"
RECONNECT_AFTER = 1.0  # seconds
START_TIMEOUT = 10.0


def asyncpg_dsn(database_url: str) -> str:
    """asyncpg's own DSN for a SQLAlchemy URL (postgresql+asyncpg://… → postgresql://…)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _set(event: asyncio.Event, _connection: object) -> None:
    event.set()


class PostgresEvents:
    """LiveEvents over LISTEN/NOTIFY; `start` before use, `close` at shutdown."""

    def __init__(self, engine: AsyncEngine, database_url: str) -> None:
        self._engine = engine
        self._dsn = asyncpg_dsn(database_url)
        self.fanout = Fanout()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the listening connection (and keep it open): returns once it listens."""
        self._task = asyncio.create_task(self._listen_forever(), name="live-events-listen")
        async with asyncio.timeout(START_TIMEOUT):
            await self._listening.wait()

    async def publish(self, event: LiveEvent) -> None:
        async with self._engine.begin() as connection:
            await connection.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": CHANNEL, "payload": event.encode()},
            )

    def subscribe(self) -> AbstractAsyncContextManager[asyncio.Queue[LiveEvent]]:
        return self.fanout.subscription()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _received(self, _connection: object, _pid: int, _channel: str, payload: str) -> None:
        event = LiveEvent.decode(payload)
        if event is not None:
            self.fanout.deliver(event)

    async def _listen_forever(self) -> None:
        while True:
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                logger.warning("live events: cannot listen (%s), retrying", type(exc).__name__)
                await asyncio.sleep(RECONNECT_AFTER)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(partial(_set, lost))
            try:
                await connection.add_listener(CHANNEL, self._received)
                self._listening.set()
                await lost.wait()
                logger.warning("live events: listening connection lost, reopening")
            finally:
                self._listening.clear()
                if not connection.is_closed():
                    await connection.close(timeout=2)
            await asyncio.sleep(RECONNECT_AFTER)

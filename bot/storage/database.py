"""Engine and session-factory construction for SQLite (embedded) and PostgreSQL (production),
and the one-process-at-a-time turn of a job across bot processes (`advisory_turn`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine; on SQLite, foreign keys are enforced and writers wait instead of failing.

    `hide_parameters`: SQL errors never carry bound values (message text) into logs.

    SQLite: Python's sqlite3 module opens a transaction only before an INSERT/UPDATE/DELETE.
    A SAVEPOINT sent first (`begin_nested()`) then opened one by itself, and its RELEASE
    committed it: rows written in a nested block survived the outer rollback. So a BEGIN is
    sent before a savepoint when no transaction is open yet. (SQLAlchemy's other recipe, a
    BEGIN for every transaction, would make reads take locks: a deferred BEGIN then fails with
    SQLITE_BUSY_SNAPSHOT when two writers race, an immediate one serialises every reader.)
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 15}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: no corruption risk, only the last commits can be lost on power loss.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "savepoint")
        def _sqlite_begin_before_savepoint(connection: Any, _name: str) -> None:
            if not connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("BEGIN")

        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        raise TypeError("these sessions are not bound to an AsyncEngine")
    return engine


@asynccontextmanager
async def advisory_turn(engine: AsyncEngine, key: int) -> AsyncIterator[bool]:
    """Whether this process runs the job `key` now. On PostgreSQL one process at a time holds a
    session advisory lock, on its own connection outside any transaction; the others skip their
    run, and one of them takes over when it is released or its holder dies (the lock goes with
    the connection). SQLite has one bot process: always its turn."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        held = bool(
            await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        )
        try:
            yield held
        finally:
            if held:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})

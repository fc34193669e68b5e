"""Engine and session-factory construction for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
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

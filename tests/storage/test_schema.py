"""Migrations match the models, go down and up again, and the constraints hold."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.database import create_engine, create_session_factory
from bot.storage.demo import seed_demo
from bot.storage.migrate import downgrade, upgrade
from bot.storage.models import Base, ChannelIdentity, Contact, Conversation, Site
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_migrations_match_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()

    assert diff == []


def test_migrations_go_down_and_up_again(sqlite_url: str) -> None:
    downgrade(sqlite_url, "base")
    upgrade(sqlite_url)


def _an_appointment_at_0006(path: Path, first_name: str) -> None:
    """An appointment with its three quarters, written as revision 0006 knew the tables (the
    models have grown columns since)."""
    at = (NOW + timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S.%f")
    now = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
    quarters = [
        (NOW + timedelta(days=2, minutes=15 * n)).strftime("%Y-%m-%d %H:%M:%S.%f") for n in range(3)
    ]
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("INSERT INTO mission_locales VALUES (1, 'ML', ?)", (now,))
        connection.execute(
            "INSERT INTO sites (id, mission_locale_id, name, address, postcode, city, timezone, "
            "created_at) VALUES (1, 1, 'Site', '1 rue', '75001', 'Paris', 'Europe/Paris', ?)",
            (now,),
        )
        connection.execute(
            "INSERT INTO counsellors (id, mission_locale_id, site_id, display_name, active, "
            "created_at) VALUES (1, 1, 1, 'C', 1, ?)",
            (now,),
        )
        connection.execute(
            "INSERT INTO contacts (id, created_at, last_seen_at) VALUES (1, ?, ?)", (now, now)
        )
        connection.execute(
            "INSERT INTO appointments (id, contact_id, counsellor_id, kind, starts_at, ends_at, "
            "status, first_name, calendar_key, created_at, updated_at) "
            "VALUES (1, 1, 1, 'on_site', ?, ?, 'booked', ?, 'k', ?, ?)",
            (at, quarters[-1], first_name, now, now),
        )
        connection.executemany(
            "INSERT INTO appointment_units (counsellor_id, starts_at, appointment_id) "
            "VALUES (1, ?, 1)",
            [(q,) for q in quarters],
        )


async def _an_appointment(url: str, first_name: str | None) -> None:
    """An appointment with its quarters, in a database at the latest revision."""
    engine = create_engine(url)
    async with create_session_factory(engine)() as session, session.begin():
        site = await make_site(session, NOW)
        counsellor = await make_counsellor(session, site, NOW, name=f"C{secrets.token_hex(3)}")
        identity = await make_identity(session, NOW)
        await make_appointment(
            session, identity, counsellor, NOW + timedelta(days=2), NOW, first_name=first_name
        )
    await engine.dispose()


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


def test_the_optional_first_name_keeps_every_appointment_whole_on_sqlite(tmp_path: Path) -> None:
    """0007 rebuilds the appointments table on SQLite: the rows that reference it (quarters,
    reminders) must not be cascaded away when the old table is dropped."""
    path = tmp_path / "bot.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url, "0006")
    _an_appointment_at_0006(path, "Lina")

    upgrade(url)

    assert _rows(path, "SELECT COUNT(*) FROM appointment_units") == [(3,)]
    asyncio.run(_an_appointment(url, None))
    assert _rows(path, "SELECT first_name FROM appointments ORDER BY id") == [("Lina",), (None,)]
    assert _rows(path, "PRAGMA foreign_key_check") == []

    downgrade(url, "0006")

    assert _rows(path, "SELECT first_name FROM appointments ORDER BY id") == [("Lina",), ("—",)]
    assert _rows(path, "SELECT COUNT(*) FROM appointment_units") == [(6,)]


async def _identity(session: AsyncSession) -> ChannelIdentity:
    identity = ChannelIdentity(
        contact=Contact(created_at=NOW, last_seen_at=NOW),
        channel="webchat",
        external_id="x",
        public_id="p",
        created_at=NOW,
    )
    session.add(identity)
    await session.flush()
    return identity


def _conversation(identity: ChannelIdentity, state: str) -> Conversation:
    return Conversation(
        channel_identity_id=identity.id, state=state, urgent=False, created_at=NOW, updated_at=NOW
    )


async def test_only_one_open_conversation_per_identity(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        identity = await _identity(session)
        session.add_all([_conversation(identity, "closed"), _conversation(identity, "closed")])
        session.add(_conversation(identity, "bot"))

    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            session.add(_conversation(identity, "with_counsellor"))


async def test_unknown_conversation_state_is_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            session.add(_conversation(await _identity(session), "sleeping"))


async def test_timestamps_come_back_in_utc(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        await _identity(session)

    async with sessions() as session:
        contact = await session.scalar(select(Contact))

    assert contact is not None
    assert contact.created_at == NOW
    assert contact.created_at.utcoffset() is not None


async def test_demo_data_is_created_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await seed_demo(sessions, NOW) is True
    assert await seed_demo(sessions, NOW) is False

    async with sessions() as session:
        sites = (await session.scalars(select(Site))).all()
    assert len(sites) == 1
    assert sites[0].timezone == "Europe/Paris"


async def test_sql_errors_never_carry_message_text(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        identity = await _identity(session)

    with pytest.raises(IntegrityError) as error:
        async with sessions() as session, session.begin():
            session.add(_conversation(identity, "confidential words"))

    assert "confidential" not in str(error.value)

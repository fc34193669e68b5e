"""Shared fixtures: databases (SQLite per test, a fresh PostgreSQL database per run), fakes."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.content.texts import load_texts
from bot.core.dialogue import DialogueService
from bot.core.distress import load_distress_content
from bot.core.flood import FloodGuard
from bot.core.messages import BotReply, Button, EngineTurn
from bot.errors import RasaUnavailable
from bot.settings import Settings, load_settings
from bot.storage.database import create_engine, create_session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Base
from bot.wiring import SESSIONS
from tests.fake_rasa import FakeRasaState, fake_rasa_app
from tests.fuzz_http import fuzz_settings
from tests.paths import PROJECT_DIR


class FixedClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class FakeEngine:
    """A scripted stand-in for Rasa: echoes, or fails as Rasa would when down."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str]]] = []
        self.down = False
        self.signals: frozenset[str] = frozenset()
        # When set, what every turn answers (e.g. () for « Rasa said nothing »).
        self.replies: tuple[BotReply, ...] | None = None

    async def send_message(
        self, sender_id: str, message: str, metadata: Mapping[str, str]
    ) -> EngineTurn:
        if self.down:
            raise RasaUnavailable("fake Rasa is down")
        self.calls.append((sender_id, message, dict(metadata)))
        replies = (
            BotReply(text=f"écho : {message}"),
            BotReply(text="Et ensuite ?", buttons=(Button("Oui", "/affirm"),)),
        )
        return EngineTurn(replies if self.replies is None else self.replies, self.signals)

    async def is_ready(self) -> bool:
        return not self.down


class FakeTrackerEraser:
    def __init__(self) -> None:
        self.erased: list[str] = []

    async def erase(self, sender_ids: Sequence[str]) -> None:
        self.erased.extend(sender_ids)


def _postgres_admin_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this test run, migrated; None without TEST_DATABASE_URL."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield None
        return
    name = f"cm_test_{secrets.token_hex(6)}"
    admin = _postgres_admin_url(base)

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on a fresh, migrated SQLite file and on PostgreSQL when available."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        upgrade(url)
        return url
    url = request.getfixturevalue("postgres_url")
    if url is None:
        pytest.skip("TEST_DATABASE_URL not set")
    return str(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    upgrade(url)
    return url


async def _empty(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    await _empty(factory)  # PostgreSQL is shared by the run's tests: start each one empty
    yield factory
    await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def tracker_eraser() -> FakeTrackerEraser:
    return FakeTrackerEraser()


def make_service(
    sessions: async_sessionmaker[AsyncSession],
    engine: FakeEngine,
    clock: FixedClock,
    eraser: FakeTrackerEraser | None = None,
    flood: FloodGuard | None = None,
) -> DialogueService:
    """The dialogue service with a fake Rasa (and a fake tracker eraser, no flood limit)."""
    return DialogueService(
        sessions,
        engine,
        clock,
        load_texts(),
        load_distress_content(),
        eraser or FakeTrackerEraser(),
        flood,
    )


# --- a bot application wired to a fake Rasa server (pytest-aiohttp fixtures) ---------------------


@pytest.fixture
def rasa_state() -> FakeRasaState:
    return FakeRasaState()


@pytest.fixture
async def fake_rasa_url(
    rasa_state: FakeRasaState, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> str:
    server = await aiohttp_server(fake_rasa_app(rasa_state))
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
def settings(sqlite_url: str, fake_rasa_url: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": sqlite_url,
            "RASA_URL": fake_rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "0.5",
            "DEMO": "1",
        },
        project_dir=PROJECT_DIR,
    )


async def count_rows(app: web.Application, model: type[Any]) -> int:
    """How many rows a table holds (e.g. to show a refused request left no trace)."""
    async with app[SESSIONS]() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
async def client(
    settings: Settings,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(create_app(settings, clock=clock))


@pytest.fixture
async def fuzz_client(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],  # empties the database first
    fake_rasa_url: str,
    tmp_path: Path,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> TestClient[web.Request, web.Application]:
    """The whole app on each database, flood limits out of the way, for the fuzz tests."""
    settings = fuzz_settings(database_url, fake_rasa_url, tmp_path)
    return await aiohttp_client(create_app(settings, clock=clock))

"""Fixtures of the rights and audit tests (#12): the whole app on each database, with Rasa's
tracker store faked as Rasa's own `events` table in a SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from tests.conftest import FixedClock
from tests.fuzz_http import fuzz_settings

# The columns Rasa 3.6's SQLTrackerStore gives its only table.
RASA_EVENTS = """
CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT
)
"""


@pytest.fixture
def tracker_file(tmp_path: Path) -> Path:
    """The file fuzz_settings points RASA_TRACKER_URL at, with Rasa's table in it."""
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute(RASA_EVENTS)
    return path


@pytest.fixture
async def rights_client(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],  # empties the database first
    tracker_file: Path,
    fake_rasa_url: str,
    tmp_path: Path,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> TestClient[web.Request, web.Application]:
    """The whole app on SQLite and on PostgreSQL; its tracker store is `tracker_file`."""
    assert tracker_file.parent == tmp_path
    settings = fuzz_settings(database_url, fake_rasa_url, tmp_path)
    return await aiohttp_client(create_app(settings, clock=clock))

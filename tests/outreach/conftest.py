"""Outreach tests drive the whole app on SQLite and PostgreSQL: the figures are SQL aggregates."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings, load_settings
from tests.paths import PROJECT_DIR


@pytest.fixture
def settings(
    database_url: str, sessions: async_sessionmaker[AsyncSession], fake_rasa_url: str
) -> Settings:
    # `sessions` empties the database first (PostgreSQL is shared by the run's tests).
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "RASA_URL": fake_rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "0.5",
            "DEMO": "1",
        },
        project_dir=PROJECT_DIR,
    )

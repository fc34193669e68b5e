"""Shared set-up of the browser tests: Debian's Chromium (Playwright cannot download its own
here; in CI it must be there, `make test` installs it), the real stack, and a staff account."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, ViewportSize, async_playwright

from bot.console import accounts
from bot.core.vocabulary import StaffRole
from bot.storage.database import create_engine, create_session_factory
from tests.integration.stack import Stack, start_stack
from tests.paths import PROJECT_DIR

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SHOTS = PROJECT_DIR / "results" / "console"
DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PASSWORD = "une phrase de passe assez longue"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: `make test` installs it with apt when run as root")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    running = start_stack(tmp_path_factory.mktemp("browser"))
    yield running
    running.stop_all()


async def staff_account(stack: Stack, email: str, name: str, role: StaffRole) -> None:
    """An account in the stack's database, signed in through the real login form later."""
    engine = create_engine(f"sqlite+aiosqlite:///{stack.database_file}")
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await accounts.create_account(
                session, email=email, name=name, role=role, password=PASSWORD,
                now=datetime.now(UTC),
            )  # fmt: skip
    finally:
        await engine.dispose()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()

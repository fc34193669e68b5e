"""Liveness and readiness."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.rasa.supervisor import RASA_LOGGING_CONFIG
from bot.settings import Settings, load_settings
from tests.conftest import FixedClock
from tests.fake_rasa import FakeRasaState
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]
SECRET = "-a-secret-actions-token-0123456789"


async def test_alive(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200


async def test_ready_when_database_and_rasa_answer(client: Client) -> None:
    response = await client.get("/readyz")

    assert response.status == 200
    assert await response.json() == {"status": "ready", "database": "ok", "rasa": "ok"}


async def test_not_ready_when_rasa_is_down(client: Client, rasa_state: FakeRasaState) -> None:
    rasa_state.down = True

    response = await client.get("/readyz")

    assert response.status == 503
    assert (await response.json())["rasa"] == "unavailable"


def _managed_rasa_settings(tmp_path: Path, sqlite_url: str, fake_rasa_url: str) -> Settings:
    """The bot runs « Rasa » itself: a stand-in that refuses its command line as argparse does."""
    rasa_bin = tmp_path / "rasa"
    rasa_bin.write_text("#!/bin/sh\necho 'rasa: error: argument -t/--auth-token' >&2\nexit 2\n")
    rasa_bin.chmod(0o755)
    (tmp_path / "model.tar.gz").write_bytes(b"")
    shutil.copy(PROJECT_DIR / RASA_LOGGING_CONFIG, tmp_path / RASA_LOGGING_CONFIG)
    return load_settings(
        {
            "DATABASE_URL": sqlite_url,
            "RASA_URL": fake_rasa_url,  # answers: the supervisor's verdict comes first
            "RASA_MANAGED": "1",
            "RASA_BIN": str(rasa_bin),
            "RASA_MODEL": str(tmp_path / "model.tar.gz"),
            "ACTIONS_TOKEN": SECRET,
            "DEMO": "0",
        },
        project_dir=tmp_path,
    )


async def test_not_ready_says_why_when_rasa_refuses_its_command_line(
    tmp_path: Path,
    sqlite_url: str,
    fake_rasa_url: str,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    settings = _managed_rasa_settings(tmp_path, sqlite_url, fake_rasa_url)
    client = await aiohttp_client(create_app(settings, clock=clock, environ={"PATH": "/bin"}))

    for _ in range(200):
        response = await client.get("/readyz")
        body = await response.json()
        if body["rasa"] == "config_error":
            break
        await asyncio.sleep(0.05)

    assert response.status == 503
    assert body == {
        "status": "not_ready",
        "database": "ok",
        "rasa": "config_error",
        "reason": body["reason"],
    }
    assert "ligne de commande" in body["reason"]
    assert "var/log/rasa.log" in body["reason"]
    assert str(tmp_path) not in body["reason"]  # public page: no server paths
    assert SECRET not in await response.text()
    assert (tmp_path / "var" / "log" / "rasa.log").read_text().count("error: argument") == 1

"""Fixtures: the bot app with the Telegram channel pointed at a fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER, TELEGRAM
from bot.settings import Settings, load_settings
from tests.conftest import FixedClock, count_rows
from tests.fake_telegram import TOKEN, FakeTelegramState, fake_telegram_app
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]
SECRET = "webhook-secret_0123456789"
CHAT = 777001


@pytest.fixture
def telegram() -> FakeTelegramState:
    return FakeTelegramState()


@pytest.fixture
async def telegram_url(
    telegram: FakeTelegramState, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> str:
    server = await aiohttp_server(fake_telegram_app(telegram))
    return str(server.make_url("/bot"))


def telegram_settings(sqlite_url: str, rasa_url: str, api_url: str, **extra: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": sqlite_url,
            "RASA_URL": rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "2",
            "DEMO": "1",
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": api_url,
            **extra,
        },
        project_dir=PROJECT_DIR,
    )


@pytest.fixture
def tg_settings(sqlite_url: str, fake_rasa_url: str, telegram_url: str) -> Settings:
    return telegram_settings(sqlite_url, fake_rasa_url, telegram_url)


async def ready(client: Client) -> Client:
    await asyncio.wait_for(client.app[TELEGRAM].ready.wait(), 5)
    return client


@pytest.fixture
def make_client(
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> Callable[[Settings], Awaitable[Client]]:
    async def make(settings: Settings) -> Client:
        return await aiohttp_client(create_app(settings, clock=clock))

    return make


@pytest.fixture
async def tg(tg_settings: Settings, make_client: Callable[[Settings], Awaitable[Client]]) -> Client:
    return await ready(await make_client(tg_settings))


async def post_update(
    client: Client, update: dict[str, Any], secret: str | None = SECRET
) -> web.Response:
    headers = {} if secret is None else {SECRET_HEADER: secret}
    return await client.post("/telegram/webhook", json=update, headers=headers)  # type: ignore[return-value]


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for what the bot does after it answered the webhook."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.02)


async def settle(client: Client) -> None:
    """Let PTB finish what it is doing (the update queue empty, no handler running)."""
    application = client.app[TELEGRAM].application

    def idle() -> bool:
        busy = application.update_processor.current_concurrent_updates
        return application.update_queue.empty() and not busy

    for _ in range(250):
        if idle():
            await asyncio.sleep(0.05)
            if idle():
                return
        await asyncio.sleep(0.02)
    raise AssertionError("PTB still busy")


async def count(client: Client, model: type[Any]) -> int:
    return await count_rows(client.app, model)

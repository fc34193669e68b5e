"""Telegram end to end with the real Rasa: a fake Bot API server on loopback stands in for
Telegram; the bot runs as a child process pointed at it (TELEGRAM_API_BASE_URL)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from bot.channels.telegram import SECRET_HEADER
from tests.fake_telegram import (
    TOKEN,
    FakeTelegramState,
    button_update,
    fake_telegram_app,
    text_update,
)
from tests.integration.stack import Stack, start_stack
from tests.integration.webchat import after_notice
from tests.platform_server import ThreadedServer

pytestmark = pytest.mark.integration

SECRET = "integration-webhook-secret-42"


@pytest.fixture(scope="module")
def telegram() -> Iterator[tuple[FakeTelegramState, ThreadedServer]]:
    state = FakeTelegramState()
    server = ThreadedServer(fake_telegram_app(state)).start()
    yield state, server
    server.stop()


@pytest.fixture(scope="module")
def tg_stack(
    tmp_path_factory: pytest.TempPathFactory,
    telegram: tuple[FakeTelegramState, ThreadedServer],
) -> Iterator[Stack]:
    _, server = telegram
    running = start_stack(
        tmp_path_factory.mktemp("telegram"),
        extra_env={
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_BASE_URL": f"{server.url}/bot",
            "TELEGRAM_WEBHOOK_URL": "https://ml.example/telegram/webhook",
        },
    )
    yield running
    running.stop_all()


async def _post(
    http: aiohttp.ClientSession, stack: Stack, update: dict[str, Any], secret: str = SECRET
) -> int:
    async with http.post(
        f"{stack.bot_url}/telegram/webhook", json=update, headers={SECRET_HEADER: secret}
    ) as response:
        return response.status


async def _posted(http: aiohttp.ClientSession, stack: Stack, update: dict[str, Any]) -> None:
    """Post once Telegram is connected (the bot answers 503 until then)."""
    for _ in range(100):
        status = await _post(http, stack, update)
        if status == 200:
            return
        assert status == 503
        await asyncio.sleep(0.1)
    raise AssertionError("the Telegram channel never became ready")


async def _sent_to(state: FakeTelegramState, chat_id: int, count: int) -> list[dict[str, Any]]:
    for _ in range(300):
        sent = [c.params for c in state.of("sendMessage") if c.params["chat_id"] == str(chat_id)]
        if len(sent) >= count:
            await asyncio.sleep(0.3)  # nothing more should come
            return [
                c.params for c in state.of("sendMessage") if c.params["chat_id"] == str(chat_id)
            ]
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} messages reached chat {chat_id}")


async def test_start_with_a_code_is_greeted_with_buttons_and_the_source_recorded(
    tg_stack: Stack,
    telegram: tuple[FakeTelegramState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = telegram
    with sqlite3.connect(tg_stack.database_file) as connection:
        connection.execute(
            "INSERT INTO outreach_sources (code, label, kind, created_at) "
            "VALUES ('affiche-e2e', 'Affiche test', 'poster', '2026-12-01 10:00:00')"
        )

    await _posted(http, tg_stack, text_update(1001, 424242, "/start affiche-e2e"))
    [greeting] = await _sent_to(state, 424242, 1)

    assert greeting["text"].startswith("Salut")
    rows = greeting["reply_markup"]["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == [
        "/ask_cej",
        "/check_eligibility",
        "/ask_mission_locale",
        "/request_human",
    ]
    assert rows[2][0]["text"] == "Où vous trouver ?"
    [webhook] = state.of("setWebhook")
    assert webhook.params["secret_token"] == SECRET
    with sqlite3.connect(tg_stack.database_file) as connection:
        [(code,)] = connection.execute(
            "SELECT s.code FROM contacts c JOIN outreach_sources s ON s.id = c.source_id"
        ).fetchall()
    assert code == "affiche-e2e"


async def test_a_button_press_is_answered_and_its_payload_understood(
    tg_stack: Stack,
    telegram: tuple[FakeTelegramState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = telegram

    await _posted(http, tg_stack, button_update(1002, 515151, "/ask_mission_locale"))
    replies = await _sent_to(state, 515151, 1)

    assert any("69001 Lyon" in reply["text"] for reply in replies)
    assert "cbq1002" in [c.params["callback_query_id"] for c in state.of("answerCallbackQuery")]


async def test_a_duplicate_is_answered_once_and_a_forged_update_not_at_all(
    tg_stack: Stack,
    telegram: tuple[FakeTelegramState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = telegram
    update = text_update(1003, 616161, "c quoi le cej")

    await _posted(http, tg_stack, update)
    assert await _post(http, tg_stack, update) == 200
    assert await _post(http, tg_stack, text_update(1004, 717171, "salut"), secret="forged") == 403
    replies = await _sent_to(state, 616161, 2)  # the notice, then the answer
    await asyncio.sleep(1.0)

    assert "CEJ" in after_notice(replies)[0]["text"]
    assert len([c for c in state.of("sendMessage") if c.params["chat_id"] == "616161"]) == len(
        replies
    )
    assert [c for c in state.of("sendMessage") if c.params["chat_id"] == "717171"] == []
    with sqlite3.connect(tg_stack.database_file) as connection:
        [(incoming,)] = connection.execute(
            "SELECT count(*) FROM messages WHERE external_id = 'u1003'"
        ).fetchall()
    assert incoming == 1

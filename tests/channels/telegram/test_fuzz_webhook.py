"""Telegram webhook under generated hostile updates: never a 5xx, a refusal stores nothing, and
an accepted update is handled without an error (Telegram does not resend what got a 200)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter

from bot.channels.telegram import SECRET_HEADER, TELEGRAM
from bot.settings import Settings
from bot.storage.demo import DEMO_SOURCES
from tests.channels.telegram.conftest import CHAT, SECRET, Client, ready
from tests.fake_telegram import TOKEN, button_update, message_update, text_update
from tests.fuzz_http import exchange, explore, forget_received_events, fuzz_settings, row_counts
from tests.fuzz_requests import content_types, secret_header
from tests.fuzzing import hostile_text, json_bodies, numbers, tricky_text
from tests.raw_http import Request

update_ids = st.integers(1, 2**31 - 1)
chat_ids = st.one_of(st.just(CHAT), numbers(10**15))
texts = st.one_of(
    st.sampled_from(["salut", "/start", "/aide", "/rdv demain", "je veux un rdv"]),
    st.sampled_from([f"/start {code}" for code, _, _ in DEMO_SOURCES]),
    st.text(min_size=1, max_size=60),
    tricky_text(),
    hostile_text(),
)
button_data = st.one_of(
    st.sampled_from(["/affirm", "/deny", "~1.0", "~0.99"]),
    st.builds("~{}.{}".format, numbers(10**18 - 1), st.integers(0, 99)),
    st.text(max_size=64),
    tricky_text(),
)
CONTENTS: list[dict[str, Any]] = [
    {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 512, "height": 512,
                 "is_animated": False, "is_video": False, "type": "regular"}},
    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
    {"location": {"latitude": 48.85, "longitude": 2.35}},
    {"document": {"file_id": "d", "file_unique_id": "d"}},
    {"contact": {"phone_number": "+33600000000", "first_name": "A"}},
]  # fmt: skip
field_values = st.one_of(
    update_ids, chat_ids, texts, st.sampled_from(["private", "group", "supergroup", "channel"])
)


@st.composite
def valid_updates(draw: DrawFn) -> dict[str, Any]:
    update_id, chat = draw(update_ids), draw(chat_ids)
    kind = draw(st.sampled_from(["text", "button", "other"]))
    if kind == "text":
        return text_update(update_id, chat, draw(texts))
    if kind == "button":
        return button_update(update_id, chat, draw(button_data))
    return message_update(update_id, chat, **draw(st.sampled_from(CONTENTS)))


def updates() -> SearchStrategy[Request]:
    return st.builds(
        lambda body, secret, content_type: Request(
            "POST",
            "/telegram/webhook",
            [(SECRET_HEADER.encode(), secret), (b"Content-Type", content_type)],
            body,
        ),
        valid_updates().flatmap(lambda valid: json_bodies(valid, field_values)),
        secret_header(SECRET),
        content_types(),
    )


@pytest.fixture
def fuzz_tg_settings(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],  # empties the database first
    fake_rasa_url: str,
    telegram_url: str,
    tmp_path: Path,
) -> Settings:
    return fuzz_settings(
        database_url,
        fake_rasa_url,
        tmp_path,
        TELEGRAM_TOKEN=TOKEN,
        TELEGRAM_WEBHOOK_SECRET=SECRET,
        TELEGRAM_API_BASE_URL=telegram_url,
    )


async def test_an_update_never_fails_and_a_refused_one_stores_nothing(
    fuzz_tg_settings: Settings,
    make_client: Callable[[Settings], Awaitable[Client]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Telegram's send limits (30 messages a second, 3 a chat every 3 s) pace what the bot sends,
    # not how it reads what arrives: here they would only make 300 updates last a minute.
    monkeypatch.setattr(
        "bot.channels.telegram.ChatRateLimiter",
        lambda: AIORateLimiter(overall_max_rate=0, group_max_rate=0),
    )
    tg = await ready(await make_client(fuzz_tg_settings))

    application = tg.app[TELEGRAM].application

    async def processed() -> None:
        """PTB idle three checks in a row (conftest's `settle`, but faster: it runs after
        every accepted update)."""
        deadline = asyncio.get_running_loop().time() + 10
        quiet = 0
        while quiet < 3:
            assert asyncio.get_running_loop().time() < deadline, "PTB still busy"
            await asyncio.sleep(0.005)
            busy = application.update_processor.current_concurrent_updates
            quiet = quiet + 1 if application.update_queue.empty() and not busy else 0

    async def check(request: Request) -> None:
        await forget_received_events(tg.app)
        before = await row_counts(tg.app)
        done = await exchange(tg, request, processed)

        done.never_5xx()
        done.nothing_logged()  # also while PTB handled an accepted update
        if done.refused:
            done.unchanged(before, await row_counts(tg.app))

    await explore(updates(), check, max_examples=200)

"""The flood limit on push channels: messages kept, not sent to Rasa, one kind notice a minute;
and the windows shared in Redis when several bot processes run."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.flood import FloodGuard
from bot.core.messages import Author, Direction, IncomingMessage, MessageStatus
from bot.errors import ConfigError, FloodLimited
from bot.settings import FloodSettings, load_settings
from bot.storage.models import Contact, Message
from tests.conftest import FakeEngine, FixedClock, make_service


async def _messages(sessions: async_sessionmaker[AsyncSession]) -> list[Message]:
    async with sessions() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


async def test_a_flooding_telegram_contact_gets_one_notice_and_loses_nothing(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(
        sessions, fake_engine, clock, flood=FloodGuard(FloodSettings(messages="3/minute"))
    )

    results = [
        await service.handle(IncomingMessage("telegram", "42", text=f"msg {n}")) for n in range(6)
    ]

    assert [r.throttled for r in results] == [False] * 3 + [True] * 3
    assert len(fake_engine.calls) == 3
    [notice] = results[3].replies
    assert notice.text.startswith("Doucement")
    assert notice.author is Author.SYSTEM
    assert results[4].replies == results[5].replies == ()  # one notice a minute, not one each
    stored = await _messages(sessions)
    incoming = [m for m in stored if m.direction == Direction.IN.value]
    assert [m.text for m in incoming] == [f"msg {n}" for n in range(6)]
    assert [m.status for m in incoming[3:]] == [MessageStatus.UNPROCESSED.value] * 3
    [stored_notice] = [m for m in stored if m.reply_to_id == incoming[3].id]
    assert stored_notice.status == MessageStatus.PENDING.value  # the channel pushes it


async def test_distress_over_the_limit_is_answered_with_the_numbers(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(
        sessions, fake_engine, clock, flood=FloodGuard(FloodSettings(messages="1/minute"))
    )
    await service.handle(IncomingMessage("telegram", "42", text="salut"))

    result = await service.handle(IncomingMessage("telegram", "42", text="g envie de mourir"))

    assert not result.throttled
    assert "3114" in result.replies[0].text


async def test_the_new_contact_limit_counts_only_new_contacts(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    flood = FloodGuard(FloodSettings(new_contacts="2/minute"))
    service = make_service(sessions, fake_engine, clock, flood=flood)
    for n in range(2):
        await service.handle(IncomingMessage("webchat", f"u{n}", text="salut", origin="10.0.0.1"))

    with pytest.raises(FloodLimited):
        await service.handle(IncomingMessage("webchat", "u9", text="salut", origin="10.0.0.1"))
    await service.handle(IncomingMessage("webchat", "u0", text="re", origin="10.0.0.1"))
    await service.handle(IncomingMessage("webchat", "u8", text="salut", origin="10.0.0.2"))

    async with sessions() as session:
        assert len((await session.scalars(select(Contact))).all()) == 3


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL not set")
    return url


async def test_two_bot_processes_share_the_windows_in_redis(redis_url: str) -> None:
    settings = FloodSettings(messages="4/minute", storage_url=redis_url)
    first, second = FloodGuard(settings), FloodGuard(settings)
    contact = secrets.randbelow(10**9) + 10**9  # a key no other run uses
    try:
        answers = [await (first if n % 2 else second).message_allowed(contact) for n in range(6)]
    finally:
        await first.close()
        await second.close()

    assert answers == [True] * 4 + [False] * 2


async def test_an_unreachable_store_never_silences_anyone() -> None:
    guard = FloodGuard(FloodSettings(messages="1/minute", storage_url="redis://127.0.0.1:1/0"))
    try:
        assert [await guard.message_allowed(1) for _ in range(3)] == [True] * 3
    finally:
        await guard.close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FLOOD_MESSAGES", "beaucoup"),
        ("FLOOD_NEW_CONTACTS", "10/fortnight"),
        ("FLOOD_STORAGE_URL", "postgresql://x"),
    ],
)
def test_flood_settings_are_checked_at_startup(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


def test_flood_settings_default_and_read() -> None:
    settings = load_settings(
        {"FLOOD_MESSAGES": "20/minute", "FLOOD_STORAGE_URL": "redis://127.0.0.1:6379/2"}
    )
    assert settings.flood == FloodSettings(
        "20/minute", "10/minute;60/hour", "redis://127.0.0.1:6379/2"
    )
    assert "redis" not in repr(settings)
    assert load_settings({}).flood == FloodSettings()

"""A unit of work is all or nothing, nested blocks included, and ids from outside never fail
a query, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import IncomingMessage
from bot.storage import conversations as store
from bot.storage import outbox
from bot.storage.models import ChannelIdentity, Contact, Conversation, Message
from tests.conftest import FakeEngine, FixedClock, make_service

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


class Boom(Exception):
    pass


async def _counts(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return [
            int(await session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Contact, ChannelIdentity, Conversation, Message)
        ]


async def test_rows_written_in_a_nested_block_go_with_the_outer_rollback(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # get_or_create_identity writes inside begin_nested(): its SAVEPOINT was the first
    # statement, which on SQLite opened (and its RELEASE committed) a transaction of its own.

    async def fail_after_writing() -> None:
        async with sessions() as session, session.begin():
            identity = await store.get_or_create_identity(session, "webchat", "u-1", NOW)
            await store.open_conversation(session, identity, NOW)
            raise Boom

    with pytest.raises(Boom):
        await fail_after_writing()

    assert await _counts(sessions) == [0, 0, 0, 0]


async def test_a_message_that_cannot_be_stored_leaves_no_contact_behind(
    sessions: async_sessionmaker[AsyncSession],
    fake_engine: FakeEngine,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service = make_service(sessions, fake_engine, clock)

    async def failing(*args: object, **kwargs: object) -> object:
        raise Boom

    monkeypatch.setattr(store, "insert_messages", failing)
    with pytest.raises(Boom):
        await service.handle(IncomingMessage("webchat", "u-2", text="salut"))

    assert await _counts(sessions) == [0, 0, 0, 0]
    assert fake_engine.calls == []


async def test_ids_past_the_integer_columns_name_no_row(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # PostgreSQL refused `id > 2147483648` on an int4 column (a 500 on ?after=, a lost button).
    async with sessions() as session:
        assert await store.outgoing_after(session, 1, 2**31, 10) == []
        assert await outbox.button_payload(session, 2**31, 0, "telegram", "42") is None

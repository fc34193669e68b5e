"""Fixtures: the bot app with the Instagram channel pointed at a fake Graph API server, on
SQLite and (with TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import create_app
from bot.channels.instagram import INSTAGRAM, PATH
from bot.core.delivery import DeliveryReport
from bot.core.messages import Author, Button, Direction, MessageStatus
from bot.settings import Settings, load_settings
from bot.storage import conversations as store
from bot.storage.conversations import to_outgoing
from bot.storage.models import Contact, Conversation, Message, ReceivedEvent
from bot.wiring import CLOCK, DELIVERY, SESSIONS
from tests.conftest import FixedClock, count_rows
from tests.fake_graph import FakeGraphState, encoded, fake_graph_app, instagram_env, signed_headers
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]
ALICE, BOB, CLARA = "9100000000000001", "9100000000000002", "9100000000000003"
FAST_RETRIES = (0.01, 0.02)


@pytest.fixture
def graph() -> FakeGraphState:
    return FakeGraphState()


@pytest.fixture
async def graph_url(
    graph: FakeGraphState, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> str:
    return str((await aiohttp_server(fake_graph_app(graph))).make_url("")).rstrip("/")


@pytest.fixture
def ig_settings(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],  # empties the database first
    fake_rasa_url: str,
    graph_url: str,
) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "RASA_URL": fake_rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "2",
            "DEMO": "1",
            **instagram_env(graph_url),
        },
        project_dir=PROJECT_DIR,
    )


@pytest.fixture
def make_client(
    clock: FixedClock, aiohttp_client: Callable[..., Awaitable[Client]]
) -> Callable[[Settings], Awaitable[Client]]:
    async def make(settings: Settings) -> Client:
        client = await aiohttp_client(create_app(settings, clock=clock))
        client.app[INSTAGRAM].channel.retry_delays = FAST_RETRIES
        return client

    return make


@pytest.fixture
async def ig(ig_settings: Settings, make_client: Callable[[Settings], Awaitable[Client]]) -> Client:
    return await make_client(ig_settings)


async def post_raw(
    client: Client, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    response = await client.post(PATH, data=body, headers=headers or {})
    return response.status, await response.text()


async def post_signed(client: Client, data: dict[str, Any]) -> int:
    """Post a batch signed as Meta does, and wait until the bot has handled it."""
    body = encoded(data)
    status, _ = await post_raw(client, body, signed_headers(body))
    await settle(client)
    return status


async def settle(client: Client) -> None:
    await asyncio.wait_for(client.app[INSTAGRAM].drain(), 10)


async def count(client: Client, model: type[Any]) -> int:
    return await count_rows(client.app, model)


async def nothing_stored(client: Client) -> None:
    for model in (Contact, Message, ReceivedEvent):
        assert await count(client, model) == 0, model.__name__


async def outgoing(client: Client) -> list[Message]:
    async with client.app[SESSIONS]() as session:
        rows = await session.scalars(
            select(Message).where(Message.direction == Direction.OUT.value).order_by(Message.id)
        )
        return list(rows.all())


async def push(
    client: Client, text: str, buttons: Sequence[Button] = (), author: Author = Author.COUNSELLOR
) -> tuple[Message, DeliveryReport]:
    """A message for the only conversation (as a counsellor's reply would be), delivered now."""
    async with client.app[SESSIONS]() as session, session.begin():
        conversation_id = await session.scalar(select(Conversation.id))
        assert conversation_id is not None
        [(message_id, _)] = await store.insert_messages(
            session,
            [
                store.message_row(
                    conversation_id=conversation_id,
                    direction=Direction.OUT,
                    author=author,
                    status=MessageStatus.PENDING,
                    now=client.app[CLOCK].now(),
                    text=text,
                    buttons=buttons,
                )
            ],
        )
    async with client.app[SESSIONS]() as session:
        message = await session.get_one(Message, message_id)
        report = await client.app[DELIVERY].deliver([to_outgoing(message)])
    async with client.app[SESSIONS]() as session:
        return await session.get_one(Message, message_id), report

"""Fixtures for custom-action tests: the services an action sees, and a known sender."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.action_services import ActionServices, current_services
from bot.core.messages import IncomingMessage
from bot.storage.models import ChannelIdentity
from tests.conftest import FakeEngine, FixedClock, make_service


@pytest.fixture
def context(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> Iterator[ActionServices]:
    services = ActionServices(sessions=sessions, clock=clock, scheduler=AsyncIOScheduler())
    token = current_services.set(services)
    yield services
    current_services.reset(token)


async def sender_of_new_conversation(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, user: str = "u1"
) -> str:
    await make_service(sessions, FakeEngine(), clock).handle(
        IncomingMessage("webchat", user, text="salut")
    )
    async with sessions() as session:
        public_id: str | None = await session.scalar(
            select(ChannelIdentity.public_id).where(ChannelIdentity.external_id == user)
        )
    assert public_id is not None
    return public_id

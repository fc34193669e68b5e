"""One erasure path (#12), for the chat and the console: Rasa's events of every identity first,
then the contact and all that hangs on it; what the caller adds (the console's audit entry) is
written with the deletion or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.erasure import erase_contact
from bot.storage.models import Contact
from tests.booking.factories import make_identity
from tests.conftest import FakeTrackerEraser

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def _contact(sessions: Sessions) -> tuple[int, str]:
    async with sessions() as session, session.begin():
        identity = await make_identity(session, NOW)
        return identity.contact_id, identity.public_id


async def test_rasa_first_then_the_contact_and_once_only(sessions: Sessions) -> None:
    tracker = FakeTrackerEraser()
    contact_id, sender = await _contact(sessions)

    assert await erase_contact(sessions, tracker, contact_id) is True
    assert tracker.erased == [sender]
    async with sessions() as session:
        assert await session.get(Contact, contact_id) is None
    assert await erase_contact(sessions, tracker, contact_id) is False  # already gone


async def test_what_the_caller_adds_goes_with_the_deletion_or_not_at_all(
    sessions: Sessions,
) -> None:
    contact_id, _ = await _contact(sessions)

    async def failing(_session: AsyncSession) -> None:
        raise RuntimeError("audit entry refused")

    with pytest.raises(RuntimeError):
        await erase_contact(sessions, FakeTrackerEraser(), contact_id, also=failing)
    async with sessions() as session:
        assert await session.get(Contact, contact_id) is not None  # nothing half-done

    seen: list[bool] = []

    async def recording(session: AsyncSession) -> None:
        seen.append(await session.get(Contact, contact_id) is None)

    assert await erase_contact(sessions, FakeTrackerEraser(), contact_id, also=recording)
    assert seen == [True]  # inside the transaction that deleted it

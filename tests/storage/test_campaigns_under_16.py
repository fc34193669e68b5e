"""A campaign's audience never holds a young person who said they were under 16 (#12), even one
who said yes to the news before, and whatever age (if any) is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import campaigns
from bot.storage.models import ChannelIdentity, Contact

NOW = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


async def _subscriber(sessions: async_sessionmaker[AsyncSession], name: str, under_16: bool) -> int:
    async with sessions() as session, session.begin():
        contact = Contact(
            created_at=NOW,
            last_seen_at=NOW,
            news_opt_in_at=NOW,
            under_16_at=NOW if under_16 else None,
        )
        identity = ChannelIdentity(
            contact=contact,
            channel="telegram",
            external_id=name,
            public_id=f"public-{name}",
            created_at=NOW,
        )
        session.add(identity)
        await session.flush()
        return identity.id


async def test_under_16_is_left_out_of_every_audience(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    adult = await _subscriber(sessions, "adult", under_16=False)
    await _subscriber(sessions, "young", under_16=True)

    async with sessions() as session:
        ids = list(await session.scalars(campaigns.recipients({}, ["telegram"], NOW)))
        counted = await campaigns.count(session, {}, ["telegram"], NOW)

    assert ids == [adult]
    assert counted == 1

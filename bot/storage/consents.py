"""A young person's yes or stop to the Mission Locale's news (#11): the current answer on the
contact, every answer in `consent_events` (when, on which channel)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import ConsentKind
from bot.storage.conversations import identity_of_sender
from bot.storage.models import ChannelIdentity, ConsentEvent, Contact


async def opt_in(session: AsyncSession, public_id: str, now: datetime) -> bool:
    """The sender's contact now gets the news; False when it already did (nothing written)."""
    identity = await identity_of_sender(session, public_id)
    if identity is None:
        return False
    contact = await session.get_one(Contact, identity.contact_id)
    if contact.news_opt_in_at is not None:
        return False
    contact.news_opt_in_at = now
    contact.unsubscribed_at = None
    session.add(_event(identity, ConsentKind.OPT_IN, now))
    await session.flush()
    return True


async def opt_out(session: AsyncSession, public_id: str, now: datetime) -> None:
    """No more news for the sender's contact, at once (kept the first time it asked)."""
    identity = await identity_of_sender(session, public_id)
    if identity is None:
        return
    changed = await session.execute(
        update(Contact)
        .where(Contact.id == identity.contact_id, Contact.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now, news_opt_in_at=None)
    )
    if changed.rowcount:  # type: ignore[attr-defined]
        session.add(_event(identity, ConsentKind.OPT_OUT, now))
        await session.flush()


async def mark_offered(session: AsyncSession, contact_id: int, now: datetime) -> bool:
    """Record that the news were offered; False when they already were (offered once)."""
    changed = await session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.news_offered_at.is_(None))
        .values(news_offered_at=now)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def history(session: AsyncSession, contact_id: int) -> list[ConsentEvent]:
    rows = await session.scalars(
        select(ConsentEvent).where(ConsentEvent.contact_id == contact_id).order_by(ConsentEvent.id)
    )
    return list(rows)


async def mark_unreachable(
    session: AsyncSession, channel: str, external_id: str, now: datetime
) -> None:
    """The platform says this person cannot be reached (Telegram 403: the bot was blocked):
    campaigns leave them out until they write again."""
    await session.execute(
        update(ChannelIdentity)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.external_id == external_id,
            ChannelIdentity.unreachable_at.is_(None),
        )
        .values(unreachable_at=now)
    )


def _event(identity: ChannelIdentity, kind: ConsentKind, now: datetime) -> ConsentEvent:
    return ConsentEvent(
        contact_id=identity.contact_id, kind=kind.value, channel=identity.channel, created_at=now
    )


async def reachable_again(session: AsyncSession, identity_id: int) -> None:
    """They wrote: whatever blocked them is over."""
    await session.execute(
        update(ChannelIdentity)
        .where(ChannelIdentity.id == identity_id, ChannelIdentity.unreachable_at.is_not(None))
        .values(unreachable_at=None)
    )

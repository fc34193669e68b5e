"""Staff accounts and console sessions as stored (#10); the rules are in bot/console/accounts.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.storage.models import StaffAccount, StaffSession


async def account_by_email(session: AsyncSession, email: str) -> StaffAccount | None:
    return await session.scalar(select(StaffAccount).where(StaffAccount.email == email))


async def all_accounts(session: AsyncSession) -> Sequence[StaffAccount]:
    return (await session.scalars(select(StaffAccount).order_by(StaffAccount.email))).all()


async def add_account(session: AsyncSession, account: StaffAccount) -> StaffAccount:
    """Insert an account (a duplicate e-mail raises IntegrityError at the flush)."""
    session.add(account)
    await session.flush()
    return account


async def disable_account(session: AsyncSession, account_id: int, now: datetime) -> None:
    """No more logins, and every open session ends at once."""
    await session.execute(
        update(StaffAccount)
        .where(StaffAccount.id == account_id)
        .values(active=False, disabled_at=now)
    )
    await session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))


async def add_session(session: AsyncSession, row: StaffSession) -> None:
    session.add(row)
    await session.flush()


async def session_by_token_hash(session: AsyncSession, token_hash: str) -> StaffSession | None:
    """A console session with its account loaded."""
    return await session.scalar(
        select(StaffSession)
        .where(StaffSession.token_hash == token_hash)
        .options(selectinload(StaffSession.account))
    )


async def touch_session(session: AsyncSession, token_hash: str, now: datetime) -> None:
    await session.execute(
        update(StaffSession).where(StaffSession.token_hash == token_hash).values(last_seen_at=now)
    )


async def delete_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))

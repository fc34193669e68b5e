"""The audit log of staff access (#12): one append-only row per thing a staff member did or
tried (logins, opening a conversation, replies, exports, erasures, account changes). Rows are
only ever added here and read back; the database refuses an UPDATE, and only the retention
purge deletes them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import AuditAction
from bot.storage.models import AuditEntry, ChannelIdentity, Conversation, StaffAccount

MAX_STAFF = 254  # the column's length: a login tried may be anything
MAX_ENTRIES = 500
# A conversation page open on a desk reloads itself at each new message: one view per account
# and conversation within this time is one visit, not one entry per reload.
SAME_VISIT = timedelta(minutes=5)


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    action: AuditAction,
    account: StaffAccount | None = None,
    staff: str | None = None,
    contact_id: int | None = None,
    conversation_id: int | None = None,
    target: StaffAccount | None = None,
) -> None:
    """Add one entry in the caller's transaction: who (`account`, or for a failed login the
    login tried as `staff`), what, about whom (or which account: `target`), when."""
    who = account.email if account is not None else (staff or "?")
    session.add(
        AuditEntry(
            at=at,
            account_id=None if account is None else account.id,
            staff=who[:MAX_STAFF],
            action=action.value,
            contact_id=contact_id,
            conversation_id=conversation_id,
            target_account_id=None if target is None else target.id,
        )
    )
    await session.flush()


async def record_view(
    session: AsyncSession,
    *,
    at: datetime,
    account: StaffAccount,
    contact_id: int | None,
    conversation_id: int | None,
) -> bool:
    """Record that the account opened a conversation (or a person's page), unless it already
    did within SAME_VISIT; False when the visit was already recorded."""
    already = await session.scalar(
        select(AuditEntry.id)
        .where(
            AuditEntry.account_id == account.id,
            AuditEntry.action == AuditAction.VIEW.value,
            AuditEntry.at > at - SAME_VISIT,
            AuditEntry.contact_id.is_(None)
            if contact_id is None
            else AuditEntry.contact_id == contact_id,
            AuditEntry.conversation_id.is_(None)
            if conversation_id is None
            else AuditEntry.conversation_id == conversation_id,
        )
        .limit(1)
    )
    if already is not None:
        return False
    await record(
        session,
        at=at,
        action=AuditAction.VIEW,
        account=account,
        contact_id=contact_id,
        conversation_id=conversation_id,
    )
    return True


async def contact_of_conversation(session: AsyncSession, conversation_id: int) -> int | None:
    """The contact a conversation is with (None when there is no such conversation)."""
    return await session.scalar(
        select(ChannelIdentity.contact_id)
        .join(Conversation, Conversation.channel_identity_id == ChannelIdentity.id)
        .where(Conversation.id == conversation_id)
    )


async def record_for_conversation(
    session: AsyncSession,
    *,
    at: datetime,
    action: AuditAction,
    account: StaffAccount,
    conversation_id: int,
) -> None:
    """An entry about one conversation, with its contact (looked up in the same transaction)."""
    await record(
        session,
        at=at,
        action=action,
        account=account,
        contact_id=await contact_of_conversation(session, conversation_id),
        conversation_id=conversation_id,
    )


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What to look for; None means any. `staff` is a part of the e-mail (any case); `since`
    is inclusive and `until` exclusive; `before` is the id of the last entry of the previous
    page (newest first)."""

    staff: str | None = None
    action: AuditAction | None = None
    contact_id: int | None = None
    conversation_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None


async def entries(
    session: AsyncSession, filters: AuditFilter, limit: int = 100
) -> Sequence[AuditEntry]:
    """The matching entries, newest first, at most `limit` (bounded by MAX_ENTRIES)."""
    query = select(AuditEntry)
    if filters.staff:
        query = query.where(
            func.lower(AuditEntry.staff).contains(filters.staff.strip().lower(), autoescape=True)
        )
    if filters.action is not None:
        query = query.where(AuditEntry.action == filters.action.value)
    if filters.contact_id is not None:
        query = query.where(AuditEntry.contact_id == filters.contact_id)
    if filters.conversation_id is not None:
        query = query.where(AuditEntry.conversation_id == filters.conversation_id)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if filters.before is not None:
        query = query.where(AuditEntry.id < filters.before)
    query = query.order_by(AuditEntry.id.desc()).limit(max(1, min(limit, MAX_ENTRIES)))
    return (await session.scalars(query)).all()

"""The console's inbox (#10): which conversations a counsellor sees, in which order, and taking
one (atomic: a second counsellor gets « déjà prise par … »)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import ConversationState
from bot.errors import AlreadyTaken, ConversationNotFound
from bot.storage import conversations
from bot.storage import inbox as store
from bot.storage.inbox import InboxRow
from bot.storage.models import StaffAccount

PREVIEW_CHARS = 80
OPEN_STATES = (
    ConversationState.WAITING_FOR_COUNSELLOR,
    ConversationState.WITH_COUNSELLOR,
    ConversationState.BOT,
)


class InboxFilter(StrEnum):
    WAITING = "waiting"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    ALL = "all"
    CLOSED = "closed"


async def conversations_for(
    session: AsyncSession, viewer: StaffAccount, which: InboxFilter
) -> list[InboxRow]:
    """Urgent first, then waiting (oldest first), then the viewer's own, then the others (most
    recently active first)."""
    if which is InboxFilter.CLOSED:
        return await store.inbox_rows(session, [ConversationState.CLOSED])
    if which is InboxFilter.MINE:
        rows = await store.inbox_rows(session, OPEN_STATES, assigned_to=viewer.id)
    elif which in (InboxFilter.WAITING, InboxFilter.UNASSIGNED):
        waiting = await store.inbox_rows(session, [ConversationState.WAITING_FOR_COUNSELLOR])
        rows = [r for r in waiting if which is InboxFilter.WAITING or r.assigned_to is None]
    else:
        rows = await store.inbox_rows(session, OPEN_STATES)

    def order(row: InboxRow) -> tuple[int, int, int, float]:
        waiting = row.state == ConversationState.WAITING_FOR_COUNSELLOR
        since = row.state_since.timestamp()
        activity = row.last_message_at.timestamp() if row.last_message_at else since
        return (
            0 if row.urgent else 1,
            0 if waiting else 1,
            0 if row.assigned_to == viewer.id else 1,
            since if waiting else -activity,
        )

    return sorted(rows, key=order)


def preview(row: InboxRow) -> str:
    text = " ".join((row.preview or "").split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"


async def take(
    session: AsyncSession, conversation_id: int, account: StaffAccount, now: datetime
) -> None:
    """The conversation is now the account's (with_counsellor): Rasa is no longer asked and the
    bot stays silent but for distress numbers. AlreadyTaken when someone else holds it."""
    conversation = await store.open_conversation_by_id(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    holder = await store.assign(session, conversation_id, account.id, now)
    if holder is not None:
        raise AlreadyTaken(holder.name)
    await conversations.set_conversation_state(
        session, conversation_id, ConversationState.WITH_COUNSELLOR, now
    )

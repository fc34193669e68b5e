"""The console's inbox (#10): which conversations a counsellor sees, in which order, and taking
one (atomic: a second counsellor gets « déjà prise par … »)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import posting
from bot.core.messages import Author, BotReply, ConversationState, OutgoingMessage
from bot.errors import AlreadyTaken, ConversationNotFound, NotHeld
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


MAX_REPLY = 2000  # characters; long enough for any answer, short enough for every channel


def signed(text: str, account: StaffAccount) -> str:
    """A counsellor's reply ends with their first name, so the young person knows a person
    answers (« — Samia »)."""
    first_name = account.name.split()[0] if account.name.split() else account.name
    return f"{text}\n— {first_name}"


async def reply(
    session: AsyncSession, conversation_id: int, account: StaffAccount, text: str, now: datetime
) -> OutgoingMessage:
    """Post a counsellor's reply into the conversation they hold, through the young person's own
    channel (pushed after the commit; the web chat fetches it)."""
    conversation = await store.open_conversation_by_id(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    if await store.holder_id(session, conversation_id) != account.id:
        raise NotHeld(str(conversation_id))
    [posted] = await posting.post(
        session,
        conversation_id=conversation_id,
        channel=await store.channel_of(session, conversation),
        author=Author.COUNSELLOR,
        replies=[BotReply(signed(text, account))],
        now=now,
    )
    return posted


async def close(
    session: AsyncSession, conversation_id: int, account: StaffAccount, now: datetime
) -> None:
    """End the conversation (its holder only): a later message starts a new one with the bot."""
    conversation = await store.open_conversation_by_id(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    if await store.holder_id(session, conversation_id) != account.id:
        raise NotHeld(str(conversation_id))
    await store.release(session, conversation_id)
    await conversations.set_conversation_state(
        session, conversation_id, ConversationState.CLOSED, now
    )

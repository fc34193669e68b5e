"""Who answers a conversation now (#10): the bot, or one person of the team.

States: `bot` → `waiting_for_counsellor` (asked, not understood twice, Rasa down) →
`with_counsellor` (taken by one account: Rasa is not asked, the bot is silent but for distress
numbers) → `bot` (handed back) or `closed`. Taking is decided by the database (one assignment
row per conversation). Every change is written in the caller's transaction with its event for the
transcript (« prise en charge par … »); the caller publishes the live event after the commit and
delivers what was posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import posting
from bot.core.live import LiveEvent, LiveKind
from bot.core.messages import Author, BotReply, ConversationState, OutgoingMessage
from bot.core.reply_window import reply_window
from bot.core.vocabulary import ConversationEventKind, HandoffReason, StaffRole
from bot.errors import AlreadyTaken, CannotSend, ConversationNotFound, NotHeld, UnknownColleague
from bot.storage import conversations, outbox
from bot.storage import inbox as store
from bot.storage.models import Conversation, StaffAccount

MAX_REPLY = 2000  # characters; long enough for any answer, short enough for every channel
MAX_NOTE = 4000
# Who may take conversations (campaign staff never read transcripts).
CONVERSATION_ROLES = frozenset({StaffRole.COUNSELLOR, StaffRole.ADMIN})


async def hand_over(
    session: AsyncSession, conversation: Conversation, reason: HandoffReason, now: datetime
) -> LiveEvent | None:
    """The conversation waits for the team (from the bot only: one already waiting or taken
    keeps its state). The event to publish after the commit, when it changed."""
    if conversation.state != ConversationState.BOT:
        return None
    conversation.handoff_reason = reason.value
    await conversations.set_conversation_state(
        session, conversation.id, ConversationState.WAITING_FOR_COUNSELLOR, now
    )
    return LiveEvent(
        conversation.id,
        LiveKind.STATE,
        ConversationState.WAITING_FOR_COUNSELLOR.value,
        conversation.urgent,
        reason.value,
    )


async def _open(session: AsyncSession, conversation_id: int) -> Conversation:
    conversation = await store.open_conversation_by_id(session, conversation_id)
    if conversation is None:
        raise ConversationNotFound(str(conversation_id))
    return conversation


async def _held(session: AsyncSession, conversation_id: int, account: StaffAccount) -> Conversation:
    """The open conversation, if this account holds it; an admin may act on any taken one."""
    conversation = await _open(session, conversation_id)
    holder = await store.holder_id(session, conversation_id)
    if holder != account.id and not (account.role == StaffRole.ADMIN and holder is not None):
        raise NotHeld(str(conversation_id))
    return conversation


def _state_event(conversation: Conversation, state: ConversationState) -> LiveEvent:
    return LiveEvent(conversation.id, LiveKind.STATE, state.value, conversation.urgent)


async def take(
    session: AsyncSession, conversation_id: int, account: StaffAccount, now: datetime
) -> LiveEvent:
    """The conversation is now the account's; AlreadyTaken when someone else holds it."""
    conversation = await _open(session, conversation_id)
    holder = await store.assign(session, conversation_id, account.id, now)
    if holder is not None:
        raise AlreadyTaken(holder.name)
    if conversation.state != ConversationState.WITH_COUNSELLOR:
        await conversations.set_conversation_state(
            session, conversation_id, ConversationState.WITH_COUNSELLOR, now
        )
        await store.add_event(session, conversation_id, ConversationEventKind.TAKEN, account, now)
    return _state_event(conversation, ConversationState.WITH_COUNSELLOR)


def first_name(account: StaffAccount) -> str:
    words = account.name.split()
    return words[0] if words else account.name


def signed(text: str, account: StaffAccount) -> str:
    """A counsellor's reply ends with their first name, so the young person knows a person
    answers (« — Samia »)."""
    return f"{text}\n— {first_name(account)}"


@dataclass(frozen=True, slots=True)
class Posted:
    """What a change posted to the young person (to deliver after the commit) and its event."""

    message: OutgoingMessage
    channel: str
    event: LiveEvent


async def reply(
    session: AsyncSession,
    conversation_id: int,
    account: StaffAccount,
    text: str,
    now: datetime,
    *,
    human_agent: bool = False,
) -> Posted:
    """Post a counsellor's reply through the young person's own channel (pushed after the
    commit; the web chat fetches it). CannotSend when the channel's window is shut."""
    await _held(session, conversation_id, account)
    recipient = await outbox.recipient_of(session, conversation_id)
    if recipient is None:
        raise ConversationNotFound(str(conversation_id))
    channel = recipient.channel
    window = reply_window(
        channel,
        recipient.last_incoming_at,
        now,
        Author.COUNSELLOR,
        human_agent=human_agent,
    )
    if not window.open:
        raise CannotSend(window.why or "")
    [posted] = await posting.post(
        session,
        conversation_id=conversation_id,
        channel=channel,
        author=Author.COUNSELLOR,
        replies=[BotReply(signed(text, account))],
        now=now,
    )
    return Posted(posted, channel, LiveEvent(conversation_id, LiveKind.MESSAGE))


async def note(
    session: AsyncSession, conversation_id: int, account: StaffAccount, text: str, now: datetime
) -> LiveEvent:
    """A private note for the team (never sent), on any conversation, closed ones included."""
    if await session.get(Conversation, conversation_id) is None:
        raise ConversationNotFound(str(conversation_id))
    await store.add_event(
        session, conversation_id, ConversationEventKind.NOTE, account, now, text=text
    )
    return LiveEvent(conversation_id, LiveKind.NOTE)


async def reassign(
    session: AsyncSession,
    conversation_id: int,
    account: StaffAccount,
    colleague_id: int,
    now: datetime,
) -> LiveEvent:
    """Pass a held conversation to a colleague who can take conversations."""
    conversation = await _held(session, conversation_id, account)
    colleague = await session.get(StaffAccount, colleague_id)
    if (
        colleague is None
        or not colleague.active
        or StaffRole(colleague.role) not in CONVERSATION_ROLES
    ):
        raise UnknownColleague(str(colleague_id))
    await store.reassign(session, conversation_id, colleague.id, now)
    await store.add_event(
        session, conversation_id, ConversationEventKind.REASSIGNED, account, now, target=colleague
    )
    return _state_event(conversation, ConversationState.WITH_COUNSELLOR)


async def release(
    session: AsyncSession, conversation_id: int, account: StaffAccount, said: str, now: datetime
) -> Posted:
    """Hand back to the bot: the young person is told (`said`), the bot answers again. The
    caller resets any half-filled Rasa form after the commit."""
    conversation = await _held(session, conversation_id, account)
    await store.release(session, conversation_id)
    await conversations.set_conversation_state(session, conversation_id, ConversationState.BOT, now)
    await store.add_event(session, conversation_id, ConversationEventKind.RELEASED, account, now)
    channel = await store.channel_of(session, conversation)
    [posted] = await posting.post(
        session,
        conversation_id=conversation_id,
        channel=channel,
        author=Author.SYSTEM,
        replies=[BotReply(said)],
        now=now,
    )
    return Posted(posted, channel, _state_event(conversation, ConversationState.BOT))


async def close(
    session: AsyncSession, conversation_id: int, account: StaffAccount, now: datetime
) -> LiveEvent:
    """End the conversation (its holder, or an admin): a later message starts a new one with
    the bot."""
    conversation = await _held(session, conversation_id, account)
    await store.release(session, conversation_id)
    await conversations.set_conversation_state(
        session, conversation_id, ConversationState.CLOSED, now
    )
    await store.add_event(session, conversation_id, ConversationEventKind.CLOSED, account, now)
    return _state_event(conversation, ConversationState.CLOSED)

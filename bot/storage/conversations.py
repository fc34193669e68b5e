"""Queries and writes for contacts, channel identities, conversations and messages."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import (
    Author,
    Button,
    ConversationState,
    Direction,
    MessageStatus,
    OutgoingMessage,
)
from bot.storage.models import MAX_ID, ChannelIdentity, Contact, Conversation, Message

_MESSAGES = cast(Table, Message.__table__)


@dataclass(frozen=True, slots=True)
class Route:
    """Where an incoming message goes: its identity and open conversation, in one lookup."""

    identity_id: int
    public_id: str
    contact_id: int
    last_seen_at: datetime
    conversation_id: int
    state: str
    urgent_at: datetime | None = None
    urgent_reasons: str | None = None


async def find_route(session: AsyncSession, channel: str, external_id: str) -> Route | None:
    """Identity, contact and open conversation in one round trip (None if any is missing)."""
    identity, contact, conversation = (
        ChannelIdentity.__table__.c,
        Contact.__table__.c,
        Conversation.__table__.c,
    )
    row = (
        await session.execute(
            select(
                identity.id,
                identity.public_id,
                identity.contact_id,
                contact.last_seen_at,
                conversation.id,
                conversation.state,
                conversation.urgent_at,
                conversation.urgent_reasons,
            )
            .join_from(
                ChannelIdentity.__table__, Contact.__table__, contact.id == identity.contact_id
            )
            .join(
                Conversation.__table__,
                and_(
                    conversation.channel_identity_id == identity.id,
                    conversation.state != ConversationState.CLOSED.value,
                ),
            )
            .where(identity.channel == channel, identity.external_id == external_id)
        )
    ).one_or_none()
    return None if row is None else Route(*row)


async def get_or_create_identity(
    session: AsyncSession,
    channel: str,
    external_id: str,
    now: datetime,
    source_id: int | None = None,
) -> ChannelIdentity:
    """The identity for (channel, external_id), creating the contact on first contact (with the
    outreach source that brought them, if any).

    Safe against a concurrent first message: the loser of the unique-constraint race re-reads.
    """
    found = await _find_identity(session, channel, external_id)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            contact = Contact(created_at=now, last_seen_at=now, source_id=source_id)
            identity = ChannelIdentity(
                contact=contact,
                channel=channel,
                external_id=external_id,
                public_id=secrets.token_hex(16),
                created_at=now,
            )
            session.add(identity)
        return identity
    except IntegrityError:
        found = await _find_identity(session, channel, external_id)
        if found is None:
            raise
        return found


async def _find_identity(
    session: AsyncSession, channel: str, external_id: str
) -> ChannelIdentity | None:
    return await session.scalar(
        select(ChannelIdentity).where(
            ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
        )
    )


async def find_identity(
    session: AsyncSession, channel: str, external_id: str
) -> ChannelIdentity | None:
    return await _find_identity(session, channel, external_id)


async def open_conversation(
    session: AsyncSession, identity: ChannelIdentity, now: datetime
) -> Conversation:
    """The identity's open conversation, or a new one in state `bot` (at most one is open)."""
    found = await _find_open(session, identity.id)
    if found is not None:
        return found
    try:
        async with session.begin_nested():
            conversation = Conversation(
                channel_identity_id=identity.id,
                state=ConversationState.BOT.value,
                urgent=False,
                created_at=now,
                updated_at=now,
            )
            session.add(conversation)
        return conversation
    except IntegrityError:
        found = await _find_open(session, identity.id)
        if found is None:
            raise
        return found


async def _find_open(session: AsyncSession, identity_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(
            Conversation.channel_identity_id == identity_id,
            Conversation.state != ConversationState.CLOSED.value,
        )
    )


async def flag_urgent(
    session: AsyncSession, conversation: Conversation, reasons: Iterable[str], now: datetime
) -> None:
    """Mark a conversation urgent for counsellors, keeping the first time and every reason."""
    known = set(filter(None, (conversation.urgent_reasons or "").split(",")))
    conversation.urgent = True
    conversation.urgent_at = conversation.urgent_at or now
    conversation.urgent_reasons = ",".join(sorted(known | set(reasons))) or None
    conversation.updated_at = now
    await session.flush()


async def identity_of_sender(session: AsyncSession, public_id: str) -> ChannelIdentity | None:
    """The channel identity behind a Rasa sender id (its public id): the one lookup of it."""
    return await session.scalar(
        select(ChannelIdentity).where(ChannelIdentity.public_id == public_id)
    )


async def contact_of_sender(session: AsyncSession, public_id: str) -> int | None:
    """The contact behind a Rasa sender id, if it still exists."""
    identity = await identity_of_sender(session, public_id)
    return None if identity is None else identity.contact_id


async def open_conversation_of_sender(
    session: AsyncSession, public_id: str, now: datetime
) -> Conversation | None:
    """The open conversation of a Rasa sender id (an identity's public id), if it exists."""
    identity = await identity_of_sender(session, public_id)
    return None if identity is None else await open_conversation(session, identity, now)


async def set_conversation_state(
    session: AsyncSession, conversation_id: int, state: ConversationState, now: datetime
) -> None:
    closed_at = now if state is ConversationState.CLOSED else None
    await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(state=state.value, updated_at=now, closed_at=closed_at)
    )


async def insert_messages(
    session: AsyncSession, rows: Sequence[dict[str, object]]
) -> list[tuple[int, datetime]]:
    """Insert several messages in one statement; their (id, created_at), in order."""
    if not rows:
        return []
    table = _MESSAGES  # Core insert: the ORM bulk path costs milliseconds per call
    result = await session.execute(
        insert(table).returning(table.c.id, table.c.created_at, sort_by_parameter_order=True),
        list(rows),
    )
    return [(row[0], row[1]) for row in result.all()]


def message_row(
    *,
    conversation_id: int,
    direction: Direction,
    author: Author,
    status: MessageStatus,
    now: datetime,
    text: str | None = None,
    payload: str | None = None,
    buttons: Sequence[Button] = (),
    reply_to_id: int | None = None,
    external_id: str | None = None,
) -> dict[str, object]:
    return {
        "external_id": external_id,
        "conversation_id": conversation_id,
        "direction": direction.value,
        "author": author.value,
        "text": text,
        "payload": payload,
        "buttons": [{"title": b.title, "payload": b.payload} for b in buttons] or None,
        "status": status.value,
        "reply_to_id": reply_to_id,
        "created_at": now,
    }


async def set_message_status(session: AsyncSession, message_id: int, status: MessageStatus) -> None:
    table = _MESSAGES
    await session.execute(update(table).where(table.c.id == message_id).values(status=status.value))


async def touch_contact(session: AsyncSession, contact_id: int, now: datetime) -> None:
    await session.execute(update(Contact).where(Contact.id == contact_id).values(last_seen_at=now))


async def outgoing_after(
    session: AsyncSession, identity_id: int, after_id: int, limit: int
) -> Sequence[Message]:
    """Messages sent to an identity with an id greater than `after_id`, oldest first."""
    if after_id >= MAX_ID:
        return []
    result = await session.scalars(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.channel_identity_id == identity_id,
            Message.direction == Direction.OUT.value,
            Message.id > after_id,
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return result.all()


def buttons_of(message: Message) -> tuple[Button, ...]:
    return tuple(Button(title=b["title"], payload=b["payload"]) for b in message.buttons or ())


def to_outgoing(message: Message) -> OutgoingMessage:
    """A stored outgoing message row, as the channels deliver it."""
    return OutgoingMessage(
        id=message.id,
        conversation_id=message.conversation_id,
        author=Author(message.author),
        text=message.text or "",
        buttons=buttons_of(message),
        created_at=message.created_at,
    )


async def senders_of(session: AsyncSession, contact_id: int) -> list[str]:
    """The Rasa sender ids of all the contact's channel identities."""
    senders = await session.scalars(
        select(ChannelIdentity.public_id).where(ChannelIdentity.contact_id == contact_id)
    )
    return list(senders.all())


async def contact_exists(session: AsyncSession, contact_id: int) -> bool:
    return await session.get(Contact, contact_id) is not None


async def delete_contact(session: AsyncSession, contact_id: int) -> None:
    """Delete a contact; identities, conversations and messages go with it (ON DELETE CASCADE)."""
    await session.execute(delete(Contact).where(Contact.id == contact_id))


async def find_by_external_id(
    session: AsyncSession, conversation_id: int, external_id: str
) -> tuple[Message, list[Message]] | None:
    """An incoming message already stored under this platform id, and the replies it got."""
    message = await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.external_id == external_id
        )
    )
    if message is None:
        return None
    replies = await session.scalars(
        select(Message).where(Message.reply_to_id == message.id).order_by(Message.id)
    )
    return message, list(replies.all())

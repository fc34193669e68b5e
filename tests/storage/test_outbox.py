"""Outgoing messages are claimed once; platform event ids are remembered (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.delivery import DeliveryService
from bot.core.messages import Author, Direction, MessageStatus, OutgoingMessage, Recipient
from bot.errors import DeliveryFailed
from bot.storage import conversations as store
from bot.storage import events, outbox
from bot.storage.models import Message
from tests.conftest import FixedClock

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def _conversation_with_reply(
    sessions: async_sessionmaker[AsyncSession], channel: str = "telegram"
) -> tuple[int, int]:
    async with sessions() as session, session.begin():
        identity = await store.get_or_create_identity(session, channel, "777", NOW)
        conversation = await store.open_conversation(session, identity, NOW)
        rows = [
            store.message_row(
                conversation_id=conversation.id,
                direction=Direction.IN,
                author=Author.YOUNG_PERSON,
                status=MessageStatus.PROCESSED,
                now=NOW,
                text="salut",
            ),
            store.message_row(
                conversation_id=conversation.id,
                direction=Direction.OUT,
                author=Author.BOT,
                status=MessageStatus.PENDING,
                now=NOW,
                text="Salut !",
            ),
        ]
        [_, (reply_id, _)] = await store.insert_messages(session, rows)
    return conversation.id, reply_id


class _Channel:
    name = "telegram"

    def __init__(self, failure: str | None = None) -> None:
        self.sent: list[tuple[Recipient, str]] = []
        self.failure = failure

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        await asyncio.sleep(0.01)
        if self.failure:
            raise DeliveryFailed(self.failure)
        self.sent.append((recipient, message.text))


async def _reply(sessions: async_sessionmaker[AsyncSession], reply_id: int) -> Message:
    async with sessions() as session:
        return await session.get_one(Message, reply_id)


async def test_a_message_is_sent_once_even_by_concurrent_senders(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    conversation_id, reply_id = await _conversation_with_reply(sessions)
    channel = _Channel()
    services = [DeliveryService(sessions, clock, {"telegram": channel}) for _ in range(3)]

    reports = await asyncio.gather(
        *(service.deliver_pending(conversation_id) for service in services)
    )

    assert [r.sent for r in reports].count(1) == 1
    assert len(channel.sent) == 1
    recipient, text = channel.sent[0]
    assert (recipient.channel, recipient.external_user_id, text) == ("telegram", "777", "Salut !")
    assert recipient.last_incoming_at == NOW
    assert (await _reply(sessions, reply_id)).status == "sent"
    assert (await services[0].deliver_pending(conversation_id)).sent == 0


async def test_a_refused_message_is_recorded_undelivered_with_its_reason(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    conversation_id, reply_id = await _conversation_with_reply(sessions)
    service = DeliveryService(sessions, clock, {"telegram": _Channel("blocked_by_user")})

    report = await service.deliver_pending(conversation_id)

    reply = await _reply(sessions, reply_id)
    assert report.undelivered == 1
    assert (reply.status, reply.failure_reason) == ("undelivered", "blocked_by_user")


async def test_a_channel_that_is_off_leaves_the_message_undelivered(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    conversation_id, reply_id = await _conversation_with_reply(sessions, channel="instagram")

    await DeliveryService(sessions, clock, {}).deliver_pending(conversation_id)

    assert (await _reply(sessions, reply_id)).failure_reason == "channel_off"


async def test_a_send_interrupted_by_a_crash_is_never_sent_again(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    conversation_id, reply_id = await _conversation_with_reply(sessions)
    async with sessions() as session, session.begin():
        assert await outbox.claim(session, reply_id, clock.now())  # then the process died
    channel = _Channel()
    service = DeliveryService(sessions, clock, {"telegram": channel})

    assert (await service.deliver_pending(conversation_id)).sent == 0
    assert await service.give_up_interrupted() == 0  # too recent to call it interrupted
    clock.advance(minutes=11)
    assert await service.give_up_interrupted() == 1

    reply = await _reply(sessions, reply_id)
    assert (reply.status, reply.failure_reason) == ("undelivered", "interrupted")
    assert channel.sent == []


async def test_a_platform_event_is_taken_in_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    results = await asyncio.gather(
        *(events.first_time(sessions, "telegram", "42", NOW) for _ in range(4))
    )

    assert sorted(results) == [False, False, False, True]
    assert await events.first_time(sessions, "instagram", "42", NOW)  # another platform's 42


async def test_old_event_ids_are_pruned(sessions: async_sessionmaker[AsyncSession]) -> None:
    await events.first_time(sessions, "telegram", "old", NOW - timedelta(days=8))
    await events.first_time(sessions, "telegram", "new", NOW)

    assert await events.prune(sessions, NOW - timedelta(days=7)) == 1
    assert await events.first_time(sessions, "telegram", "old", NOW)
    assert not await events.first_time(sessions, "telegram", "new", NOW)


async def test_a_button_payload_is_only_found_for_its_recipient(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    _, reply_id = await _conversation_with_reply(sessions)
    async with sessions() as session, session.begin():
        reply = await session.get_one(Message, reply_id)
        reply.buttons = [{"title": "Oui", "payload": "/affirm"}]

    async with sessions() as session:
        assert await outbox.button_payload(session, reply_id, 0, "telegram", "777") == "/affirm"
        assert await outbox.button_payload(session, reply_id, 1, "telegram", "777") is None
        assert await outbox.button_payload(session, reply_id, 0, "telegram", "778") is None
        assert await outbox.button_payload(session, reply_id, 0, "instagram", "777") is None
        stored = (await session.scalars(select(Message.id))).all()
    assert reply_id in stored


async def test_campaign_messages_wait_for_conversation_replies(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """A reply to a young person goes before any campaign message waiting (#11)."""
    order: list[str] = []

    class Slow(_Channel):
        async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
            # The reply is the slow one: without waiting, both campaign messages would pass it.
            await asyncio.sleep(0.2 if message.text == "réponse" else 0.01)
            order.append(message.text)

    async with sessions() as session, session.begin():
        rows = []
        for user, text in [("1", "campagne 1"), ("2", "campagne 2"), ("3", "réponse")]:
            identity = await store.get_or_create_identity(session, "telegram", user, NOW)
            conversation = await store.open_conversation(session, identity, NOW)
            [(message_id, _)] = await store.insert_messages(
                session,
                [store.message_row(conversation_id=conversation.id, direction=Direction.OUT,
                                   author=Author.BOT, status=MessageStatus.PENDING, now=NOW,
                                   text=text)],
            )  # fmt: skip
            rows.append(OutgoingMessage(message_id, conversation.id, Author.BOT, text, (), NOW))
    service = DeliveryService(sessions, clock, {"telegram": Slow()})

    reply = asyncio.create_task(service.deliver([rows[2]]))
    await asyncio.sleep(0)  # the reply is on its way
    await service.deliver(rows[:2], background=True)
    await reply

    assert order == ["réponse", "campagne 1", "campagne 2"]

"""DialogueService: storage and routing with a fake Rasa, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.texts import load_texts
from bot.core.messages import ERASE_SIGNAL, ConversationState, IncomingMessage
from bot.storage import conversations as store
from bot.storage.models import ChannelIdentity, Contact, Conversation, Message
from tests.conftest import FakeEngine, FakeTrackerEraser, FixedClock, make_service


def _text(text: str, user: str = "u1", channel: str = "telegram") -> IncomingMessage:
    # A pushed channel: its replies wait, pending, for delivery (the web chat fetches them).
    return IncomingMessage(channel=channel, external_user_id=user, text=text)


async def _messages(sessions: async_sessionmaker[AsyncSession]) -> list[Message]:
    async with sessions() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


async def _close(
    sessions: async_sessionmaker[AsyncSession], conversation_id: int, clock: FixedClock
) -> None:
    async with sessions() as session, session.begin():
        await store.set_conversation_state(
            session, conversation_id, ConversationState.CLOSED, clock.now()
        )


async def test_message_goes_to_rasa_and_everything_is_stored(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)

    result = await service.handle(_text("slt"))

    assert [r.text for r in result.replies] == ["écho : slt", "Et ensuite ?"]
    assert result.replies[1].buttons[0].payload == "/affirm"
    stored = await _messages(sessions)
    assert [(m.direction, m.author, m.status) for m in stored] == [
        ("in", "young_person", "processed"),
        ("out", "bot", "pending"),
        ("out", "bot", "pending"),
    ]
    assert stored[0].text == "slt"
    assert {m.reply_to_id for m in stored[1:]} == {stored[0].id}
    assert stored[0].created_at == clock.current
    assert fake_engine.calls[0][2] == {"channel": "telegram"}


async def test_rasa_sender_is_opaque_and_stable_per_identity(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)

    await service.handle(_text("a", user="raw-platform-id"))
    await service.handle(_text("b", user="raw-platform-id"))
    await service.handle(_text("c", user="someone-else"))

    senders = [call[0] for call in fake_engine.calls]
    assert senders[0] == senders[1] != senders[2]
    assert "raw-platform-id" not in senders[0]


async def test_button_payload_is_what_rasa_receives(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)

    await service.handle(IncomingMessage("webchat", "u1", payload="/ask_mission_locale"))

    assert fake_engine.calls[0][1] == "/ask_mission_locale"
    assert (await _messages(sessions))[0].payload == "/ask_mission_locale"


async def test_reply_status_sent_when_the_channel_fetches_its_messages(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    await make_service(sessions, fake_engine, clock).handle(_text("slt", channel="webchat"))

    assert {m.status for m in (await _messages(sessions))[1:]} == {"sent"}


async def test_conversation_held_by_a_human_is_not_sent_to_rasa(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    first = await service.handle(_text("bonjour"))
    for state in (ConversationState.WAITING_FOR_COUNSELLOR, ConversationState.WITH_COUNSELLOR):
        async with sessions() as session, session.begin():
            await store.set_conversation_state(session, first.conversation_id, state, clock.now())

        result = await service.handle(_text(f"pendant {state}"))

        # Waiting: acknowledged (tests/core/test_waiting.py); with a counsellor: the bot is silent.
        waiting = state is ConversationState.WAITING_FOR_COUNSELLOR
        assert len(result.replies) == (1 if waiting else 0)
        assert result.conversation_id == first.conversation_id
    assert len(fake_engine.calls) == 1
    held = [m for m in await _messages(sessions) if m.status == "held"]
    assert [m.text for m in held] == [
        "pendant waiting_for_counsellor",
        "pendant with_counsellor",
    ]


async def test_closed_conversation_starts_a_new_one_with_the_bot(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    first = await service.handle(_text("bonjour"))
    await _close(sessions, first.conversation_id, clock)

    second = await service.handle(_text("re"))

    assert second.conversation_id != first.conversation_id
    assert len(second.replies) == 2
    async with sessions() as session:
        closed = await session.get(Conversation, first.conversation_id)
        assert closed is not None
        assert closed.closed_at == clock.current


async def test_rasa_down_gives_an_apology_and_keeps_the_message_unprocessed(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    fake_engine.down = True
    texts = load_texts()

    result = await make_service(sessions, fake_engine, clock).handle(_text("jai besoin daide"))

    assert [r.text for r in result.replies] == [texts.rasa_unavailable]
    incoming, apology = await _messages(sessions)
    assert (incoming.text, incoming.status) == ("jai besoin daide", "unprocessed")
    assert (apology.author, apology.reply_to_id) == ("system", incoming.id)
    assert "112" in texts.rasa_unavailable
    assert "115" in texts.rasa_unavailable


async def test_concurrent_first_messages_make_one_contact_and_one_conversation(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)

    results = await asyncio.gather(*(service.handle(_text(f"m{i}")) for i in range(8)))

    assert len({r.conversation_id for r in results}) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
        assert await session.scalar(select(func.count()).select_from(ChannelIdentity)) == 1
        assert await session.scalar(select(func.count()).select_from(Message)) == 8 * 3


async def test_erase_signal_deletes_the_contact_everywhere(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    eraser = FakeTrackerEraser()
    service = make_service(sessions, fake_engine, clock, eraser)
    await service.handle(_text("slt", user="to-erase"))
    await service.handle(_text("hello", user="someone-else"))
    fake_engine.signals = frozenset({ERASE_SIGNAL})

    result = await service.handle(_text("efface tout", user="to-erase"))

    assert next(r.text for r in result.replies) == "écho : efface tout"
    assert {r.id for r in result.replies} == {0}  # delivered, not stored
    assert eraser.erased == [fake_engine.calls[0][0]]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1
        remaining = (await session.scalars(select(Message.text))).all()
    assert "slt" not in remaining
    assert "efface tout" not in remaining
    assert "hello" in remaining


async def test_a_message_seen_again_is_answered_once(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    message = IncomingMessage("webchat", "u1", text="salut", external_id="client-msg-1")

    first = await service.handle(message)
    again = await service.handle(message)

    assert len(fake_engine.calls) == 1
    assert again.message_id == first.message_id
    assert [r.id for r in again.replies] == [r.id for r in first.replies]
    assert len(await _messages(sessions)) == 3


async def test_the_same_message_twice_at_once_is_processed_once(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("bonjour"))  # the contact and conversation exist
    message = IncomingMessage("webchat", "u1", text="re", external_id="client-msg-2")

    results = await asyncio.gather(service.handle(message), service.handle(message))

    assert len(fake_engine.calls) == 2  # "bonjour" and one "re"
    assert {r.message_id for r in results} == {results[0].message_id}


async def test_a_returning_contact_is_seen_again_after_a_closed_conversation(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    first = await service.handle(_text("bonjour"))
    await _close(sessions, first.conversation_id, clock)
    clock.advance(days=3)

    await service.handle(_text("re"))

    async with sessions() as session:
        contact = await session.scalar(select(Contact))
    assert contact is not None
    assert contact.last_seen_at == clock.current

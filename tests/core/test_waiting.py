"""A young person waiting for a counsellor is acknowledged, never met with silence (#8)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import ConversationState, IncomingMessage
from bot.core.waiting import BACK_TO_ASSISTANT
from bot.storage import conversations as store
from bot.storage.demo import seed_demo
from bot.storage.models import Conversation
from tests.conftest import FakeEngine, FixedClock, make_service


def _text(text: str) -> IncomingMessage:
    return IncomingMessage(channel="webchat", external_user_id="u1", text=text)


async def _waiting(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> int:
    await seed_demo(sessions, clock.now())
    first = await make_service(sessions, fake_engine, clock).handle(_text("je veux un humain"))
    async with sessions() as session, session.begin():
        await store.set_conversation_state(
            session, first.conversation_id, ConversationState.WAITING_FOR_COUNSELLOR, clock.now()
        )
    return first.conversation_id


async def test_the_first_held_message_is_acknowledged_then_every_30_minutes_at_most(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    await _waiting(sessions, fake_engine, clock)
    service = make_service(sessions, fake_engine, clock)

    first = await service.handle(_text("c'est urgent"))
    clock.advance(minutes=10)
    second = await service.handle(_text("c pour mon attestation"))
    calling = await service.handle(_text("allo ?"))
    clock.advance(minutes=29)
    quiet = await service.handle(_text("bon"))
    clock.advance(minutes=31)  # 31 minutes after the last word from the bot
    third = await service.handle(_text("y a quelqu'un"))

    [ack] = first.replies
    assert "bien arrivé" in ack.text
    assert "17 ou 112" in ack.text
    assert "L'équipe est là aujourd'hui" in ack.text  # Monday 10:30 in Lyon: open
    assert [b.payload for b in ack.buttons] == [BACK_TO_ASSISTANT]
    [receipt] = second.replies  # kept for the counsellor: a receipt, not the whole text again
    assert receipt.text == "Reçu 👍 C'est transmis à l'équipe."
    [line] = calling.replies  # calling out between two acknowledgements: a line, not silence
    assert line.text.startswith("Toujours là")
    assert "17 ou 112" in line.text
    assert [r.text for r in quiet.replies] == [receipt.text]
    [again] = third.replies
    assert "bien arrivé" in again.text
    assert len(fake_engine.calls) == 1  # Rasa never asked while waiting


async def test_out_of_hours_the_acknowledgement_says_when_the_team_is_back(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    clock.advance(hours=12)  # Monday 22:30 in Lyon
    await _waiting(sessions, fake_engine, clock)

    [ack] = (await make_service(sessions, fake_engine, clock).handle(_text("allo"))).replies

    assert "n'est pas là en ce moment" in ack.text
    assert "demain" in ack.text
    assert "17 ou 112" in ack.text


async def test_distress_while_waiting_gets_the_numbers_not_the_acknowledgement(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    await _waiting(sessions, fake_engine, clock)

    [reply] = (
        await make_service(sessions, fake_engine, clock).handle(_text("jveux plus vivre"))
    ).replies

    assert "3114" in reply.text


async def test_going_back_to_the_assistant_while_waiting(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    conversation_id = await _waiting(sessions, fake_engine, clock)
    service = make_service(sessions, fake_engine, clock)

    back = await service.handle(
        IncomingMessage(channel="webchat", external_user_id="u1", payload=BACK_TO_ASSISTANT)
    )
    after = await service.handle(_text("c koi le cej"))

    [reply] = back.replies
    assert "je reprends" in reply.text
    async with sessions() as session:
        state = await session.scalar(
            select(Conversation.state).where(Conversation.id == conversation_id)
        )
    assert state == ConversationState.BOT
    assert [call[1] for call in fake_engine.calls] == ["je veux un humain", "c koi le cej"]
    assert after.replies[0].text == "écho : c koi le cej"


async def test_going_back_to_the_assistant_in_words_answers_that_message(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    conversation_id = await _waiting(sessions, fake_engine, clock)
    service = make_service(sessions, fake_engine, clock)

    kept = await service.handle(_text("laisse tomber"))  # not explicit: still waiting
    back = await service.handle(_text("laisse tomber je reviens au bot. c koi le faj"))

    assert "Reçu" in kept.replies[0].text or "bien arrivé" in kept.replies[0].text
    assert back.replies[0].text.startswith("Ok, c'est moi qui reprends")
    assert back.replies[1].text == "écho : laisse tomber je reviens au bot. c koi le faj"
    async with sessions() as session:
        state = await session.scalar(
            select(Conversation.state).where(Conversation.id == conversation_id)
        )
    assert state == ConversationState.BOT


async def test_impatience_while_waiting_gets_an_apology_and_the_line(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    await _waiting(sessions, fake_engine, clock)
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("c'est pour mon attestation"))  # acknowledged in full

    clock.advance(minutes=10)
    sorry, line = (await service.handle(_text("wsh ca fait 10 min"))).replies

    assert sorry.text == "Désolé pour l'attente 🙏"
    assert line.text.startswith("Toujours là")


async def test_a_clear_question_while_waiting_is_answered_meanwhile(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    await _waiting(sessions, fake_engine, clock)
    service = make_service(sessions, fake_engine, clock)

    ack, meanwhile = (await service.handle(_text("en attendant c combien le cej deja ?"))).replies
    clock.advance(minutes=5)
    [receipt] = (await service.handle(_text("et pour mon dossier ?"))).replies

    assert "bien arrivé" in ack.text
    assert meanwhile.text.startswith("En attendant")
    assert "561,68" in meanwhile.text  # the CEJ amount, from bot/content/topics.toml
    assert receipt.text == "Reçu 👍 C'est transmis à l'équipe."  # no subject: nothing more
    assert len(fake_engine.calls) == 1  # Rasa never asked while waiting

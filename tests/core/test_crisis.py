"""After distress, the next turns stay in the crisis context (#8)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import DISTRESS_SIGNAL, GENERIC_SIGNAL, BotReply, Button, IncomingMessage
from tests.conftest import FakeEngine, FixedClock, make_service

GENERIC = (BotReply(text="Merci, c'est noté. Sur quoi je peux t'aider ?"),)


def _text(text: str) -> IncomingMessage:
    return IncomingMessage(channel="webchat", external_user_id="u1", text=text)


async def test_a_restated_situation_gets_the_numbers_and_a_human_not_a_menu(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("mon pere me frappe"))
    fake_engine.replies, fake_engine.signals = GENERIC, frozenset({GENERIC_SIGNAL})
    clock.advance(minutes=5)

    [reply] = (await service.handle(_text("je dors chez une amie mais je peux pas rester"))).replies

    assert "119" in reply.text
    assert "toujours là" in reply.text
    assert "Sur quoi je peux t'aider" not in reply.text
    assert reply.buttons[0].payload == "/request_human"


async def test_an_answer_on_another_subject_is_kept_and_followed_by_the_numbers(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("jai envie d'en finir"))

    replies = (await service.handle(_text("c koi le cej"))).replies

    assert [r.text for r in replies[:2]] == ["écho : c koi le cej", "Et ensuite ?"]
    assert "3114" in replies[-1].text


async def test_rasa_is_told_of_the_crisis_context(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("jai envie d'en finir"))

    await service.handle(_text("STOP"))

    assert fake_engine.calls[-1][2]["crisis_context"] == "suicide"
    assert "crisis_context" not in fake_engine.calls[0][2]


async def test_no_follow_up_when_rasa_just_gave_the_numbers(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("jai envie d'en finir"))
    fake_engine.replies = (BotReply(text="📞 3114"),)
    fake_engine.signals = frozenset({DISTRESS_SIGNAL})

    replies = (await service.handle(_text("jsuis pas bien du tout"))).replies

    assert [r.text for r in replies] == ["📞 3114"]


async def test_the_context_ends_after_a_day(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = make_service(sessions, fake_engine, clock)
    await service.handle(_text("jai envie d'en finir"))
    clock.advance(hours=25)

    replies = (await service.handle(_text("salut"))).replies

    assert all("3114" not in r.text for r in replies)


async def test_an_ordinary_conversation_gets_no_follow_up(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    replies = (await make_service(sessions, fake_engine, clock).handle(_text("salut"))).replies

    assert [r.text for r in replies] == ["écho : salut", "Et ensuite ?"]


async def test_a_distress_message_never_leads_to_a_destructive_question(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    """« envie de tout supprimer, mes photos, moi avec »: Rasa reads an erasure request and asks
    « tu veux tout effacer ? »; the bot gives the numbers and drops that question."""
    fake_engine.replies = (
        BotReply(
            text="Tu veux que j'efface tout ?",
            buttons=(Button("Oui, tout effacer", '/delete_my_data{"confirm": "oui"}'),),
        ),
    )

    result = await make_service(sessions, fake_engine, clock).handle(
        IncomingMessage("webchat", "u1", text="envie de tout supprimer, mes photos, moi avec")
    )

    assert "3114" in result.replies[0].text
    assert all("efface" not in r.text for r in result.replies)


async def test_after_the_numbers_a_generic_answer_is_dropped(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    fake_engine.replies = (BotReply(text="Je n'ai pas bien compris 🤔"),)
    fake_engine.signals = frozenset({GENERIC_SIGNAL})

    result = await make_service(sessions, fake_engine, clock).handle(
        IncomingMessage("webchat", "u1", text="ben des lettres d adieu quoi")
    )

    [numbers] = result.replies
    assert "3114" in numbers.text

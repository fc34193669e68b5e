"""Anger or an insult: a short apology and a human, before whatever the message also asks."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.texts import load_texts
from bot.core.messages import BotReply, Button, IncomingMessage
from bot.core.tone import angry
from tests.conftest import FakeEngine, FixedClock, make_service


@pytest.mark.parametrize(
    "text",
    [
        "ta gueule le robot jveux un humain",
        "bande d'escrocs ca fait un mois que g pas eu mon argent du cej",
        "jveux une vraie reponse pas du blabla",
        "comment je m'inscris putain ca fait 3 fois que je demande",
        "t'es nul",
        "ce bot sert a rien",
        "ntm avec tes questions la",
        "jpp de ce bot serieux",
        "vous etes des incapables, vous avez perdu mon dossier",
    ],
)
def test_anger_and_insults_are_read(text: str) -> None:
    assert angry(text)


@pytest.mark.parametrize(
    "text",
    ["je suis nul a l'ecole", "c'est quoi le cej", "je sers a rien", "je connais pas", "merci"],
)
def test_ordinary_messages_are_not_anger(text: str) -> None:
    assert not angry(text)


async def test_an_angry_question_gets_an_apology_a_human_and_its_answer(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    text = "bande d'escrocs ca fait un mois que g pas eu mon argent du cej"

    result = await make_service(sessions, fake_engine, clock).handle(
        IncomingMessage("webchat", "u1", text=text)
    )

    apology, answer, *_ = result.replies
    assert apology.text == load_texts().angry_apology
    assert [b.payload for b in apology.buttons] == ["/request_human"]
    assert answer.text.startswith("écho")  # Rasa's answer still comes


async def test_no_second_apology_nor_human_when_the_answer_has_them(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    fake_engine.replies = (
        BotReply(
            text="Désolé, je t'ai mal répondu.", buttons=(Button("Parler", "/request_human"),)
        ),
    )

    result = await make_service(sessions, fake_engine, clock).handle(
        IncomingMessage("webchat", "u1", text="t'es nul")
    )

    assert [r.text for r in result.replies] == ["Désolé, je t'ai mal répondu."]


async def test_a_calm_message_gets_no_apology(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    result = await make_service(sessions, fake_engine, clock).handle(
        IncomingMessage("webchat", "u1", text="c'est quoi le cej")
    )

    assert load_texts().angry_apology not in [r.text for r in result.replies]

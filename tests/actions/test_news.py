"""The Mission Locale's news (#11): consent is a tapped yes; a typed request is asked back with
what they will get and how to stop; STOP ends it at once; every answer is in the history."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.data_rights import ActionSubscribe, ActionUnsubscribe
from bot.core.action_services import ActionServices
from bot.storage.models import ConsentEvent, Contact
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.test_actions import CONFIRMED, tracker
from tests.conftest import FixedClock


async def _contact(sessions: async_sessionmaker[AsyncSession]) -> Contact:
    async with sessions() as session:
        contact: Contact | None = await session.scalar(select(Contact))
    assert contact is not None
    return contact


async def test_a_typed_request_is_asked_back_and_only_the_button_subscribes(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    asked = CollectingDispatcher()

    await ActionSubscribe().run(
        asked, tracker(sender, text="je veux les infos", intent="subscribe", entities=CONFIRMED), {}
    )
    assert (await _contact(sessions)).news_opt_in_at is None  # typed text never consents
    [question] = asked.messages
    assert "STOP" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == ['/subscribe{"confirm": "oui"}', "/deny"]

    done = CollectingDispatcher()
    await ActionSubscribe().run(
        done, tracker(sender, text='/subscribe{"confirm": "oui"}', intent="subscribe",
                      entities=CONFIRMED), {}
    )  # fmt: skip
    assert (await _contact(sessions)).news_opt_in_at == clock.now()
    assert "STOP" in done.messages[0]["text"]


async def test_stop_ends_the_news_at_once_and_the_history_keeps_both_answers(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tapped = tracker(sender, text='/subscribe{"confirm": "oui"}', intent="subscribe",
                     entities=CONFIRMED)  # fmt: skip
    await ActionSubscribe().run(CollectingDispatcher(), tapped, {})
    clock.advance(days=3)

    await ActionUnsubscribe().run(
        CollectingDispatcher(), tracker(sender, text="STOP", intent="unsubscribe"), {}
    )

    contact = await _contact(sessions)
    assert contact.news_opt_in_at is None
    assert contact.unsubscribed_at == clock.now()
    async with sessions() as session:
        kinds = list(await session.scalars(select(ConsentEvent.kind).order_by(ConsentEvent.id)))
        channels = set(await session.scalars(select(ConsentEvent.channel)))
    assert kinds == ["opt_in", "opt_out"]
    assert channels == {"webchat"}

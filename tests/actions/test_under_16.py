"""Under 16 (#12): said in the questionnaire or plainly in passing, the young person is pointed to
their school, the CIO or the Mission Locale's phone, asked nothing more, never offered the news;
only the fact is kept, never the age."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.booking import ActionBookingStart
from actions.data_rights import ActionSubscribe
from actions.eligibility import (
    ActionEligibilityOutcome,
    ActionEligibilityStart,
    ValidateEligibilityForm,
)
from actions.topics import ActionTopicAnswer
from actions.under_16 import UNDER_16, said_age_under_16
from bot.core.action_services import ActionServices
from bot.storage.demo import seed_demo
from bot.storage.eligibility import profile_of, save_answers
from bot.storage.models import Contact
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.trackers import form_tracker, message_tracker, slots_of
from tests.conftest import FixedClock

AGE_SLOTS = {"elig_age": None, "elig_birth_year": None, "elig_birthday_passed": None}


async def _under_16_at(sessions: async_sessionmaker[AsyncSession]) -> Any:
    async with sessions() as session:
        return await session.scalar(select(Contact.under_16_at))


@pytest.mark.parametrize(
    ("text", "under"),
    [
        ("j'ai 14 ans", True),
        ("slt jai 15ans", True),
        ("g 15 ans", True),
        ("J'ai quatorze ans", True),
        ("moi j'ai 15 ans c quoi le cej", True),
        ("14 ans", True),
        ("jsuis en 3eme", False),  # a school year is not an age
        ("ma sœur a 14 ans elle peut venir ?", False),  # someone else's age
        ("j'ai 16 ans", False),
        ("j'ai 19 ans", False),
        ("ça fait 2 ans que je cherche", False),
        ("j'ai 15 ans d'expérience en cuisine", False),
        ("j'ai 2 ans", False),  # a typo or a joke, not an age
        ('/inform{"choice": "age=14"}', False),
    ],
)
def test_only_an_age_under_16_said_plainly_counts(text: str, under: bool) -> None:
    assert said_age_under_16(text) is under


async def test_the_questionnaire_stops_at_an_age_under_16_and_stores_no_age(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()

    events = await ValidateEligibilityForm().run(dispatcher, form_tracker(sender, "14"), {})

    assert slots_of(events) == {
        **AGE_SLOTS, "elig_stopped": UNDER_16, "elig_retry": None, "requested_slot": None,
    }  # fmt: skip
    assert dispatcher.messages == []
    async with sessions() as session:
        assert await profile_of(session, sender) is None

    outcome = CollectingDispatcher()
    tracker = form_tracker(sender, "14", slots={"elig_stopped": UNDER_16}, requested=None)
    events = await ActionEligibilityOutcome().run(outcome, tracker, {})

    [message] = outcome.messages
    assert "à partir de 16 ans" in message["text"]
    assert "CIO (centre d'information et d'orientation)" in message["text"]
    assert "collège" in message["text"]
    assert "04 00 00 00 00" in message["text"]  # the main site's phone in the database
    assert not message.get("buttons")  # nothing more is asked
    assert slots_of(events) == {**AGE_SLOTS, "elig_done": True, "elig_stopped": None}
    assert await _under_16_at(sessions) == clock.now()


async def test_answers_stored_before_are_dropped_and_only_the_fact_kept(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    async with sessions() as session, session.begin():
        await save_answers(session, sender, {"elig_age": 17, "elig_town": "Lyon"}, clock.now())
    tracker = form_tracker(sender, "en fait j'ai 15 ans", slots={"elig_age": 17},
                           requested="elig_activity")  # fmt: skip

    events = await ValidateEligibilityForm().run(CollectingDispatcher(), tracker, {})
    await ActionEligibilityOutcome().run(
        CollectingDispatcher(),
        form_tracker(sender, "x", slots=slots_of(events), requested=None),
        {},
    )

    async with sessions() as session:
        assert await profile_of(session, sender) is None
    assert await _under_16_at(sessions) is not None


async def test_an_age_said_when_asking_for_the_questionnaire_asks_nothing(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    start = CollectingDispatcher()

    events = await ActionEligibilityStart().run(
        start, form_tracker(sender, "jai 14 ans jai droit a quoi"), {}
    )
    outcome = CollectingDispatcher()
    await ActionEligibilityOutcome().run(
        outcome, form_tracker(sender, "x", slots=slots_of(events), requested=None), {}
    )

    assert start.messages == []  # no « C'est parti : quelques questions »
    [message] = outcome.messages
    assert "à partir de 16 ans" in message["text"]
    assert "appelle la Mission Locale" not in message["text"]  # no site, no phone number
    assert await _under_16_at(sessions) is not None


async def test_an_age_said_in_passing_is_answered_and_recorded(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()

    events = await ActionTopicAnswer().run(
        dispatcher, message_tracker(sender, "slt j'ai 14 ans", "inform"), {}
    )

    [message] = dispatcher.messages
    assert "à partir de 16 ans" in message["text"]
    assert "04 00 00 00 00" in message["text"]
    assert slots_of(events) == AGE_SLOTS
    assert await _under_16_at(sessions) == clock.now()


async def test_a_school_year_is_not_taken_for_an_age(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()

    await ActionTopicAnswer().run(
        dispatcher, message_tracker(sender, "jsuis en 3eme", "inform"), {}
    )

    assert not any("16 ans" in str(m.get("text")) for m in dispatcher.messages)
    assert await _under_16_at(sessions) is None


async def test_the_news_are_not_given_even_when_asked(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    await ActionTopicAnswer().run(
        CollectingDispatcher(), message_tracker(sender, "j'ai 15 ans", "inform"), {}
    )
    dispatcher = CollectingDispatcher()

    await ActionSubscribe().run(
        dispatcher, message_tracker(sender, "je veux les infos", "subscribe"), {}
    )

    [message] = dispatcher.messages
    assert "à partir de 16 ans" in message["text"]
    assert not message.get("buttons")
    async with sessions() as session:
        assert await session.scalar(select(Contact.news_opt_in_at)) is None


async def test_an_appointment_is_not_booked_and_nothing_is_asked(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    sender = await sender_of_new_conversation(sessions, clock)
    await ActionTopicAnswer().run(
        CollectingDispatcher(), message_tracker(sender, "j'ai 15 ans", "inform"), {}
    )
    dispatcher = CollectingDispatcher()

    events = await ActionBookingStart().run(
        dispatcher, message_tracker(sender, "je veux un rdv", "book_appointment"), {}
    )

    [message] = dispatcher.messages
    assert "à partir de 16 ans" in message["text"]
    assert "04 00 00 00 00" in message["text"]  # the Mission Locale by phone instead
    assert not message.get("buttons")  # no slot offered
    assert slots_of(events)["booking_stopped"] == UNDER_16  # the form asks nothing

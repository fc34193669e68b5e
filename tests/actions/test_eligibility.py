"""The questionnaire's actions with trackers built by Tracker.from_dict, on a real database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.eligibility import (
    ActionEligibilityOutcome,
    ActionEligibilityStart,
    ValidateEligibilityForm,
)
from bot.core.action_services import ActionServices
from bot.eligibility.rules import cej_parameters_on
from bot.storage.conversations import delete_contact
from bot.storage.demo import seed_demo
from bot.storage.eligibility import profile_of
from bot.storage.models import Contact, Conversation, EligibilityProfile
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.trackers import Events, form_tracker, slots_of
from tests.conftest import FixedClock


async def validate(tracker: Tracker) -> tuple[Events, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ValidateEligibilityForm().run(dispatcher, tracker, {})
    return events, dispatcher.messages


async def test_an_answer_fills_its_slot_names_the_next_question_and_is_stored(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    events, messages = await validate(form_tracker(sender, "j'ai dix-neuf ans"))

    assert slots_of(events) == {
        "elig_age": 19, "elig_birth_year": None, "elig_birthday_passed": None,
        "elig_retry": None, "requested_slot": "elig_activity",
    }  # fmt: skip
    assert messages == []
    async with sessions() as session:
        profile = await profile_of(session, sender)
    assert profile is not None
    assert (profile.age, profile.orientation, profile.completed_at) == (19, None, None)


async def test_a_button_answer_is_read_from_its_choice_entity(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tracker = form_tracker(
        sender,
        '/inform{"choice": "activity=nothing"}',
        slots={"elig_age": 19},
        requested="elig_activity",
        entities=[{"entity": "choice", "value": "activity=nothing"}],
    )

    events, _ = await validate(tracker)

    assert slots_of(events)["elig_activity"] == "nothing"
    assert slots_of(events)["requested_slot"] == "elig_followed"


async def test_an_unreadable_answer_asks_again_with_a_reason_and_stores_nothing(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    events, _ = await validate(form_tracker(sender, "bof", intent="nlu_fallback", confidence=0.2))

    assert slots_of(events) == {"elig_retry": "age_unreadable", "requested_slot": "elig_age"}
    async with sessions() as session:
        assert await profile_of(session, sender) is None


async def test_a_question_about_something_else_rejects_the_form(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    events, messages = await validate(form_tracker(sender, "c koi le cej", intent="ask_cej"))

    assert events == []  # no slot set: Rasa rejects the form and a rule answers the question
    assert messages == []


async def test_after_another_answer_the_form_only_names_the_question_again(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tracker = form_tracker(
        sender,
        "c koi le cej",
        slots={"elig_age": 19},
        requested="elig_activity",
        intent="ask_cej",
        since_message=[{"event": "action", "name": "utter_cej"}, {"event": "bot", "text": "…"}],
    )

    events, _ = await validate(tracker)

    assert events == [{"event": "slot", "timestamp": None, "name": "requested_slot",
                       "value": "elig_activity"}]  # fmt: skip


async def test_a_correction_is_acknowledged(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tracker = form_tracker(
        sender, "non en fait j'ai 20 ans", slots={"elig_age": 18}, requested="elig_activity"
    )

    events, messages = await validate(tracker)

    assert slots_of(events)["elig_age"] == 20
    assert slots_of(events)["requested_slot"] == "elig_activity"
    assert messages[0]["text"] == "C'est corrigé 👍"


async def test_stop_ends_the_form_and_keeps_the_answers(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tracker = form_tracker(
        sender, "laisse tomber", slots={"elig_age": 19}, requested="elig_activity", intent="deny"
    )

    events, _ = await validate(tracker)

    assert slots_of(events) == {"elig_stopped": "asked", "elig_retry": None,
                                "requested_slot": None}  # fmt: skip


async def test_distress_ends_the_form_and_the_outcome_action_gives_the_numbers(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    tracker = form_tracker(sender, "jsuis a la rue ce soir", intent="inform")

    events, _ = await validate(tracker)
    assert slots_of(events)["elig_stopped"] == "distress"
    assert slots_of(events)["requested_slot"] is None

    dispatcher = CollectingDispatcher()
    after = form_tracker(sender, "jsuis a la rue ce soir", slots={"elig_stopped": "distress"})
    done = await ActionEligibilityOutcome().run(dispatcher, after, {})

    assert "115" in dispatcher.messages[0]["text"]
    assert slots_of(done) == {"elig_stopped": None}
    async with sessions() as session:
        assert await session.scalar(select(Conversation.urgent)) is True


def completed(**overrides: Any) -> dict[str, Any]:
    values = {"elig_age": 19, "elig_activity": "nothing", "elig_followed": "none",
              "elig_tax": "non_imposable", "elig_town": "69001"}  # fmt: skip
    return {**values, **overrides}


async def test_the_outcome_is_worded_stored_on_the_contact_and_erased_with_it(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    sender = await sender_of_new_conversation(sessions, clock)
    rules = cej_parameters_on(clock.now().date())
    dispatcher = CollectingDispatcher()

    events = await ActionEligibilityOutcome().run(
        dispatcher, form_tracker(sender, "69001", slots=completed(), requested=None), {}
    )

    outcome, next_steps = dispatcher.messages
    assert "probablement le CEJ" in outcome["text"]
    assert "561,68 € par mois" in outcome["text"]  # openfisca-france, from 1 April 2025
    assert "1er avril 2025" in outcome["text"]
    assert "12 rue de la République, 69001 Lyon" in next_steps["text"]
    assert "France Travail" in next_steps["text"]  # not registered yet
    assert "estimation" in next_steps["text"]
    assert next_steps["buttons"][0] == {"title": "Prendre rendez-vous",
                                        "payload": "/book_appointment"}  # fmt: skip
    assert slots_of(events) == {"elig_done": True, "elig_stopped": None}
    async with sessions() as session:
        profile = await profile_of(session, sender)
        assert profile is not None
        assert (profile.orientation, profile.age, profile.town) == ("cej", 19, "69001")
        assert profile.allowance_min == profile.allowance_max == rules.adult_not_taxed
        assert profile.rules_applied_from == rules.applies_from
        assert profile.site_id is not None
        assert profile.completed_at == clock.now()
        contact_id = await session.scalar(select(Contact.id))
    async with sessions() as session, session.begin():
        assert contact_id is not None
        await delete_contact(session, contact_id)
    async with sessions() as session:
        assert await session.scalar(select(EligibilityProfile)) is None


async def test_an_unknown_tax_situation_gives_a_range(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(
        sender, "jsp", slots=completed(elig_tax="je_sais_pas", elig_town="unknown"), requested=None
    )

    await ActionEligibilityOutcome().run(dispatcher, tracker, {})

    assert "entre 0 et 561,68 € par mois" in dispatcher.messages[0]["text"]
    async with sessions() as session:
        profile = await profile_of(session, sender)
    assert profile is not None
    assert (profile.allowance_min, profile.allowance_max) == (Decimal(0), Decimal("561.68"))


async def test_the_outcome_action_after_stop_offers_to_resume(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()
    tracker = form_tracker(sender, "stop", slots={"elig_age": 19, "elig_stopped": "asked"})

    events = await ActionEligibilityOutcome().run(dispatcher, tracker, {})

    [message] = dispatcher.messages
    assert "on s'arrête là" in message["text"]
    assert message["buttons"] == [{"title": "Reprendre le questionnaire",
                                   "payload": "/check_eligibility"}]  # fmt: skip
    assert slots_of(events) == {"elig_stopped": None}


async def test_start_resumes_a_stopped_questionnaire_and_restarts_a_completed_one(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    resumed, restarted, fresh = (
        CollectingDispatcher(),
        CollectingDispatcher(),
        CollectingDispatcher(),
    )
    kept = await ActionEligibilityStart().run(
        resumed, form_tracker(sender, "/check_eligibility", slots={"elig_age": 19}), {}
    )
    cleared = await ActionEligibilityStart().run(
        restarted,
        form_tracker(sender, "/check_eligibility", slots={**completed(), "elig_done": True}),
        {},
    )
    prefilled = await ActionEligibilityStart().run(
        fresh, form_tracker(sender, "jai 17 ans je peux avoir le cej"), {}
    )

    assert "On reprend" in resumed.messages[0]["text"]
    assert "elig_age" not in slots_of(kept)
    assert "C'est parti" in restarted.messages[0]["text"]
    assert all(value is None for value in slots_of(cleared).values())
    assert slots_of(prefilled)["elig_age"] == 17


async def test_a_town_without_a_known_site_asks_its_postcode_once(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    sender = await sender_of_new_conversation(sessions, clock)
    before = completed(elig_town=None)

    first, _ = await validate(form_tracker(sender, "villeurbanne", before, "elig_town"))
    again = {**before, "elig_retry": "town_postcode"}
    second, _ = await validate(form_tracker(sender, "villeurbanne", again, "elig_town"))
    known, _ = await validate(form_tracker(sender, "j'habite a Lyon", before, "elig_town"))

    assert slots_of(first) == {"elig_retry": "town_postcode", "requested_slot": "elig_town"}
    assert slots_of(second)["elig_town"] == "villeurbanne"  # asked once, then taken as it is
    assert slots_of(second)["requested_slot"] is None
    assert slots_of(known)["elig_town"] == "lyon"  # the demo site's town: no postcode needed


async def test_a_situation_said_earlier_is_answered_before_the_questions(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """« jsuis suivi par le spip » earlier, then « je peux faire le cej ? »: what the CEJ says
    of young people followed by the justice system comes first (#8, memory)."""
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()

    events = await ActionEligibilityStart().run(
        dispatcher,
        form_tracker(sender, "je peux faire le cej ?", slots={"situation": "justice"}),
        {},
    )

    assert "SPIP" in dispatcher.messages[0]["text"] or "justice" in dispatcher.messages[0]["text"]
    assert "C'est parti" in dispatcher.messages[-1]["text"]
    assert slots_of(events)["topic"] == "cej"


async def test_a_cej_question_gets_who_it_is_for_before_the_questions(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)
    dispatcher = CollectingDispatcher()

    await ActionEligibilityStart().run(dispatcher, form_tracker(sender, "le cej c pour moi ?"), {})

    assert "16-25 ans" in dispatcher.messages[0]["text"]
    assert "C'est parti" in dispatcher.messages[-1]["text"]


async def test_why_a_question_is_asked_is_answered_then_asked_again(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    events, [why] = await validate(
        form_tracker(sender, "pk tu veux savoir mon age", intent="nlu_fallback", confidence=0.3)
    )

    assert "16 à 25 ans" in why["text"]
    assert slots_of(events) == {"elig_retry": None, "requested_slot": "elig_age"}


async def test_a_question_between_two_questions_is_answered_then_asked_again(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    sender = await sender_of_new_conversation(sessions, clock)

    events, [answer] = await validate(
        form_tracker(
            sender,
            "comment je m'inscris ?",
            slots={"topic": "cej"},
            intent="nlu_fallback",
            confidence=0.3,
        )
    )

    assert answer["text"].startswith("Pour entrer au CEJ")
    assert slots_of(events)["requested_slot"] == "elig_age"
    assert slots_of(events)["elig_retry"] is None

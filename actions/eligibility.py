"""The eligibility questionnaire in Rasa: start (or resume), read each answer, word the outcome.

Rasa's form `eligibility_form` asks the questions (utter_ask_elig_* in domain.yml); this module's
`validate_eligibility_form` reads every message itself (bot/eligibility/questionnaire.py) and
says which question comes next. Answers are stored on the contact as they come; the outcome when
it is known.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.distress import ActionDistress
from actions.forms import (
    REQUESTED_SLOT,
    choice_of,
    is_reading_an_answer,
    latest_intent,
    latest_text,
)
from actions.topics import answer_topic, remembered, situation_of, topic_question
from actions.under_16 import UNDER_16, answer_under_16, forget_age
from bot.booking.places import place_of
from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.topics import Point, Topic, load_topic_content, read_point, read_topic
from bot.eligibility.outcome import CejParameters, assess
from bot.eligibility.questionnaire import (
    ALL_SLOTS,
    ANSWER_SLOTS,
    DISTRESS,
    FORM,
    QUESTIONS,
    UNKNOWN,
    FormSlot,
    answers_of,
    next_question,
)
from bot.eligibility.reading import (
    Kind,
    Said,
    age_mentioned,
    asks_why,
    step,
)
from bot.eligibility.rules import cej_parameters_on
from bot.eligibility.situation import parse_town
from bot.eligibility.wording import SiteLine, compose
from bot.rasa.payloads import payload as rasa_payload
from bot.storage.eligibility import StoredOutcome, save_answers
from bot.storage.sites import main_site, nearest_site


def answer_values(tracker: Tracker) -> dict[str, Any]:
    return {slot.value: tracker.get_slot(slot.value) for slot in ANSWER_SLOTS}


def said_in(tracker: Tracker) -> Said:
    choice, text = choice_of(tracker), latest_text(tracker)
    intent, confidence = latest_intent(tracker)
    nlu: dict[str, Any] = {"intent": intent, "confidence": confidence}
    return Said(text, **nlu) if choice is None else Said.button(text, choice, **nlu)


async def rules_for_today() -> tuple[date, CejParameters]:
    today = services().clock.now().date()
    # Parsing openfisca's files takes ~0.5 s the first time each day: off the event loop.
    return today, await asyncio.to_thread(cej_parameters_on, today)


async def _store(tracker: Tracker, values: dict[str, Any], outcome: StoredOutcome | None) -> None:
    context = services()
    async with context.sessions() as session, session.begin():
        await save_answers(session, tracker.sender_id, values, context.clock.now(), outcome)


class ValidateEligibilityForm(Action):
    """Reads one message for the form and names the next question (None: the outcome is known)."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        today, rules = await rules_for_today()
        values = answer_values(tracker)
        if not is_reading_an_answer(tracker, FORM):
            return [SlotSet(REQUESTED_SLOT, next_question(values, rules))]
        asked = FormSlot(tracker.get_slot(REQUESTED_SLOT))
        if choice_of(tracker) is None and asks_why(latest_text(tracker)):
            # « pk tu veux mon âge ? »: why, then the same question (asked again by the form).
            key = "why_age" if asked in (FormSlot.AGE, FormSlot.BIRTH_YEAR) else "why_other"
            dispatcher.utter_message(text=reply_text("eligibility", key))
            return [SlotSet(FormSlot.RETRY, None), SlotSet(REQUESTED_SLOT, asked)]
        result = step(said_in(tracker), values, asked, today, rules)
        if result.kind is Kind.RETRY and choice_of(tracker) is None:
            question = topic_question(tracker)
            if question is not None and read_point(latest_text(tracker)) is not None:
                # « comment je m'inscris ? » read uncertainly between two questions: answered,
                # then the same question again (no « je n'ai pas compris ton âge »).
                events = await answer_topic(dispatcher, tracker, domain, *question)
                return [*events, SlotSet(FormSlot.RETRY, None), SlotSet(REQUESTED_SLOT, asked)]
        if result.kind is Kind.ELSEWHERE and not result.distress:
            return []  # rejected: a rule answers the other question (nlu/rules.yml)
        if result.kind in (Kind.STOP, Kind.ELSEWHERE):
            reason = DISTRESS if result.kind is Kind.ELSEWHERE else "asked"
            return [SlotSet(FormSlot.STOPPED, reason), SlotSet(FormSlot.RETRY, None),
                    SlotSet(REQUESTED_SLOT, None)]  # fmt: skip
        if _under(result.changes.get(FormSlot.AGE), rules):
            # Under 16 (#12): no more questions, and the age is neither stored nor kept.
            return [SlotSet(FormSlot.STOPPED, UNDER_16), SlotSet(FormSlot.RETRY, None),
                    SlotSet(REQUESTED_SLOT, None), *forget_age()]  # fmt: skip
        if asked is FormSlot.TOWN and await _town_needs_a_postcode(tracker, result.changes):
            return [SlotSet(FormSlot.RETRY, "town_postcode"), SlotSet(REQUESTED_SLOT, asked)]
        values.update(result.changes)
        events = [SlotSet(slot, value) for slot, value in result.changes.items()]
        events.append(SlotSet(FormSlot.RETRY, result.retry_reason))
        if result.kind is Kind.CORRECTION:
            dispatcher.utter_message(text=reply_text("eligibility", "corrected"))
        if result.changes:
            await _store(tracker, values, None)
        return [*events, SlotSet(REQUESTED_SLOT, next_question(values, rules))]


def _under(age: Any, rules: CejParameters) -> bool:
    return isinstance(age, int | float) and not isinstance(age, bool) and age < rules.age_min


async def _town_needs_a_postcode(tracker: Tracker, changes: dict[str, Any]) -> bool:
    """A town name we know no site in (« Villeurbanne »): its postcode tells the department.
    Asked once; a second answer without a postcode is taken as it is."""
    town_text = changes.get(FormSlot.TOWN)
    town = parse_town(town_text) if town_text and town_text != UNKNOWN else None
    if (
        town is None
        or town.postcode is not None
        or tracker.get_slot(FormSlot.RETRY) == "town_postcode"
    ):
        return False
    async with services().sessions() as session:
        return await nearest_site(session, None, town.name) is None


async def _answer_special_situation(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[dict[str, Any]]:
    """« j'ai un bracelet, je peux faire le CEJ ? », or « je peux faire le CEJ ? » after « j'ai
    17 ans »: what the CEJ says of that situation first; « le CEJ c'est pour moi ? »: who it is
    for. Then the questions."""
    text = str((tracker.latest_message or {}).get("text") or "")
    point = situation_of(tracker)
    if point is None and read_topic(text) is Topic.CEJ:
        point = Point.WHO
    if point is None or load_topic_content().answer(Topic.CEJ, point) is None:
        return remembered(tracker)
    events = await answer_topic(dispatcher, tracker, {}, Topic.CEJ, point)
    return [*events, *remembered(tracker)]


class ActionEligibilityStart(Action):
    """Before the form: a fresh start (also after a completed one), or « on reprend »."""

    def name(self) -> str:
        return "action_eligibility_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = answer_values(tracker)
        started = any(values.get(q.value) is not None for q in QUESTIONS)
        if tracker.get_slot(FormSlot.DONE) or not started:
            today, rules = await rules_for_today()
            said = age_mentioned(
                str((tracker.latest_message or {}).get("text") or ""), today, rules
            )
            if _under(said.get(FormSlot.AGE), rules):
                # « j'ai 14 ans, j'ai droit à quoi ? »: no questions; the outcome answers it.
                return [SlotSet(slot, said.get(slot)) for slot in ALL_SLOTS]
            situation = await _answer_special_situation(dispatcher, tracker)
            dispatcher.utter_message(text=reply_text("eligibility", "start"))
            return [*situation, *(SlotSet(slot, said.get(slot)) for slot in ALL_SLOTS)]
        dispatcher.utter_message(text=reply_text("eligibility", "resume"))
        return [SlotSet(FormSlot.STOPPED, None), SlotSet(FormSlot.RETRY, None)]


class ActionEligibilityOutcome(Action):
    """After the form: the outcome (stored on the contact), or a short word when it was stopped."""

    def name(self) -> str:
        return "action_eligibility_outcome"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        stopped = tracker.get_slot(FormSlot.STOPPED)
        if stopped == DISTRESS:
            await ActionDistress().run(dispatcher, tracker, domain)
            return [SlotSet(FormSlot.STOPPED, None)]
        _, rules = await rules_for_today()
        values = answer_values(tracker)
        if stopped == UNDER_16 or _under(values.get(FormSlot.AGE), rules):
            await answer_under_16(dispatcher, tracker)
            return [SlotSet(FormSlot.DONE, True), SlotSet(FormSlot.STOPPED, None), *forget_age()]
        answers = answers_of(values)
        if stopped or answers is None or next_question(values, rules) is not None:
            dispatcher.utter_message(
                text=reply_text("eligibility", "stopped"),
                buttons=[{"title": reply_text("eligibility", "button_resume"),
                          "payload": rasa_payload("check_eligibility")}],
            )  # fmt: skip
            return [SlotSet(FormSlot.STOPPED, None)]
        outcome = assess(answers, rules)
        town_text = values.get(FormSlot.TOWN)
        town = parse_town(town_text) if town_text and town_text != UNKNOWN else None
        context = services()
        async with context.sessions() as session, session.begin():
            if town is None:
                site = await main_site(session)
            else:
                site = await nearest_site(session, town.postcode, town.name)
            low, high = outcome.allowance_range or (outcome.allowance, outcome.allowance)
            stored = StoredOutcome(
                orientation=outcome.orientation.value,
                allowance_min=low,
                allowance_max=high,
                rules_applied_from=outcome.applies_from,
                site_id=site.id if site else None,
            )
            await save_answers(session, tracker.sender_id, values, context.clock.now(), stored)
            line = None
            if site is not None:
                address = place_of(site).full_address
                line = SiteLine(site.mission_locale.name, site.name, address)
        for reply in compose(
            outcome, answers, rules, values.get(FormSlot.FOLLOWED), line, town is not None
        ):
            dispatcher.utter_message(
                text=reply.text,
                buttons=[{"title": title, "payload": payload} for title, payload in reply.buttons],
            )
        return [SlotSet(FormSlot.DONE, True), SlotSet(FormSlot.STOPPED, None)]

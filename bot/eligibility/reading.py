"""How one message is read for the questionnaire, in order: distress (never an answer), « stop »,
a correction of an earlier answer (« non en fait j'ai 20 ans »), an answer to the question asked,
or a question about something else (answered, then the questionnaire resumes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from bot.core.distress import classify as classify_distress
from bot.eligibility.free_text import (
    DontKnow,
    MonthlyAmount,
    StatedAge,
    StatedBirthYear,
    TaxSituation,
    parse_age,
    parse_monthly_amount,
    parse_tax_situation,
    parse_yes_no,
    plain_words,
    wants_to_stop,
)
from bot.eligibility.outcome import (
    Activity,
    CejParameters,
    Contract,
)
from bot.eligibility.questionnaire import (
    DISTRESS,
    NO,
    UNKNOWN,
    YES,
    FormSlot,
    age_edges,
    questions_needed,
)
from bot.eligibility.situation import (
    declines,
    mentions_age,
    mentions_money,
    parse_activity,
    parse_contract,
    parse_followed_by,
    parse_town,
    parse_weekly_hours,
    sounds_like_correction,
)

# Questions about something else, answered before the questionnaire goes on (nlu/rules.yml has a
# rule for each; a test checks both lists agree).
RESUMING_INTENTS = frozenset({
    "ask_cej", "ask_pacea", "compare_cej_pacea", "ask_allocation", "ask_mission_locale",
    "ask_documents", "ask_other_support", "bot_challenge", "look_for_job", "look_for_training",
})  # fmt: skip
# Requests that end the questionnaire (its answers are kept for later). Distress ends it too, from
# inside the validator (the keyword net may see it when the NLU does not).
LEAVING_INTENTS = frozenset({
    "request_human", "book_appointment", "cancel_appointment", "reschedule_appointment",
    "delete_my_data", "unsubscribe", "goodbye",
})  # fmt: skip
# Situations told in a sentence (« je cherche du taf ») are answers first, questions second.
_ANSWER_LIKE_INTENTS = frozenset({"look_for_job", "look_for_training"})
SURE = 0.7  # above this, a question about something else wins over reading an answer
UNSURE = 0.4  # the NLU fallback threshold (config.yml)
YOUNGEST, OLDEST = 10, 80  # beyond these, an age is a typo: ask again kindly
MAX_MONTHLY_INCOME = 10_000


class Kind(StrEnum):
    ANSWER = "answer"
    RETRY = "retry"  # not readable as an answer: ask again, kindly
    CORRECTION = "correction"  # an earlier answer changed
    STOP = "stop"
    ELSEWHERE = "elsewhere"  # distress or a question about something else: not for the form


@dataclass(frozen=True, slots=True)
class Step:
    kind: Kind
    changes: dict[str, Any] = field(default_factory=dict)
    retry_reason: str | None = None  # e.g. "age_unreadable", shown by a conditional response
    distress: bool = False  # ELSEWHERE because of distress: the form ends, the numbers follow


@dataclass(frozen=True, slots=True)
class Said:
    """One message of the young person, as the NLU and the channel give it."""

    text: str
    # A button's value and the question it belongs to (`/inform{"choice": "rqth=yes"}`).
    choice: str | None = None
    choice_for: FormSlot | None = None
    intent: str | None = None
    confidence: float = 0.0

    @classmethod
    def button(cls, text: str, choice: str, **nlu: Any) -> Said:
        """From a button's `choice` entity, « <question>=<value> »."""
        question, _, value = choice.partition("=")
        try:
            slot = FormSlot(f"elig_{question}")
        except ValueError:
            return cls(text, **nlu)
        return cls(text, choice=value, choice_for=slot, **nlu)


def _retry(slot: FormSlot, reason: str) -> Step:
    return Step(Kind.RETRY, retry_reason=f"{slot.value.removeprefix('elig_')}_{reason}")


def _age_reading(text: str, today: date, rules: CejParameters) -> Step:
    parsed = parse_age(text, today)
    if isinstance(parsed, DontKnow):
        return _retry(FormSlot.AGE, "unknown")
    if isinstance(parsed, StatedAge):
        if not YOUNGEST <= parsed.years <= OLDEST:
            return _retry(FormSlot.AGE, "impossible")
        return Step(Kind.ANSWER, {FormSlot.AGE: parsed.years, FormSlot.BIRTH_YEAR: None,
                                  FormSlot.BIRTHDAY_PASSED: None})  # fmt: skip
    if isinstance(parsed, StatedBirthYear):
        before, after = parsed.possible_ages(today)
        if after < YOUNGEST or before > OLDEST:
            return _retry(FormSlot.AGE, "impossible")
        straddles = any(before < edge <= after for edge in age_edges(rules))
        return Step(Kind.ANSWER, {
            FormSlot.BIRTH_YEAR: parsed.year, FormSlot.AGE: None if straddles else after,
            FormSlot.BIRTHDAY_PASSED: None,
        })  # fmt: skip
    return _retry(FormSlot.AGE, "unreadable")


def age_mentioned(text: str, today: date, rules: CejParameters) -> dict[str, Any]:
    """The age said in passing (« j'ai 19 ans, je peux avoir le CEJ ? »), or {}."""
    if not mentions_age(text):
        return {}
    reading = _age_reading(text, today, rules)
    return reading.changes if reading.kind is Kind.ANSWER else {}


def read_answer(
    slot: FormSlot, said: Said, values: Mapping[str, Any], today: date, rules: CejParameters
) -> Step:
    """Read `said` as the answer to `slot`: an ANSWER step with the slots it sets, or a RETRY."""
    text = said.choice or said.text
    if slot is FormSlot.AGE:
        return _age_reading(text, today, rules)
    if slot is FormSlot.BIRTHDAY_PASSED:
        passed = parse_yes_no(text)
        year = values.get(FormSlot.BIRTH_YEAR)
        if year is None or isinstance(passed, DontKnow):
            # Without the birthday, ask the age itself.
            return Step(Kind.RETRY, {FormSlot.BIRTH_YEAR: None}, retry_reason="age_exact")
        if passed is None:
            return _retry(slot, "unreadable")
        age = today.year - int(year) - (0 if passed else 1)
        return Step(Kind.ANSWER, {FormSlot.BIRTHDAY_PASSED: passed, FormSlot.AGE: age})
    if slot is FormSlot.RQTH:
        if said.choice in (YES, NO, UNKNOWN):
            return Step(Kind.ANSWER, {slot: said.choice})
        rqth = parse_yes_no(text)
        if rqth is None:
            return _retry(slot, "unreadable")
        value = UNKNOWN if isinstance(rqth, DontKnow) else (YES if rqth else NO)
        return Step(Kind.ANSWER, {slot: value})
    if slot is FormSlot.ACTIVITY:
        activity = parse_activity(text)
        if activity is None:
            return _retry(slot, "unreadable")
        changes: dict[str, Any] = {slot: activity.value}
        contract = parse_contract(text) if activity is Activity.WORKING else None
        if contract is not None and contract is not Contract.OTHER:
            changes[FormSlot.CONTRACT] = contract.value  # « je bosse en intérim »: no need to ask
        return Step(Kind.ANSWER, changes)
    if slot is FormSlot.CONTRACT:
        contract = parse_contract(text)
        return (
            _retry(slot, "unreadable")
            if contract is None
            else Step(Kind.ANSWER, {slot: contract.value})
        )
    if slot is FormSlot.HOURS:
        hours = parse_weekly_hours(text)
        if hours is None:
            return _retry(slot, "unreadable")
        return Step(Kind.ANSWER, {slot: UNKNOWN if isinstance(hours, DontKnow) else hours})
    if slot is FormSlot.FOLLOWED:
        followed = parse_followed_by(text)
        if followed is None:
            return _retry(slot, "unreadable")
        return Step(Kind.ANSWER, {slot: UNKNOWN if isinstance(followed, DontKnow) else followed})
    if slot is FormSlot.TAX:
        tax = parse_tax_situation(text)
        return _retry(slot, "unreadable") if tax is None else Step(Kind.ANSWER, {slot: tax.value})
    if slot is FormSlot.INCOME:
        amount = parse_monthly_amount(text)
        if isinstance(amount, DontKnow):
            return Step(Kind.ANSWER, {slot: UNKNOWN})
        if amount is None:
            return _retry(slot, "unreadable")
        if amount.euros > MAX_MONTHLY_INCOME:
            return _retry(slot, "impossible")
        return Step(Kind.ANSWER, {slot: amount.euros})
    if said.choice == UNKNOWN or declines(text) or isinstance(parse_yes_no(text), DontKnow):
        return Step(Kind.ANSWER, {slot: UNKNOWN})  # the town is never forced
    town = parse_town(text)
    if town is None:
        return _retry(slot, "unreadable")
    return Step(Kind.ANSWER, {slot: town.label()})


def read_correction(
    said: Said, values: Mapping[str, Any], asked: FormSlot, today: date, rules: CejParameters
) -> dict[str, Any]:
    """Earlier answers that this message changes (« non en fait j'ai 20 ans »), or {}."""
    text, marked = said.text, sounds_like_correction(said.text)
    answered_age = (
        values.get(FormSlot.AGE) is not None or values.get(FormSlot.BIRTH_YEAR) is not None
    )
    if (
        asked not in (FormSlot.AGE, FormSlot.BIRTHDAY_PASSED)
        and answered_age
        and mentions_age(text)
    ):
        reading = _age_reading(text, today, rules)
        if reading.kind is Kind.ANSWER and any(
            values.get(k) != v for k, v in reading.changes.items()
        ):
            return reading.changes
    if not marked:
        return {}
    changes: dict[str, Any] = {}
    if asked is not FormSlot.ACTIVITY and values.get(FormSlot.ACTIVITY) is not None:
        activity = parse_activity(text)
        if activity is not None and activity.value != values[FormSlot.ACTIVITY]:
            changes[FormSlot.ACTIVITY] = activity.value
    if asked is not FormSlot.TAX and values.get(FormSlot.TAX) is not None:
        tax = parse_tax_situation(text)
        if tax not in (None, TaxSituation.UNKNOWN) and tax != values[FormSlot.TAX]:
            changes[FormSlot.TAX] = tax
    if (
        asked is not FormSlot.INCOME
        and values.get(FormSlot.INCOME) is not None
        and mentions_money(text)
    ):
        amount = parse_monthly_amount(text)
        if isinstance(amount, MonthlyAmount) and amount.euros != values[FormSlot.INCOME]:
            changes[FormSlot.INCOME] = amount.euros
    return changes


def step(
    said: Said, values: Mapping[str, Any], asked: FormSlot, today: date, rules: CejParameters
) -> Step:
    """What one message does to the questionnaire (see the module docstring for the order)."""
    if said.choice_for is not None and said.choice_for is not asked:
        # A button of an earlier question, tapped again: a correction of that answer.
        if said.choice_for in questions_needed(values, rules):
            earlier = read_answer(said.choice_for, said, values, today, rules)
            if earlier.kind is Kind.ANSWER:
                return Step(Kind.CORRECTION, earlier.changes)
        return Step(Kind.RETRY)
    if said.choice is None:
        if said.intent == DISTRESS or classify_distress(said.text):
            return Step(Kind.ELSEWHERE, distress=True)
        if wants_to_stop(said.text):
            return Step(Kind.STOP)
        intent_is_sure = said.confidence >= SURE and said.intent not in _ANSWER_LIKE_INTENTS
        if said.intent in RESUMING_INTENTS | LEAVING_INTENTS and intent_is_sure:
            return Step(Kind.ELSEWHERE)
        corrected = read_correction(said, values, asked, today, rules)
        if corrected:
            return Step(Kind.CORRECTION, corrected)
    reading = read_answer(asked, said, values, today, rules)
    if reading.kind is Kind.ANSWER or said.choice is not None:
        return reading
    if said.intent in RESUMING_INTENTS | LEAVING_INTENTS and said.confidence >= UNSURE:
        return Step(Kind.ELSEWHERE)
    return reading


_WHY = re.compile(
    r"^(?:mais |et |ok |bah |ben )?(?:pk|pq|pourquoi|pour quoi faire|ca sert a quoi|"
    r"c est pour quoi|en quoi ca)\b|\bpourquoi tu (?:veux|demandes|me demandes)\b|"
    r"\b(?:pk|pq) tu (?:veux|demandes)\b"
)


def asks_why(text: str) -> bool:
    """« pk tu veux savoir mon âge ? »: a question about the question, not an answer."""
    return bool(_WHY.search(plain_words(text)))

"""The questionnaire without Rasa: its questions, which one comes next, and the answers so far.

Answers are kept as plain JSON values (Rasa slots, named `elig_*`). A question is asked only when
the answers so far make it matter: RQTH only at 26-29, the contract only for someone working, the
tax situation and income only when the CEJ is what probably fits. How one message is read is in
reading.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from bot.core.vocabulary import Orientation
from bot.eligibility.free_text import (
    TaxSituation,
)
from bot.eligibility.outcome import (
    ADULT_AGE,
    SUSTAINABLE,
    Activity,
    Answers,
    CejParameters,
    Contract,
    orientation,
)

FORM = "eligibility_form"
DISTRESS = "distress"
UNKNOWN = "unknown"  # « je sais pas » for the RQTH, hours, follow-up, income and town
YES, NO = "yes", "no"


class FormSlot(StrEnum):
    """The questionnaire form's Rasa slots (a time to book is a `Slot` of bot/booking/slots.py)."""

    AGE = "elig_age"
    BIRTH_YEAR = "elig_birth_year"
    BIRTHDAY_PASSED = "elig_birthday_passed"
    RQTH = "elig_rqth"
    ACTIVITY = "elig_activity"
    CONTRACT = "elig_contract"
    HOURS = "elig_hours"
    FOLLOWED = "elig_followed"
    TAX = "elig_tax"
    INCOME = "elig_income"
    TOWN = "elig_town"
    # Bookkeeping: why the question is asked again, « stop » said, questionnaire completed.
    RETRY = "elig_retry"
    STOPPED = "elig_stopped"
    DONE = "elig_done"


QUESTIONS = (
    FormSlot.AGE,
    FormSlot.BIRTHDAY_PASSED,
    FormSlot.RQTH,
    FormSlot.ACTIVITY,
    FormSlot.CONTRACT,
    FormSlot.HOURS,
    FormSlot.FOLLOWED,
    FormSlot.TAX,
    FormSlot.INCOME,
    FormSlot.TOWN,
)
ANSWER_SLOTS = (FormSlot.BIRTH_YEAR, *QUESTIONS)
ALL_SLOTS = (*ANSWER_SLOTS, FormSlot.RETRY, FormSlot.STOPPED, FormSlot.DONE)


def age_edges(rules: CejParameters) -> tuple[int, ...]:
    """Ages at which the orientation or the amount changes: 16, 18, 26 and 30 today."""
    return rules.age_min, ADULT_AGE, rules.age_max + 1, rules.age_max_rqth + 1


def questions_needed(values: Mapping[str, Any], rules: CejParameters) -> list[FormSlot]:
    """The questions that matter given the answers so far, in the order they are asked."""
    needed = [FormSlot.AGE]
    if values.get(FormSlot.BIRTH_YEAR) is not None and values.get(FormSlot.AGE) is None:
        needed.append(FormSlot.BIRTHDAY_PASSED)
    age = values.get(FormSlot.AGE)
    if age is None or age < rules.age_min:
        return needed
    if age > rules.age_max:
        if age > rules.age_max_rqth:
            return needed
        needed.append(FormSlot.RQTH)
        if values.get(FormSlot.RQTH) != YES:
            return needed
    needed.append(FormSlot.ACTIVITY)
    activity = values.get(FormSlot.ACTIVITY)
    if activity is None:
        return needed
    if activity in (Activity.STUDYING, Activity.TRAINING):
        return [*needed, FormSlot.TOWN]
    if activity == Activity.WORKING:
        needed.append(FormSlot.CONTRACT)
        contract = values.get(FormSlot.CONTRACT)
        if contract is None:
            return needed
        if contract not in SUSTAINABLE:
            needed.append(FormSlot.HOURS)
            if values.get(FormSlot.HOURS) is None:
                return needed
    needed.append(FormSlot.FOLLOWED)
    answers = answers_of(values)
    if answers is not None and orientation(answers, rules) is Orientation.CEJ:
        needed.append(FormSlot.TAX)
        if activity == Activity.WORKING:
            needed.append(FormSlot.INCOME)
    return [*needed, FormSlot.TOWN]


def _answered(question: FormSlot, values: Mapping[str, Any]) -> bool:
    if question is FormSlot.AGE:  # a birth year answers it (the birthday question may follow)
        return values.get(FormSlot.AGE) is not None or values.get(FormSlot.BIRTH_YEAR) is not None
    return values.get(question) is not None


def next_question(values: Mapping[str, Any], rules: CejParameters) -> FormSlot | None:
    """The first question that matters and has no answer yet; None when the outcome is known."""
    return next((q for q in questions_needed(values, rules) if not _answered(q, values)), None)


def answers_of(values: Mapping[str, Any]) -> Answers | None:
    """The outcome function's input; None until the age and the activity (when asked) are known."""
    age = values.get(FormSlot.AGE)
    if age is None:
        return None
    activity = values.get(FormSlot.ACTIVITY)
    hours, income = values.get(FormSlot.HOURS), values.get(FormSlot.INCOME)
    tax = values.get(FormSlot.TAX)
    return Answers(
        age=int(age),
        activity=Activity(activity) if activity else Activity.NOTHING,
        contract=Contract(values[FormSlot.CONTRACT]) if values.get(FormSlot.CONTRACT) else None,
        weekly_hours=float(hours) if isinstance(hours, int | float) else None,
        rqth=values.get(FormSlot.RQTH) == YES,
        tax=TaxSituation(tax) if tax else TaxSituation.UNKNOWN,
        activity_income=Decimal(income) if isinstance(income, int) else None,
    )

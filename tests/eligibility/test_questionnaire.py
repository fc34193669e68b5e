"""The questionnaire's logic: which question comes next, and what a message does to the answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from bot.eligibility.free_text import TaxSituation
from bot.eligibility.questionnaire import (
    FormSlot,
    answers_of,
    next_question,
    questions_needed,
)
from bot.eligibility.reading import (
    LEAVING_INTENTS,
    RESUMING_INTENTS,
    Kind,
    Said,
    age_mentioned,
    step,
)
from tests.eligibility.test_outcome import RULES

TODAY = date(2026, 12, 2)
A, BY, BP, RQ, ACT, CON, HRS, FOL, TAX, INC, TOWN = (
    FormSlot.AGE, FormSlot.BIRTH_YEAR, FormSlot.BIRTHDAY_PASSED, FormSlot.RQTH,
    FormSlot.ACTIVITY, FormSlot.CONTRACT, FormSlot.HOURS, FormSlot.FOLLOWED, FormSlot.TAX,
    FormSlot.INCOME, FormSlot.TOWN,
)  # fmt: skip


def said(text: str, intent: str = "inform", confidence: float = 0.9) -> Said:
    return Said(text, intent=intent, confidence=confidence)


def run(values: dict[str, Any], text: str, **nlu: Any) -> tuple[Kind, dict[str, Any]]:
    asked = next_question(values, RULES)
    assert asked is not None
    result = step(said(text, **nlu), values, asked, TODAY, RULES)
    return result.kind, dict(result.changes)


def walk(*texts: str) -> tuple[dict[str, Any], list[FormSlot | None]]:
    """Answer in order; the questions asked along the way (None at the end)."""
    values: dict[str, Any] = {}
    asked: list[FormSlot | None] = []
    for text in texts:
        question = next_question(values, RULES)
        asked.append(question)
        assert question is not None, f"no question left for {text!r}"
        result = step(said(text), values, question, TODAY, RULES)
        assert result.kind is Kind.ANSWER, (text, result)
        values.update(result.changes)
    asked.append(next_question(values, RULES))
    return values, asked


@pytest.mark.parametrize(
    ("answers", "questions"),
    [
        # 19, nothing: no RQTH, no contract, no income; tax because the CEJ fits.
        (("19", "rien", "non", "pas imposable", "69001"), [A, ACT, FOL, TAX, TOWN, None]),
        # Under 16: nothing else matters.
        (("14",), [A, None]),
        # 27 without RQTH: France Travail, the rest is skipped.
        (("27 ans", "non"), [A, RQ, None]),
        # 27 with RQTH: the whole CEJ path.
        (("27", "oui", "je fais rien", "france travail", "jsp", "lyon"),
         [A, RQ, ACT, FOL, TAX, TOWN, None]),
        # Over 29: France Travail at once, no RQTH question.
        (("31",), [A, None]),
        # Studying: only the town.
        (("19", "a la fac", "69001"), [A, ACT, TOWN, None]),
        # Working on a CDI: PACEA, so no tax nor income question.
        (("22", "je travaille", "cdi", "ni l'un ni l'autre", "lyon"),
         [A, ACT, CON, FOL, TOWN, None]),
        # More than a half-time job: PACEA, no tax question.
        (("22", "je bosse", "cdd court", "30h", "non", "lyon"),
         [A, ACT, CON, HRS, FOL, TOWN, None]),
        # Short CDD part-time: CEJ with income.
        (("22", "je bosse", "cdd court", "15h", "pole emploi", "1ere tranche", "800 balles",
          "lyon"),
         [A, ACT, CON, HRS, FOL, TAX, INC, TOWN, None]),
        # Interim said with the activity: the contract is not asked again.
        (("22", "je bosse en interim", "15h", "non", "pas imposable", "400", "lyon"),
         [A, ACT, HRS, FOL, TAX, INC, TOWN, None]),
        # A birth year at an edge (25 or 26 on 2 December 2026) asks for the birthday.
        (("2000", "oui", "non"), [A, BP, RQ, None]),
        # A birth year away from edges: no birthday question.
        (("2005", "rien", "non", "pas imposable", "lyon"), [A, ACT, FOL, TAX, TOWN, None]),
    ],
)  # fmt: skip
def test_only_the_questions_that_matter_are_asked(
    answers: tuple[str, ...], questions: list[FormSlot | None]
) -> None:
    _, asked = walk(*answers)

    assert asked == questions


def test_the_answers_become_the_outcome_functions_input() -> None:
    values, _ = walk("22", "je bosse", "cdd court", "15h", "pole emploi", "1ere tranche", "800")

    answers = answers_of(values)

    assert answers is not None
    assert (answers.age, answers.activity, answers.contract, answers.weekly_hours) == (
        22, "working", "cdd_under_6_months", 15.0
    )  # fmt: skip
    assert answers.tax is TaxSituation.FIRST_BRACKET
    assert answers.activity_income == Decimal(800)


def test_a_birth_year_is_kept_as_a_year_and_the_birthday_gives_the_age() -> None:
    values, _ = walk("nee le 14/03/2000", "non")

    assert values[BY] == 2000
    assert values[A] == 25  # birthday not passed yet this year
    assert values[BP] is False


def test_not_knowing_the_birthday_asks_the_age_itself() -> None:
    values, _ = walk("2000")
    result = step(said("jsp"), values, BP, TODAY, RULES)

    assert result.kind is Kind.RETRY
    assert result.changes == {BY: None}
    assert result.retry_reason == "age_exact"
    assert next_question({**values, **result.changes}, RULES) is A


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("euh", "age_unreadable"),
        ("ché pas", "age_unknown"),
        ("3 ans", "age_impossible"),
        ("150", "age_impossible"),
        ("2024", "age_impossible"),
    ],
)
def test_impossible_or_unreadable_ages_are_asked_again_kindly(text: str, reason: str) -> None:
    result = step(said(text), {}, A, TODAY, RULES)

    assert result.kind is Kind.RETRY
    assert result.retry_reason == reason
    assert result.changes == {}


def test_a_correction_of_the_age_is_taken_while_another_question_is_asked() -> None:
    values, _ = walk("18")

    kind, changes = run(values, "non en fait j'ai 20 ans")

    assert kind is Kind.CORRECTION
    assert changes[A] == 20


def test_an_age_said_again_without_a_marker_also_corrects() -> None:
    values, _ = walk("18", "rien")

    kind, changes = run(values, "jai 24 ans")

    assert (kind, changes[A]) == (Kind.CORRECTION, 24)


def test_a_correction_can_make_later_questions_moot() -> None:
    values, _ = walk("19", "rien", "non")
    kind, changes = run(values, "pardon je me suis trompe j'ai 32 ans")

    assert kind is Kind.CORRECTION
    assert next_question({**values, **changes}, RULES) is None  # France Travail: done


def test_a_correction_of_the_activity_needs_a_marker() -> None:
    values, _ = walk("19", "rien")

    marked = run(values, "en fait je bosse")
    unmarked = run(values, "je bosse")

    assert marked == (Kind.CORRECTION, {ACT: "working"})
    assert unmarked[0] is Kind.RETRY  # read as a (wrong) answer to « France Travail ? »


def test_a_same_value_is_not_a_correction() -> None:
    values, _ = walk("19", "rien")

    kind, _ = run(values, "non, jai 19 ans")

    assert kind is not Kind.CORRECTION


def test_a_button_of_an_earlier_question_corrects_that_answer() -> None:
    values, _ = walk("19", "rien")

    result = step(Said.button("/inform", "activity=working"), values, FOL, TODAY, RULES)

    assert result.kind is Kind.CORRECTION
    assert result.changes == {ACT: "working"}


def test_a_button_of_a_question_that_no_longer_matters_is_ignored() -> None:
    values, _ = walk("19", "rien")

    result = step(Said.button("/inform", "rqth=yes"), values, FOL, TODAY, RULES)

    assert (result.kind, result.changes) == (Kind.RETRY, {})


@pytest.mark.parametrize("text", ["stop", "laisse tomber", "Laisse tomber !", "on arrete"])
def test_stop_ends_the_questionnaire(text: str) -> None:
    assert run({}, text, intent="deny")[0] is Kind.STOP


def test_stop_inside_a_sentence_is_not_stop() -> None:
    assert run({}, "stop je veux dire 19", intent="inform")[0] is Kind.ANSWER


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("je dors dehors ce soir", "inform", 0.3),  # the keyword net, whatever the NLU says
        ("jsuis pas bien du tout", "distress", 0.8),
        ("c koi le pacea", "ask_pacea", 0.95),
        ("je veux parler a quelqu'un", "request_human", 0.9),
        ("et c'est ou la mission locale", "ask_mission_locale", 0.5),  # unsure, but not an answer
    ],
)
def test_distress_and_other_questions_are_not_answers(
    text: str, intent: str, confidence: float
) -> None:
    kind, changes = run({}, text, intent=intent, confidence=confidence)

    assert (kind, changes) == (Kind.ELSEWHERE, {})


def test_a_situation_told_as_a_sentence_is_an_answer_first() -> None:
    values, _ = walk("19")

    kind, changes = run(values, "je cherche du taf", intent="look_for_job", confidence=0.95)

    assert (kind, changes) == (Kind.ANSWER, {ACT: "nothing"})


def test_an_unreadable_answer_with_an_unknown_intent_is_asked_again() -> None:
    kind, _ = run({}, "bof", intent="nlu_fallback", confidence=0.2)

    assert kind is Kind.RETRY


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jai 19 ans je peux avoir le cej ?", {A: 19, BY: None, BP: None}),
        ("je suis ne en 2006 jai droit a quoi", {BY: 2006, A: 20, BP: None}),
        ("est ce que jai droit au cej", {}),
        ("jai droit depuis 2 ans ?", {}),
    ],
)
def test_an_age_said_when_asking_is_used_at_once(text: str, expected: dict[str, Any]) -> None:
    assert age_mentioned(text, TODAY, RULES) == expected


def test_every_intent_that_leaves_the_form_has_a_rule() -> None:
    """validate_eligibility_form rejects the form only for these intents; each needs a rule."""
    rules = yaml.safe_load(Path("nlu/rules.yml").read_text(encoding="utf-8"))["rules"]
    in_form = {
        step["intent"]
        for rule in rules
        if {"active_loop": "eligibility_form"} in rule.get("condition", [])
        for step in rule["steps"]
        if "intent" in step
    }

    assert in_form == RESUMING_INTENTS | LEAVING_INTENTS


def test_questions_needed_starts_with_the_age() -> None:
    assert questions_needed({}, RULES) == [A]

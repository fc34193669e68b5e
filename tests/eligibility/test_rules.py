"""The CEJ figures come from openfisca-france (pinned 176.1.8 in requirements/bot.lock)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.vocabulary import Orientation
from bot.eligibility.free_text import TaxSituation
from bot.eligibility.outcome import Activity, Answers, assess
from bot.eligibility.rules import load_cej_parameters


def test_figures_in_force_today_come_from_openfisca() -> None:
    rules = load_cej_parameters(date(2026, 11, 22))

    assert rules.applies_from == date(2025, 4, 1)  # no later revaluation published in openfisca
    assert (rules.adult_not_taxed, rules.adult_first_bracket, rules.minor) == (
        Decimal("561.68"),
        Decimal("337.0"),
        Decimal("224.68"),
    )
    assert (rules.income_allowance, rules.smic_share) == (Decimal(300), Decimal("0.8"))
    assert rules.smic_gross_monthly == Decimal("12.31") * Decimal("151.67")
    assert (rules.age_min, rules.age_max, rules.age_max_rqth) == (16, 25, 29)


def test_an_earlier_day_gets_the_amounts_of_that_day() -> None:
    rules = load_cej_parameters(date(2023, 6, 1))

    assert rules.applies_from == date(2023, 4, 1)
    assert rules.adult_not_taxed == Decimal(528)


def test_before_the_cej_existed_there_is_nothing() -> None:
    with pytest.raises(LookupError):
        load_cej_parameters(date(2021, 1, 1))


def test_a_19_year_old_with_nothing_in_a_non_taxed_household_today() -> None:
    outcome = assess(
        Answers(19, Activity.NOTHING, tax=TaxSituation.NOT_TAXED),
        load_cej_parameters(date(2026, 11, 22)),
    )

    assert outcome.orientation is Orientation.CEJ
    assert outcome.allowance == Decimal("561.68")
    assert outcome.applies_from == date(2025, 4, 1)

"""Orientation and estimated CEJ allowance: a table of cases, edges included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.core.vocabulary import Orientation
from bot.eligibility.free_text import TaxSituation
from bot.eligibility.outcome import (
    Activity,
    Answers,
    CejParameters,
    Contract,
    age_on,
    assess,
)

TODAY = date(2026, 11, 22)
# The figures openfisca-france 176.1.8 gives from 1 April 2025 (the loader reads them from there;
# here they are a fixed test fixture): amounts D5131-19, allowance and SMIC share D5131-23,
# SMIC 11.88 €/h gross × 151.67 h.
RULES = CejParameters(
    applies_from=date(2025, 4, 1),
    adult_not_taxed=Decimal("561.68"),
    adult_first_bracket=Decimal("337.00"),
    minor=Decimal("224.68"),
    income_allowance=Decimal(300),
    smic_share=Decimal("0.8"),
    smic_gross_monthly=Decimal("11.88") * Decimal("151.67"),
    age_min=16,
    age_max=25,
    age_max_rqth=29,
)
N, T1, ABOVE, UNKNOWN = (
    TaxSituation.NOT_TAXED,
    TaxSituation.FIRST_BRACKET,
    TaxSituation.ABOVE_FIRST_BRACKET,
    TaxSituation.UNKNOWN,
)
NOTHING, WORKING, STUDYING, TRAINING = (
    Activity.NOTHING,
    Activity.WORKING,
    Activity.STUDYING,
    Activity.TRAINING,
)


def age(birth: str) -> int:
    return age_on(date.fromisoformat(birth), TODAY)


CASES: list[tuple[str, Answers, Orientation, str | tuple[str, str] | None]] = [
    # the day before the 16th, 26th and 30th birthdays, and the birthdays themselves
    ("15: day before 16", Answers(age("2010-11-23"), NOTHING, tax=N), Orientation.SCHOOL, None),
    ("16 today", Answers(age("2010-11-22"), NOTHING, tax=N), Orientation.CEJ, "224.68"),
    ("25: day before 26", Answers(age("2000-11-23"), NOTHING, tax=N), Orientation.CEJ, "561.68"),
    ("26 today", Answers(age("2000-11-22"), NOTHING, tax=N), Orientation.FRANCE_TRAVAIL, None),
    ("26 with RQTH", Answers(26, NOTHING, rqth=True, tax=N), Orientation.CEJ, "561.68"),
    ("27 without RQTH", Answers(27, NOTHING, rqth=False, tax=N), Orientation.FRANCE_TRAVAIL, None),
    ("29 RQTH: day before 30", Answers(age("1996-11-23"), NOTHING, rqth=True, tax=N),
     Orientation.CEJ, "561.68"),
    ("30 RQTH today", Answers(age("1996-11-22"), NOTHING, rqth=True, tax=N),
     Orientation.FRANCE_TRAVAIL, None),
    # the amount by case
    ("17, not taxed: minor rate", Answers(17, NOTHING, tax=N), Orientation.CEJ, "224.68"),
    ("17, first bracket: minor rate", Answers(17, NOTHING, tax=T1), Orientation.CEJ, "224.68"),
    ("17, above first bracket", Answers(17, NOTHING, tax=ABOVE), Orientation.CEJ, "0.00"),
    ("19, not taxed: full rate", Answers(19, NOTHING, tax=N), Orientation.CEJ, "561.68"),
    ("19, first bracket", Answers(19, NOTHING, tax=T1), Orientation.CEJ, "337.00"),
    ("19, above first bracket", Answers(19, NOTHING, tax=ABOVE), Orientation.CEJ, "0.00"),
    ("19, tax unknown: a range", Answers(19, NOTHING, tax=UNKNOWN), Orientation.CEJ,
     ("0.00", "561.68")),
    ("17, tax unknown: a range", Answers(17, NOTHING, tax=UNKNOWN), Orientation.CEJ,
     ("0.00", "224.68")),
    # activity income: the 300 € allowance, then down to 0 at 80 % of the gross SMIC
    ("income exactly 300", Answers(19, WORKING, Contract.INTERIM, 8, tax=N,
     activity_income=Decimal(300)), Orientation.CEJ, "561.68"),
    ("income 301", Answers(19, WORKING, Contract.INTERIM, 8, tax=N,
     activity_income=Decimal(301)), Orientation.CEJ, "561.19"),
    ("income 800", Answers(19, WORKING, Contract.SHORT_CDD, 15, tax=N,
     activity_income=Decimal(800)), Orientation.CEJ, "315.65"),
    ("income 800, first bracket", Answers(19, WORKING, Contract.INTERIM, 15, tax=T1,
     activity_income=Decimal(800)), Orientation.CEJ, "189.38"),
    ("minor earning 400", Answers(17, WORKING, Contract.OTHER, 10, tax=N,
     activity_income=Decimal(400)), Orientation.CEJ, "205.00"),
    ("income at 80 % of SMIC", Answers(19, WORKING, Contract.INTERIM, 17, tax=N,
     activity_income=Decimal("1441.48")), Orientation.CEJ, "0.00"),
    ("income above 80 % of SMIC", Answers(19, WORKING, Contract.INTERIM, 17, tax=N,
     activity_income=Decimal(2000)), Orientation.CEJ, "0.00"),
    # already in studies, training or a sustainable job
    ("student", Answers(20, STUDYING, tax=N), Orientation.KEEP_STUDYING, None),
    ("in training", Answers(20, TRAINING, tax=N), Orientation.KEEP_STUDYING, None),
    ("17, at school", Answers(17, STUDYING, tax=N), Orientation.KEEP_STUDYING, None),
    ("CDI", Answers(20, WORKING, Contract.CDI, 35, tax=N), Orientation.PACEA, None),
    ("alternance", Answers(20, WORKING, Contract.ALTERNANCE, 35, tax=N), Orientation.PACEA, None),
    ("short CDD, 25 h a week", Answers(20, WORKING, Contract.SHORT_CDD, 25, tax=N),
     Orientation.PACEA, None),
    ("interim, 10 h a week", Answers(20, WORKING, Contract.INTERIM, 10, tax=N),
     Orientation.CEJ, "561.68"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "where", "amount"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_orientation_and_estimated_allowance(
    answers: Answers, where: Orientation, amount: str | tuple[str, str] | None
) -> None:
    outcome = assess(answers, RULES)

    assert outcome.orientation is where
    if amount is None:
        assert (outcome.allowance, outcome.allowance_range, outcome.applies_from) == (
            None,
            None,
            None,
        )
    elif isinstance(amount, tuple):
        assert outcome.allowance is None
        assert outcome.allowance_range == (Decimal(amount[0]), Decimal(amount[1]))
        assert outcome.applies_from == date(2025, 4, 1)
    else:
        assert outcome.allowance == Decimal(amount)
        assert outcome.applies_from == date(2025, 4, 1)


def test_minors_are_reminded_of_the_training_obligation() -> None:
    assert assess(Answers(16, NOTHING, tax=N), RULES).training_obligation
    assert assess(Answers(17, STUDYING), RULES).training_obligation
    assert not assess(Answers(18, NOTHING, tax=N), RULES).training_obligation
    assert not assess(Answers(15, NOTHING), RULES).training_obligation


@pytest.mark.parametrize(
    ("birth", "expected"),
    [("2007-11-22", 19), ("2007-11-23", 18), ("2008-02-29", 18), ("2007-01-01", 19)],
)
def test_age_in_whole_years(birth: str, expected: int) -> None:
    assert age(birth) == expected

"""Which scheme probably fits, and the estimated monthly CEJ allowance (pure; no Rasa, no I/O).

The figures come in as `CejParameters`, loaded from openfisca-france for the current date (the
state's open rules model), never written here. The allowance follows openfisca-france's
`contrat_engagement_jeune` formula (code du travail D5131-19 and D5131-23): the flat amount for
the case, reduced by activity income above the allowance (300 €) down to zero at 80 % of the
gross monthly SMIC. Everything here is an estimate a counsellor confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.core.vocabulary import Orientation
from bot.eligibility.free_text import TaxSituation

CENT = Decimal("0.01")
ADULT_AGE = 18


class Activity(StrEnum):
    STUDYING = "studying"
    TRAINING = "training"
    WORKING = "working"
    NOTHING = "nothing"


class Contract(StrEnum):
    """Sustainable jobs (CDI, CDD of 6 months or more, alternance) rarely go with a CEJ [S8]."""

    CDI = "cdi"
    LONG_CDD = "cdd_6_months_or_more"
    ALTERNANCE = "alternance"
    SHORT_CDD = "cdd_under_6_months"
    INTERIM = "interim"
    OTHER = "other"


SUSTAINABLE = frozenset({Contract.CDI, Contract.LONG_CDD, Contract.ALTERNANCE})
HALF_TIME_HOURS = 17.5  # beyond about a half-time job the 15-20 h/week CEJ is hard to follow [S16]


@dataclass(frozen=True, slots=True)
class CejParameters:
    """The rules' figures at one date (from openfisca-france)."""

    applies_from: date
    adult_not_taxed: Decimal
    adult_first_bracket: Decimal
    minor: Decimal
    income_allowance: Decimal
    smic_share: Decimal
    smic_gross_monthly: Decimal
    age_min: int
    age_max: int
    age_max_rqth: int


@dataclass(frozen=True, slots=True)
class Answers:
    age: int
    activity: Activity
    contract: Contract | None = None
    weekly_hours: float | None = None
    rqth: bool | None = None
    tax: TaxSituation = TaxSituation.UNKNOWN
    activity_income: Decimal | None = None  # net € per month


@dataclass(frozen=True, slots=True)
class Outcome:
    orientation: Orientation
    # Estimated monthly CEJ allowance: one value, or (lowest, highest) when the tax situation is
    # unknown; None when the orientation is not the CEJ.
    allowance: Decimal | None
    allowance_range: tuple[Decimal, Decimal] | None
    applies_from: date | None
    training_obligation: bool  # 16-17 year olds: the « obligation de formation »


def age_on(birth: date, today: date) -> int:
    """Age in whole years (« révolus ») on a day."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def orientation(answers: Answers, rules: CejParameters) -> Orientation:
    if answers.age < rules.age_min:
        return Orientation.SCHOOL
    if answers.activity in (Activity.STUDYING, Activity.TRAINING):
        return Orientation.KEEP_STUDYING
    if answers.age > rules.age_max and not (answers.rqth and answers.age <= rules.age_max_rqth):
        return Orientation.FRANCE_TRAVAIL
    if answers.activity is Activity.WORKING and (
        answers.contract in SUSTAINABLE
        or (answers.weekly_hours is not None and answers.weekly_hours > HALF_TIME_HOURS)
    ):
        return Orientation.PACEA
    return Orientation.CEJ


def flat_amount(age: int, tax: TaxSituation, rules: CejParameters) -> Decimal:
    """The monthly amount before any income is deducted (D5131-19)."""
    if tax is TaxSituation.ABOVE_FIRST_BRACKET:
        return Decimal(0)
    if age < ADULT_AGE:
        return rules.minor
    return rules.adult_not_taxed if tax is TaxSituation.NOT_TAXED else rules.adult_first_bracket


def reduced(amount: Decimal, income: Decimal | None, rules: CejParameters) -> Decimal:
    """Activity income above the allowance reduces the amount linearly, to 0 at 80 % of the SMIC."""
    excess = max((income or Decimal(0)) - rules.income_allowance, Decimal(0))
    span = rules.smic_share * rules.smic_gross_monthly - rules.income_allowance
    value = max(amount - excess * amount / span, Decimal(0))
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def assess(answers: Answers, rules: CejParameters) -> Outcome:
    where = orientation(answers, rules)
    minor_obligation = answers.age < ADULT_AGE and answers.age >= rules.age_min
    if where is not Orientation.CEJ:
        return Outcome(where, None, None, None, minor_obligation)
    if answers.tax is TaxSituation.UNKNOWN:
        cases = [
            flat_amount(answers.age, tax, rules)
            for tax in (TaxSituation.NOT_TAXED, TaxSituation.FIRST_BRACKET,
                        TaxSituation.ABOVE_FIRST_BRACKET)
        ]  # fmt: skip
        values = [reduced(a, answers.activity_income, rules) for a in cases]
        return Outcome(
            where, None, (min(values), max(values)), rules.applies_from, minor_obligation
        )
    amount = reduced(flat_amount(answers.age, answers.tax, rules), answers.activity_income, rules)
    return Outcome(where, amount, None, rules.applies_from, minor_obligation)

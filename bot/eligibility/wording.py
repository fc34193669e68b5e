"""Word the questionnaire's outcome for the young person: what probably fits, the estimated
allowance with the date it applies from, next steps, and always the offer of an appointment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.content.texts import reply_text
from bot.core.french_dates import date_with_year
from bot.core.vocabulary import Orientation
from bot.eligibility.free_text import TaxSituation
from bot.eligibility.outcome import (
    ADULT_AGE,
    Activity,
    Answers,
    CejParameters,
    Outcome,
)
from bot.eligibility.situation import FollowedBy
from bot.rasa.payloads import payload as rasa_payload


@dataclass(frozen=True, slots=True)
class SiteLine:
    mission_locale: str
    site_name: str
    address: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (title, payload)


def euros(amount: Decimal) -> str:
    """561.68 → « 561,68 »; whole amounts without decimals (« 300 »)."""
    if amount == amount.to_integral_value():
        return f"{int(amount)}"
    return f"{amount:.2f}".replace(".", ",")


def french_date(day: date) -> str:
    return date_with_year(day)


def _t(key: str, **values: object) -> str:
    return reply_text("eligibility", key, **{k: str(v) for k, v in values.items()})


def _amount_lines(outcome: Outcome, answers: Answers, rules: CejParameters) -> list[str]:
    applies_from = french_date(outcome.applies_from or rules.applies_from)
    if outcome.allowance_range is not None:
        low, high = outcome.allowance_range
        return [_t("amount_range", low=euros(low), high=euros(high), applies_from=applies_from)]
    amount = outcome.allowance or Decimal(0)
    income = answers.activity_income
    if amount == 0:
        if answers.tax is TaxSituation.ABOVE_FIRST_BRACKET:
            return [_t("amount_none_tax")]
        return [_t("amount_none_income", income=euros(income or Decimal(0)))]
    minor = f" {_t('amount_minor')}" if answers.age < ADULT_AGE else ""
    lines = [_t("amount", amount=euros(amount), minor=minor, applies_from=applies_from)]
    allowance = euros(rules.income_allowance)
    if income is not None and income > rules.income_allowance:
        lines.append(_t("income_reduces", income=euros(income), allowance=allowance))
    elif income is None and answers.activity is Activity.WORKING:
        lines.append(_t("income_unknown", allowance=allowance))
    return lines


def _headline(outcome: Outcome, answers: Answers, rules: CejParameters) -> list[str]:
    where = outcome.orientation
    if where is Orientation.SCHOOL:
        return [_t("school", age_min=rules.age_min)]
    if where is Orientation.KEEP_STUDYING:
        place = "where_studying" if answers.activity is Activity.STUDYING else "where_training"
        return [_t("keep_studying", where=_t(place))]
    if where is Orientation.FRANCE_TRAVAIL:
        lines = [_t("france_travail", age=answers.age, age_max=rules.age_max,
                    age_max_rqth=rules.age_max_rqth)]  # fmt: skip
        if answers.age <= rules.age_max_rqth and answers.rqth is not True:
            lines.append(_t("rqth_unknown", age_max_rqth=rules.age_max_rqth))
        return lines
    if where is Orientation.PACEA:
        return [_t("pacea")]
    return [_t("cej"), *_amount_lines(outcome, answers, rules)]


def compose(
    outcome: Outcome,
    answers: Answers,
    rules: CejParameters,
    followed_by: str | None,
    site: SiteLine | None,
    town_given: bool,
) -> list[Reply]:
    """Two short messages: the outcome, then next steps ending with the appointment offer."""
    first = _headline(outcome, answers, rules)
    if outcome.training_obligation and outcome.orientation in (Orientation.CEJ, Orientation.PACEA):
        first.append(_t("training_obligation"))
    steps: list[str] = []
    if outcome.orientation in (Orientation.CEJ, Orientation.PACEA):
        if followed_by in (FollowedBy.MISSION_LOCALE, FollowedBy.BOTH):
            steps.append(_t("already_followed"))
        if followed_by not in (FollowedBy.FRANCE_TRAVAIL, FollowedBy.BOTH):
            steps.append(_t("register"))
    if outcome.orientation in (Orientation.SCHOOL, Orientation.FRANCE_TRAVAIL):
        pass  # not the Mission Locale's public (yet, or any more)
    elif site is not None:
        steps.append(_t("site" if town_given else "main_site", mission_locale=site.mission_locale,
                        site_name=site.site_name, address=site.address))  # fmt: skip
    elif town_given:
        steps.append(_t("no_site"))
    steps += [_t("estimate"), _t("offer")]
    buttons = (
        (_t("button_book"), rasa_payload("book_appointment")),
        (_t("button_human"), rasa_payload("request_human")),
        (_t("button_again"), rasa_payload("check_eligibility")),
    )
    return [Reply("\n".join(first)), Reply("\n".join(steps), buttons)]

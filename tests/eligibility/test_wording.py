"""The outcome's wording: an estimate with its date, next steps, and always an appointment offer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.eligibility.free_text import TaxSituation
from bot.eligibility.outcome import Activity, Answers, Contract, assess
from bot.eligibility.wording import SiteLine, compose, euros, french_date
from tests.eligibility.test_outcome import RULES

SITE = SiteLine("Mission Locale de test", "Antenne", "1 rue A, 69001 Lyon")
BOOK = ("Prendre rendez-vous", "/book_appointment")


def words(answers: Answers, followed: str | None = "none", town_given: bool = True) -> str:
    replies = compose(assess(answers, RULES), answers, RULES, followed, SITE, town_given)
    assert BOOK in replies[-1].buttons  # every outcome ends with the appointment offer
    assert "estimation" in replies[-1].text
    return "\n".join(r.text for r in replies)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("561.68"), "561,68"), (Decimal("337.0"), "337"), (Decimal(300), "300"),
     (Decimal("0.5"), "0,50")],
)  # fmt: skip
def test_amounts_are_written_the_french_way(value: Decimal, expected: str) -> None:
    assert euros(value) == expected


def test_dates_are_written_the_french_way() -> None:
    assert french_date(date(2025, 4, 1)) == "1er avril 2025"
    assert french_date(date(2026, 8, 15)) == "15 août 2026"


def test_the_cej_outcome_gives_the_amount_and_the_date_it_applies_from() -> None:
    text = words(Answers(19, Activity.NOTHING, tax=TaxSituation.NOT_TAXED))

    assert "probablement le CEJ" in text
    assert "environ 561,68 € par mois" in text
    assert "en vigueur depuis le 1er avril 2025" in text
    assert "inscrit·e à France Travail" in text
    assert "Près de chez toi : Mission Locale de test — Antenne, 1 rue A, 69001 Lyon." in text


def test_a_minor_gets_the_minor_rate_and_the_training_obligation() -> None:
    text = words(Answers(17, Activity.NOTHING, tax=TaxSituation.FIRST_BRACKET))

    assert "224,68 € par mois (montant des moins de 18 ans)" in text
    assert "Entre 16 et 18 ans" in text


def test_income_above_the_allowance_is_explained() -> None:
    answers = Answers(22, Activity.WORKING, Contract.SHORT_CDD, 15, tax=TaxSituation.NOT_TAXED,
                      activity_income=Decimal(800))  # fmt: skip

    text = words(answers, followed="france_travail")

    assert "Ton salaire (800 € par mois) fait baisser le montant" in text
    assert "au-delà de 300 € net par mois" in text
    assert "inscrit·e à France Travail" not in text  # already registered


def test_no_allowance_above_the_first_bracket_but_support_is_still_offered() -> None:
    text = words(Answers(20, Activity.NOTHING, tax=TaxSituation.ABOVE_FIRST_BRACKET))

    assert "pas d'allocation" in text
    assert "L'accompagnement du CEJ reste possible" in text


def test_unknown_tax_situation_gives_a_range() -> None:
    text = words(Answers(20, Activity.NOTHING, tax=TaxSituation.UNKNOWN))

    assert "entre 0 et 561,68 € par mois selon les impôts de ton foyer" in text


def test_over_the_age_limit_points_to_france_travail_and_mentions_the_rqth() -> None:
    text = words(Answers(27, Activity.NOTHING, rqth=False))

    assert "À 27 ans" in text
    assert "France Travail" in text
    assert "jusqu'à 29 ans" in text
    assert "€ par mois" not in text
    assert "Près de chez toi" not in text


def test_someone_followed_by_a_mission_locale_is_sent_to_their_counsellor() -> None:
    text = words(Answers(19, Activity.NOTHING, tax=TaxSituation.NOT_TAXED), followed="both")

    assert "parles-en directement à ton conseiller" in text


def test_no_known_site_nearby_points_to_the_national_directory() -> None:
    answers = Answers(19, Activity.STUDYING)
    replies = compose(assess(answers, RULES), answers, RULES, None, None, town_given=True)

    assert "unml.info/les-missions-locales/annuaire/" in replies[-1].text
    assert "en études" in replies[0].text


def test_without_a_town_the_site_is_not_said_to_be_near() -> None:
    text = words(Answers(19, Activity.NOTHING, tax=TaxSituation.NOT_TAXED), town_given=False)

    assert "Près de chez toi" not in text
    assert "La Mission Locale : Mission Locale de test" in text


def test_under_sixteen_is_pointed_to_school() -> None:
    text = words(Answers(15, Activity.NOTHING))

    assert "l'école est obligatoire" in text
    assert "€" not in text

"""Ages and birth years typed the way young people type them."""

from __future__ import annotations

from datetime import date

import pytest

from bot.eligibility.free_text import (
    AgeAnswer,
    DontKnow,
    MonthlyAmount,
    StatedAge,
    StatedBirthYear,
    TaxSituation,
    parse_age,
    parse_monthly_amount,
    parse_tax_situation,
    parse_yes_no,
    wants_to_stop,
    words_to_number,
)

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("19", StatedAge(19)),
        ("j'ai 19 ans", StatedAge(19)),
        ("jai 19ans", StatedAge(19)),
        ("19 ans et demi", StatedAge(19)),
        ("dix-neuf", StatedAge(19)),
        ("dix neuf ans", StatedAge(19)),
        ("dixneuf", StatedAge(19)),
        ("j'ai dis-sept ans", StatedAge(17)),  # dictation slip
        ("vingt et un", StatedAge(21)),
        ("vingt-deux ans", StatedAge(22)),
        ("vint cinq", StatedAge(25)),
        ("seize", StatedAge(16)),
        ("non en fait j'ai 20 ans", StatedAge(20)),
        ("2006", StatedBirthYear(2006)),
        ("chui né en 2008", StatedBirthYear(2008)),
        ("née le 12/03/2007", StatedBirthYear(2007)),
        ("ché pas", DontKnow()),
        ("jsp", DontKnow()),
        ("je sais plus", DontKnow()),
        ("aucune idée", DontKnow()),
        ("bof", None),
        ("", None),
    ],
)
def test_ages_are_read_from_free_text(text: str, expected: AgeAnswer | None) -> None:
    assert parse_age(text, TODAY) == expected


def test_a_future_year_is_not_a_birth_year() -> None:
    assert parse_age("2031", TODAY) != StatedBirthYear(2031)


def test_a_birth_year_leaves_two_possible_ages() -> None:
    assert StatedBirthYear(2007).possible_ages(TODAY) == (18, 19)


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("dix sept", 17),
        ("soixante dix", 70),
        ("soixante douze", 72),
        ("trente et un", 31),
        ("quarante", 40),
        ("dix vingt", None),
        ("et", None),
    ],
)
def test_number_words(words: str, value: int | None) -> None:
    assert words_to_number(words.split()) == value


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("stop", True),
        ("Laisse tomber", True),
        ("bon laisse tomber", True),
        ("stop je veux plus recevoir vos messages", False),  # unsubscribing, not the form
        ("19", False),
    ],
)
def test_stopping_the_questionnaire(text: str, stop: bool) -> None:
    assert wants_to_stop(text) is stop


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oui", True),
        ("ouais grave", True),
        ("Oui, j'ai une RQTH", True),
        ("nan", False),
        ("non pas encore", False),
        ("jsp", DontKnow()),
        ("peut-être", None),
    ],
)
def test_yes_no(text: str, expected: bool | DontKnow | None) -> None:
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "euros"),
    [
        ("800", 800),
        ("800 €", 800),
        ("800 balles par mois", 800),
        ("1 200 euros", 1200),
        ("1200€", 1200),
        ("1,2k", 1200),
        ("2k", 2000),
        ("rien", 0),
        ("je gagne rien", 0),
        ("ché pas", "dont_know"),
        ("un peu", None),
    ],
)
def test_monthly_amounts(text: str, euros: int | str | None) -> None:
    result = parse_monthly_amount(text)
    if euros == "dont_know":
        assert result == DontKnow()
    else:
        assert result == (MonthlyAmount(euros) if isinstance(euros, int) else None)


@pytest.mark.parametrize(
    ("text", "situation"),
    [
        ("non imposable", TaxSituation.NOT_TAXED),
        ("mes parents paient pas d'impôts", TaxSituation.NOT_TAXED),
        ("1ère tranche seulement", TaxSituation.FIRST_BRACKET),
        ("ils paient un peu d'impots", TaxSituation.FIRST_BRACKET),
        ("au-dessus", TaxSituation.ABOVE_FIRST_BRACKET),
        ("je sais pas", TaxSituation.UNKNOWN),
        ("euh", None),
    ],
)
def test_tax_situation(text: str, situation: TaxSituation | None) -> None:
    assert parse_tax_situation(text) == situation

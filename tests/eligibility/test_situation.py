"""The situation (activity, contract, hours, follow-up, town) typed the way young people type it."""

from __future__ import annotations

import pytest

from bot.eligibility.free_text import DontKnow
from bot.eligibility.outcome import Activity, Contract
from bot.eligibility.situation import (
    FollowedBy,
    Town,
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nothing", Activity.NOTHING),  # the buttons
        ("jfai rien", Activity.NOTHING),
        ("au chomdu", Activity.NOTHING),
        ("jai pas de taf", Activity.NOTHING),  # a job word, denied
        ("je cherche une alternance", Activity.NOTHING),  # sought, not had
        ("j'ai arrêté le lycée en première", Activity.NOTHING),  # left, not attended
        ("jsuis en formation", Activity.TRAINING),
        ("a la fac", Activity.STUDYING),
        ("en bts", Activity.STUDYING),
        ("je suis en terminale et je cherche un job", Activity.STUDYING),
        ("je taf en interim", Activity.WORKING),
        ("jtaf chez carrefour", Activity.WORKING),
        ("jai arrete lecole et je bosse", Activity.WORKING),
        ("j'ai décroché un cdi", Activity.WORKING),
        ("inscrit a pole emploi", None),  # « emploi » here is no job
        ("j'ai mon bac", None),  # a diploma, not studies now
        ("c quoi le cej", None),
        ("jsp", None),
    ],
)
def test_activity(text: str, expected: Activity | None) -> None:
    assert parse_activity(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cdd_6_months_or_more", Contract.LONG_CDD),  # the buttons
        ("cdd_under_6_months", Contract.SHORT_CDD),
        ("en cdi", Contract.CDI),
        ("cdd 6mois", Contract.LONG_CDD),
        ("cdd d'1 an", Contract.LONG_CDD),
        ("cdd de 3 mois", Contract.SHORT_CDD),
        ("c pas un cdi c un cdd de 3 mois", Contract.SHORT_CDD),
        ("je suis interimaire", Contract.INTERIM),
        ("contrat pro", Contract.ALTERNANCE),
        ("autoentrepreneur", Contract.OTHER),
        ("c quoi un cdd", None),
        ("jsp", None),
    ],
)
def test_contract(text: str, expected: Contract | None) -> None:
    assert parse_contract(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20", 20.0),
        ("je bosse 20h par semaine", 20.0),
        ("17h30", 17.5),
        ("je fais vingt heures", 20.0),
        ("mi-temps", 17.5),
        ("temps plein", 35.0),
        ("ché pas", DontKnow()),
        ("15-20h", DontKnow()),  # a range is hours that vary
        ("2 jours par semaine", None),  # days, not hours
        ("7h par jour", None),
        ("80h", None),
        ("beaucoup", None),
    ],
)
def test_weekly_hours(text: str, expected: float | DontKnow | None) -> None:
    assert parse_weekly_hours(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("france_travail", FollowedBy.FRANCE_TRAVAIL),  # the buttons
        ("pole emploi", FollowedBy.FRANCE_TRAVAIL),
        ("j'ai un conseiller pole emploi", FollowedBy.FRANCE_TRAVAIL),
        ("la mission locale", FollowedBy.MISSION_LOCALE),
        ("les 2", FollowedBy.BOTH),
        ("pas les deux juste la mission locale", FollowedBy.MISSION_LOCALE),
        ("nan pas encore", FollowedBy.NONE),
        ("ni lun ni lautre", FollowedBy.NONE),
        ("chais pas", DontKnow()),
        ("oui", None),  # yes, but which one
        ("j'ai une conseillère", None),  # both have counsellors
        ("c quoi la mission locale", None),
    ],
)
def test_followed_by(text: str, expected: FollowedBy | DontKnow | None) -> None:
    assert parse_followed_by(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("69001", Town("69001", None)),
        ("j'habite a Vaulx-en-Velin", Town(None, "vaulx en velin")),
        ("jsuis a toulouse", Town(None, "toulouse")),
        ("a cote de Grenoble", Town(None, "grenoble")),
        ("13001 marseille", Town("13001", "marseille")),
        ("97200 fort de france", Town("97200", "fort de france")),
        ("2A004", Town("2A004", None)),
        ("paris 15e", Town("75015", "paris")),
        ("lyon 12", None),  # Lyon has 9 arrondissements
        ("dans le 93", None),  # a department, not a town
        ("c quoi le cej", None),
        ("je sais pas trop", None),
        ("je prefere pas dire", None),
        ("mdr", None),
    ],
)
def test_town(text: str, expected: Town | None) -> None:
    assert parse_town(text) == expected


@pytest.mark.parametrize(
    ("town", "department", "label"),
    [
        (Town("97200", "fort de france"), "972", "97200 fort de france"),
        (Town("2A004", None), "2A", "2A004"),
        (Town(None, "lyon"), None, "lyon"),
    ],
)
def test_town_department_and_label(town: Town, department: str | None, label: str) -> None:
    assert (town.department, town.label()) == (department, label)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je prefere pas dire", True),
        ("jpréfère pas", True),
        ("ça te regarde pas", True),
        ("je sais pas", False),  # not knowing is not refusing
    ],
)
def test_declines(text: str, expected: bool) -> None:
    assert declines(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("non en fait j'ai 20 ans", True),
        ("enfaite je bosse", True),
        ("nn jai 19 ans", True),
        ("dsl je me suis gouré", True),
        ("non", False),
    ],
)
def test_sounds_like_correction(text: str, expected: bool) -> None:
    assert sounds_like_correction(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jai 19ans", True),
        ("18 piges", True),
        ("chui né en 2006", True),
        ("ca fait 2 ans que je cherche", False),
        ("20h", False),
    ],
)
def test_mentions_age(text: str, expected: bool) -> None:
    assert mentions_age(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("800 balles", True),
        ("1,2k", True),
        ("je touche le smic", True),
        ("800", False),  # a bare number could be anything
        ("20 ans", False),
    ],
)
def test_mentions_money(text: str, expected: bool) -> None:
    assert mentions_money(text) is expected

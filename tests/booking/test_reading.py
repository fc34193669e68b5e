"""Reading a booking answer: a slot picked in words (with filler words, never in a sentence
about something else), « oui », a remark about the counsellor, « c'est où ? », a skipped first
name."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.booking.reading import (
    Offered,
    asks_where,
    parse_first_name,
    pick,
    says_yes,
    skips_name,
    wants_more,
    wants_other_counsellor,
)

OFFERED = [
    Offered("a", datetime(2026, 11, 23, 14, 45)),
    Offered("b", datetime(2026, 11, 23, 15, 30)),
    Offered("c", datetime(2026, 11, 24, 9, 0)),
    Offered("d", datetime(2026, 11, 24, 14, 0)),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("le 2eme", "b"),
        ("oui le premier", "a"),
        ("ok ça me va le premier", "a"),
        ("le premier c bon", "a"),
        ("go le premier", "a"),
        ("le 2eme stp", "b"),
        ("je prends le 3", "c"),
        ("le dernier", "d"),
        ("lundi 15h30 stp", "b"),
        ("mardi 9h", "c"),
        ("15:30", "b"),
        # dev conversations d_one / d_two (#8)
        ("le premier creneau dispo", "a"),
        ("ok le premier ki est proposé", "a"),
        ("le plus tôt possible", "a"),
    ],
)
def test_a_pick_in_words(text: str, code: str) -> None:
    assert pick(text, OFFERED) == code


@pytest.mark.parametrize(
    "text",
    [
        "j'ai 2 enfants",
        "c'est mon premier rdv",
        "le 1 ou le 2",
        "après 14h",  # a wish, even though a slot starts at 14h
        "pas avant 9h",
        "le 7",
        "non pas le premier",
    ],
)
def test_no_pick_in_these(text: str) -> None:
    assert pick(text, OFFERED) is None


@pytest.mark.parametrize("text", ["oui", "oui c'est parfait", "ok valide", "oui je confirme"])
def test_oui_takes_the_first_slot_the_list_proposes(text: str) -> None:
    assert pick(text, OFFERED) == "a"


def test_oui_picks_the_only_slot_shown() -> None:
    assert pick("oui", OFFERED[:1]) == "a"
    assert pick("ok ça me va", OFFERED[:1]) == "a"
    assert says_yes("ouais ok")
    assert not says_yes("merci")


def test_apres_alone_asks_for_more_but_not_after_an_hour() -> None:
    assert wants_more("et apres ?")
    assert wants_more("t'as pas d'autres creneaux")
    assert not wants_more("n'importe quel jour apres 14h")
    assert not wants_more("apres midi")


@pytest.mark.parametrize(
    ("text", "other"),
    [
        ("ça s'est mal passé avec elle", True),
        ("ça s'est mal passé avec lui", True),
        ("pas la même personne stp", True),
        ("pas avec la même conseillère", True),
        ("je veux une autre personne", True),
        ("pas cette semaine", False),
        ("ça s'est mal passé avec le bus", False),
    ],
)
def test_another_counsellor(text: str, other: bool) -> None:
    assert wants_other_counsellor(text) is other


def test_where() -> None:
    assert asks_where("c'est où le rdv ?")
    assert asks_where("c'est où ?")
    assert asks_where("ça se passe où")
    assert not asks_where("le 1 ou le 2")


@pytest.mark.parametrize("text", ["non", "Non merci", "passer", "pas envie", "merci", "stop"])
def test_a_skipped_first_name(text: str) -> None:
    assert skips_name(text)
    assert parse_first_name(text) is None


def test_a_first_name_is_no_skip() -> None:
    assert not skips_name("Sarah")
    assert parse_first_name("moi c sarah") == "Sarah"


@pytest.mark.parametrize("text", ["c ou deja ?", "c'est où déjà", "c quand ?"])
def test_a_question_is_no_first_name(text: str) -> None:
    # « c ou deja ? » after booking was saved as « Ou Deja » (dev conversations, #8).
    assert parse_first_name(text) is None

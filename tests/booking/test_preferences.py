"""Wishes read from young people's words: days, parts of the day, hours; how a newer wish
updates an older one; the slot value of older versions still reads."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.booking.preferences import DayPart, Preference, preference_in, says_any_day

MONDAY = 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("je veux un rdv jeudi", Preference(weekday=3)),
        ("rdv mardi matin", Preference(weekday=1, part=DayPart.MORNING)),
        ("je voudrais prendre rendez-vous lundi après-midi", Preference(0, DayPart.AFTERNOON)),
        ("jpeux venir mercredi vers 16h?", Preference(weekday=2, earliest=900, before=1020)),
        ("je veux voir qqn mais que le vendredi", Preference(weekday=4)),
        ("pas avant 10h stp", Preference(earliest=600)),
        ("après 14h", Preference(earliest=840)),
        ("apres 14 h 30", Preference(earliest=870)),
        ("dès 9h", Preference(earliest=540)),
        ("à partir de 15h", Preference(earliest=900)),
        ("n'importe quel jour apres 14h", Preference(earliest=840)),
        ("avant 11h", Preference(before=660)),
        ("pas après 16h", Preference(before=960)),
        ("jusqu'à 16h30", Preference(before=990)),
        ("vers 16h", Preference(earliest=900, before=1020)),
        ("entre 10h et 12h", Preference(earliest=600, before=720)),
        ("entre 14 et 16h", Preference(earliest=840, before=960)),
        ("entre midi et deux", Preference(earliest=720, before=840)),
        ("en fin de journée", Preference(earliest=960)),
        ("après les cours", Preference(earliest=960)),
        ("l'aprem après 15h", Preference(earliest=900)),
        ("après 2h", Preference(earliest=840)),  # nobody meets at 2 in the night
        ("plutot mardi aprem", Preference(weekday=1, part=DayPart.AFTERNOON)),
        ("pas le matin jsuis au taf", Preference(part=DayPart.AFTERNOON)),
        ("pas lundi, plutôt jeudi", Preference(weekday=3)),
    ],
)
def test_wishes_are_read_as_young_people_write_them(text: str, expected: Preference) -> None:
    assert preference_in(text) == expected


@pytest.mark.parametrize(
    "text", ["je veux un rdv", "j'ai 2 enfants", "le 2eme", "14h", "et apres ?", "rdv stp"]
)
def test_no_wish_in_these(text: str) -> None:
    assert preference_in(text) is None


def test_the_weekday_of_the_appointment_being_moved_is_no_wish() -> None:
    assert preference_in("decale mon rdv de lundi a jeudi", MONDAY) == Preference(weekday=3)
    assert preference_in("on peut décaler mon rdv de lundi ?", MONDAY) is None


def test_any_day() -> None:
    assert says_any_day("n'importe quel jour apres 14h")
    assert says_any_day("peu importe quand")
    assert not says_any_day("jeudi apres 14h")


@pytest.mark.parametrize(
    ("wish", "hour", "minute", "accepted"),
    [
        (Preference(earliest=600), 9, 45, False),
        (Preference(earliest=600), 10, 0, True),
        (Preference(before=660), 10, 45, True),
        (Preference(before=660), 11, 0, False),
        (Preference(earliest=900, before=1020), 16, 15, True),
        (Preference(earliest=900, before=1020), 17, 0, False),
        (Preference(part=DayPart.MORNING, earliest=600), 10, 30, True),
        (Preference(part=DayPart.MORNING, earliest=600), 14, 0, False),
    ],
)
def test_hours_bound_the_slots(wish: Preference, hour: int, minute: int, accepted: bool) -> None:
    assert wish.accepts(datetime(2026, 11, 24, hour, minute)) is accepted


def test_a_newer_wish_replaces_the_day_or_the_time_of_day_it_names() -> None:
    tuesday_morning = Preference(weekday=1, part=DayPart.MORNING)

    assert tuesday_morning.then(Preference(earliest=840)) == Preference(weekday=1, earliest=840)
    assert tuesday_morning.then(Preference(weekday=3)) == Preference(3, DayPart.MORNING)
    assert tuesday_morning.then(Preference(earliest=840), any_day=True) == Preference(earliest=840)


def test_the_slot_value_round_trips_and_older_values_still_read() -> None:
    wish = Preference(weekday=2, part=None, earliest=900, before=1020)

    assert Preference.from_slot(wish.as_slot()) == wish
    assert Preference.from_slot({"weekday": 1, "part": "afternoon"}) == Preference(
        1, DayPart.AFTERNOON
    )
    assert Preference.from_slot({"weekday": 9, "earliest": -5, "before": True}) is None
    assert Preference.from_slot("mardi") is None

"""The rules of a campaign (#11): the audience filters as staff send them, each platform's
limits, and a send time that is not past and not in the quiet hours (the next time proposed)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.campaigns.audience import AudienceRefused, parse_audience, shown_count
from bot.campaigns.composition import CompositionRefused, checked_send_at, parse_composition
from bot.core.vocabulary import Orientation

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris, 05:00 in Martinique
QUIET = (time(21, 0), time(8, 0))


def test_an_empty_audience_is_everyone_who_said_yes_and_filters_narrow_it() -> None:
    assert parse_audience({}).json() == {}
    audience = parse_audience(
        {"department": "972", "age_band": "18-21", "outcome": "cej", "active_days": 90,
         "appointment": False, "source": "Affiche-Gare"}
    )  # fmt: skip
    assert audience.outcome is Orientation.CEJ
    assert audience.json()["source"] == "affiche-gare"


@pytest.mark.parametrize(
    "raw",
    [
        {"age": 17},
        {"age_band": "12-15"},
        {"active_days": 3},
        {"department": "paris"},
        {"appointment": "oui"},
        {"outcome": "chomage"},
        [],
    ],
)
def test_a_filter_that_cannot_be_read_is_refused_in_french(raw: object) -> None:
    with pytest.raises(AudienceRefused):
        parse_audience(raw)


def test_small_groups_are_not_shown_exactly() -> None:
    assert [shown_count(n) for n in (0, 4, 5, 120)] == ["moins de 5", "moins de 5", "5", "120"]


def _compose(text: str, targets: list[str], *, image: bool = False) -> None:
    parse_composition({"title": "Infos", "text": text, "targets": targets}, has_image=image)


def test_each_platforms_limits() -> None:
    _compose("x" * 4096, ["telegram_dm"])
    _compose("x" * 2200 + "", ["instagram_feed"], image=True)
    _compose(" ".join(f"#tag{i}" for i in range(30)), ["instagram_feed"], image=True)
    refusals = [
        ("x" * 4097, ["telegram_dm"], False, "4096"),
        ("x" * 1025, ["telegram_channel"], True, "légende de 1024"),
        ("x" * 2201, ["instagram_feed"], True, "2200"),
        (" ".join(f"#t{i}" for i in range(31)), ["instagram_feed"], True, "30 hashtags"),
        ("Bonjour", ["instagram_feed"], False, "image"),
        ("Bonjour", ["fax"], False, "Destination inconnue"),
        ("Bonjour", [], False, "au moins une destination"),
        ("   ", ["webchat"], False, "vide"),
    ]
    for text, targets, image, words in refusals:
        with pytest.raises(CompositionRefused, match=words):
            _compose(text, targets, image=image)


def test_buttons_are_the_bots_own_or_https_links() -> None:
    ok = parse_composition(
        {"title": "t", "text": "x", "targets": ["webchat"],
         "buttons": [{"kind": "book", "title": "Rendez-vous"},
                     {"kind": "link", "title": "Le site", "url": "https://ml.example/agenda"}]},
        has_image=False,
    )  # fmt: skip
    assert [b.kind for b in ok.buttons] == ["book", "link"]
    for button in ({"kind": "link", "title": "x", "url": "http://ml.example"},
                   {"kind": "call", "title": "x"}, {"kind": "book", "title": ""}):  # fmt: skip
        with pytest.raises(CompositionRefused):
            parse_composition(
                {"title": "t", "text": "x", "targets": ["webchat"], "buttons": [button]},
                has_image=False,
            )


def test_the_send_time_is_now_or_later_and_never_in_the_quiet_hours_of_the_site() -> None:
    assert checked_send_at(None, NOW, "Europe/Paris", QUIET) == NOW
    later = checked_send_at("2026-12-01T14:00:00+01:00", NOW, "Europe/Paris", QUIET)
    assert later == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    with pytest.raises(CompositionRefused, match="passée"):
        checked_send_at("2026-11-30T14:00:00+01:00", NOW, "Europe/Paris", QUIET)
    with pytest.raises(CompositionRefused, match="fuseau"):
        checked_send_at("2026-12-01T14:00:00", NOW, "Europe/Paris", QUIET)
    with pytest.raises(CompositionRefused, match="02/12/2026 à 08:00"):
        checked_send_at("2026-12-01T22:30:00+01:00", NOW, "Europe/Paris", QUIET)
    # Now is 05:00 in Martinique: quiet there, not in Paris.
    with pytest.raises(CompositionRefused, match="01/12/2026 à 08:00"):
        checked_send_at(None, NOW, "America/Martinique", QUIET)

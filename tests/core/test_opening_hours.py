"""Opening hours in French, in the site's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.opening_hours import Period, format_time, status_now, weekly_schedule

WEEK = [
    Period(0, time(9), time(12, 30)),
    Period(0, time(13, 30), time(17, 30)),
    Period(3, time(13, 30), time(17, 30)),
    Period(4, time(9), time(12)),
]


def test_times_in_french_style() -> None:
    assert (format_time(time(9)), format_time(time(12, 30))) == ("9h", "12h30")


def test_weekly_schedule_groups_closed_days() -> None:
    assert weekly_schedule(WEEK) == (
        "lundi : 9h–12h30, 13h30–17h30\njeudi : 13h30–17h30\nvendredi : 9h–12h\n"
        "mardi, mercredi, samedi, dimanche : fermé"
    )


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # Monday 23 Nov 2026; Paris is UTC+1 in winter.
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "Ouvert en ce moment, jusqu'à 12h30."),
        (
            datetime(2026, 11, 23, 11, 45, tzinfo=UTC),
            "Fermé en ce moment. Réouverture aujourd'hui à 13h30.",
        ),
        (
            datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
            "Fermé en ce moment. Réouverture jeudi à 13h30.",
        ),
        (
            datetime(2026, 11, 25, 12, 0, tzinfo=UTC),
            "Fermé en ce moment. Réouverture demain à 13h30.",
        ),
        (
            datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
            "Fermé en ce moment. Réouverture lundi à 9h.",
        ),
    ],
)
def test_status_now_in_paris(utc: datetime, expected: str) -> None:
    assert status_now(WEEK, utc, "Europe/Paris") == expected


def test_status_now_uses_the_sites_own_time_zone() -> None:
    # 13:00 UTC is 14:00 in Paris (open on Monday) but 09:00 in Martinique (also open).
    # 12:00 UTC is 13:00 in Paris (lunch break) and 08:00 in Martinique (not yet open).
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert status_now(WEEK, noon, "Europe/Paris").startswith("Fermé")
    assert status_now(WEEK, noon, "America/Martinique") == (
        "Fermé en ce moment. Réouverture aujourd'hui à 9h."
    )


def test_never_open() -> None:
    assert status_now([], datetime(2026, 1, 1, tzinfo=UTC), "Europe/Paris") == "Fermé en ce moment."

"""When reminders are due: leads, quiet hours in the site's local time, summer time, too late."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.booking.reminder_plan import plan_reminders
from bot.scheduling.quiet_hours import QuietHours, is_quiet, quiet_ends_at
from bot.settings import BookingSettings, SchedulingSettings
from bot.storage.reminders import PlannedReminder

PARIS = "Europe/Paris"
MARTINIQUE = "America/Martinique"
# (the booking's reminder leads, the quiet hours)
Plan = tuple[BookingSettings, QuietHours | None]
DEFAULT_QUIET = SchedulingSettings().quiet_hours
DEFAULT: Plan = (BookingSettings(), DEFAULT_QUIET)
NO_QUIET: Plan = (BookingSettings(), None)
THREE_DAYS: Plan = (BookingSettings(reminder_leads=(3 * 24 * 60,)), DEFAULT_QUIET)
CLOSE_LEADS: Plan = (BookingSettings(reminder_leads=(180, 120)), DEFAULT_QUIET)
LUNCH_QUIET: Plan = (BookingSettings(reminder_leads=(120,)), (time(12), time(14)))
TWO_HOURS: Plan = (BookingSettings(reminder_leads=(120,)), DEFAULT_QUIET)
# Booked well ahead unless a case says otherwise.
EARLY = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def due(lead: int, at: datetime) -> PlannedReminder:
    return PlannedReminder(lead, at, None)


def skipped(lead: int, reason: str) -> PlannedReminder:
    return PlannedReminder(lead, None, reason)


CASES = [
    pytest.param(
        # Tuesday 1 December 2026, 14:00 in Paris (UTC+1): 24 h and 2 h before, as they are.
        utc(2026, 12, 1, 13, 0), EARLY, PARIS, DEFAULT,
        [due(1440, utc(2026, 11, 30, 13, 0)), due(120, utc(2026, 12, 1, 11, 0))],
        id="24h-and-2h-by-default",
    ),
    pytest.param(
        # 9:00 in Paris: 2 h before is 7:00, in the quiet hours (21:00-8:00) → the evening
        # before, 15 minutes before the quiet hours begin: 20:45 Paris = 19:45 UTC.
        utc(2026, 12, 1, 8, 0), EARLY, PARIS, DEFAULT,
        [due(1440, utc(2026, 11, 30, 8, 0)), due(120, utc(2026, 11, 30, 19, 45))],
        id="9h-appointment-2h-reminder-the-evening-before",
    ),
    pytest.param(
        # Monday 30 March 2026, 9:00 CEST (UTC+2, summer time began Sunday 29 at 2:00):
        # 24 h before is Sunday 9:00 CEST; the evening before is 20:45 CEST = 18:45 UTC.
        utc(2026, 3, 30, 7, 0), EARLY, PARIS, DEFAULT,
        [due(1440, utc(2026, 3, 29, 7, 0)), due(120, utc(2026, 3, 29, 18, 45))],
        id="dst-spring-monday-after",
    ),
    pytest.param(
        # Sunday 29 March 2026, 9:00 CEST: 2 h before (7:00 CEST) is quiet; the quiet hours
        # began Saturday 21:00 *CET* (still winter time) = 20:00 UTC → 19:45 UTC. 24 h before
        # is Saturday 8:00 CET (quiet hours end at 8:00, excluded) → unchanged.
        utc(2026, 3, 29, 7, 0), EARLY, PARIS, DEFAULT,
        [due(1440, utc(2026, 3, 28, 7, 0)), due(120, utc(2026, 3, 28, 19, 45))],
        id="dst-spring-night-of-the-change",
    ),
    pytest.param(
        # Sunday 29 March 2026, 10:00 CEST: 2 h before is 8:00 CEST = 6:00 UTC, not quiet
        # (with the winter offset it would wrongly be 7:00, and moved).
        utc(2026, 3, 29, 8, 0), EARLY, PARIS, TWO_HOURS,
        [due(120, utc(2026, 3, 29, 6, 0))],
        id="dst-spring-quiet-end-in-summer-time",
    ),
    pytest.param(
        # Monday 26 October 2026, 9:00 CET (summer time ended Sunday 25 at 3:00): 24 h before
        # is Sunday 9:00 CET = 8:00 UTC; the evening before 20:45 CET = 19:45 UTC.
        utc(2026, 10, 26, 8, 0), EARLY, PARIS, DEFAULT,
        [due(1440, utc(2026, 10, 25, 8, 0)), due(120, utc(2026, 10, 25, 19, 45))],
        id="dst-autumn-monday-after",
    ),
    pytest.param(
        # Martinique (UTC-4 all year), Tuesday 1 December 9:00: the quiet hours are
        # Martinique's: the evening before at 20:45 there = 00:45 UTC (1:45 in Paris).
        utc(2026, 12, 1, 13, 0), EARLY, MARTINIQUE, DEFAULT,
        [due(1440, utc(2026, 11, 30, 13, 0)), due(120, utc(2026, 12, 1, 0, 45))],
        id="martinique-morning",
    ),
    pytest.param(
        # Martinique, 18:00: 2 h before is 16:00 there (21:00 in Paris, quiet in Paris only)
        # and 24 h before is 18:00 the day before (23:00 in Paris): neither is moved.
        utc(2026, 12, 1, 22, 0), EARLY, MARTINIQUE, DEFAULT,
        [due(1440, utc(2026, 11, 30, 22, 0)), due(120, utc(2026, 12, 1, 20, 0))],
        id="martinique-evening-not-paris-quiet-hours",
    ),
    pytest.param(
        # Booked Monday 11:00 Paris for Tuesday 9:00: 24 h before has passed.
        utc(2026, 12, 1, 8, 0), utc(2026, 11, 30, 10, 0), PARIS, DEFAULT,
        [skipped(1440, "too_late"), due(120, utc(2026, 11, 30, 19, 45))],
        id="too-late-24h",
    ),
    pytest.param(
        # Booked Monday 22:00 Paris for Tuesday 9:00: 24 h too late, and the 2 h one, moved
        # out of the night to 20:45, would be before the booking.
        utc(2026, 12, 1, 8, 0), utc(2026, 11, 30, 21, 0), PARIS, DEFAULT,
        [skipped(1440, "too_late"), skipped(120, "night")],
        id="booked-at-night-for-the-morning",
    ),
    pytest.param(
        # Due 4 minutes after booking: the confirmation has just been sent.
        utc(2026, 12, 1, 13, 0), utc(2026, 11, 30, 12, 56), PARIS, DEFAULT,
        [skipped(1440, "too_late"), due(120, utc(2026, 12, 1, 11, 0))],
        id="too-late-within-the-margin",
    ),
    pytest.param(
        utc(2026, 12, 1, 13, 0), utc(2026, 11, 30, 12, 54), PARIS, DEFAULT,
        [due(1440, utc(2026, 11, 30, 13, 0)), due(120, utc(2026, 12, 1, 11, 0))],
        id="just-outside-the-margin",
    ),
    pytest.param(
        # Thursday 3 December 14:00 Paris, one reminder 3 days before.
        utc(2026, 12, 3, 13, 0), EARLY, PARIS, THREE_DAYS,
        [due(4320, utc(2026, 11, 30, 13, 0))],
        id="configurable-lead-3-days",
    ),
    pytest.param(
        utc(2026, 12, 1, 8, 0), EARLY, PARIS, NO_QUIET,
        [due(1440, utc(2026, 11, 30, 8, 0)), due(120, utc(2026, 12, 1, 6, 0))],
        id="no-quiet-hours",
    ),
    pytest.param(
        # 9:30 Paris with 3 h and 2 h: both fall in the night and both move to 20:45 the day
        # before; the longer lead is kept.
        utc(2026, 12, 1, 8, 30), EARLY, PARIS, CLOSE_LEADS,
        [due(180, utc(2026, 11, 30, 19, 45)), skipped(120, "merged")],
        id="two-reminders-moved-together-merged",
    ),
    pytest.param(
        # A quiet window that does not cross midnight (12:00-14:00): 13:00 → 11:45.
        utc(2026, 12, 1, 14, 0), EARLY, PARIS, LUNCH_QUIET,
        [due(120, utc(2026, 12, 1, 10, 45))],
        id="daytime-quiet-window",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("starts_at", "booked_at", "timezone", "settings", "expected"), CASES)
def test_plan_reminders(
    starts_at: datetime,
    booked_at: datetime,
    timezone: str,
    settings: Plan,
    expected: list[PlannedReminder],
) -> None:
    assert plan_reminders(starts_at, booked_at, timezone, *settings) == expected


def test_planned_reminders_are_never_in_the_quiet_hours() -> None:
    quiet = DEFAULT_QUIET
    for hour in range(24):
        for timezone in (PARIS, MARTINIQUE):
            starts_at = utc(2026, 12, 10, hour, 30)
            for plan in plan_reminders(starts_at, EARLY, timezone, *DEFAULT):
                assert plan.due_at is not None
                assert not is_quiet(plan.due_at, timezone, quiet)
                assert plan.due_at <= starts_at - timedelta(minutes=plan.lead_minutes)
                assert plan.due_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("moment", "timezone", "quiet"),
    [
        (utc(2026, 11, 30, 20, 0), PARIS, True),  # 21:00 Paris: the quiet hours begin
        (utc(2026, 11, 30, 19, 59), PARIS, False),  # 20:59
        (utc(2026, 12, 1, 6, 59), PARIS, True),  # 7:59
        (utc(2026, 12, 1, 7, 0), PARIS, False),  # 8:00: they are over
        (utc(2026, 7, 1, 19, 0), PARIS, True),  # 21:00 in summer time (UTC+2)
        (utc(2026, 11, 30, 22, 0), MARTINIQUE, False),  # 18:00 there, 23:00 in Paris
        (utc(2026, 12, 1, 3, 0), MARTINIQUE, True),  # 23:00 there
    ],
)
def test_is_quiet_in_local_time(moment: datetime, timezone: str, quiet: bool) -> None:
    assert is_quiet(moment, timezone, DEFAULT_QUIET) is quiet


def test_no_quiet_hours() -> None:
    assert not is_quiet(utc(2026, 12, 1, 2, 0), PARIS, None)
    assert quiet_ends_at(utc(2026, 12, 1, 2, 0), PARIS, None) is None


def test_quiet_ends_at_the_next_morning_local_time() -> None:
    # 23:30 Paris → 8:00 Paris the next day; 3:00 Paris → 8:00 the same day.
    assert quiet_ends_at(utc(2026, 11, 30, 22, 30), PARIS, DEFAULT_QUIET) == utc(2026, 12, 1, 7, 0)
    assert quiet_ends_at(utc(2026, 12, 1, 2, 0), PARIS, DEFAULT_QUIET) == utc(2026, 12, 1, 7, 0)
    # The night summer time begins: 8:00 CEST is 6:00 UTC.
    assert quiet_ends_at(utc(2026, 3, 28, 22, 0), PARIS, DEFAULT_QUIET) == utc(2026, 3, 29, 6, 0)
    assert quiet_ends_at(utc(2026, 12, 1, 12, 0), PARIS, DEFAULT_QUIET) is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan_reminders(datetime(2026, 12, 1, 9, 0), EARLY, PARIS, *DEFAULT)

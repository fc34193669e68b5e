"""When an appointment's reminders go out: leads, quiet hours in the site's local time, too late.

Quiet hours are the half-open local interval [start, end) of the site's wall clock (21:00 to
08:00 by default: 21:00 is quiet, 08:00 is not). A reminder that would fall in them is moved
EARLIER, to `BEFORE_QUIET` before they begin (20:45 by default), so that a sweep running a
little late still sends it before the night; moving it to the morning could leave too little
time before an early appointment. Leads are absolute durations: across a change of summer time
« 24 h before » is 24 real hours, and the quiet hours follow the local clock of each date.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.scheduling.quiet_hours import QuietHours, before_quiet
from bot.settings import BookingSettings
from bot.storage.reminders import PlannedReminder

# A reminder due this soon after booking is useless: the confirmation was just sent.
AFTER_BOOKING = timedelta(minutes=5)
# Two reminders closer than this (once moved out of the night) are one too many: the one with
# the longer lead is kept, as it gives the young person more time to cancel or move.
MIN_GAP = timedelta(minutes=60)

TOO_LATE = "too_late"
NIGHT = "night"
MERGED = "merged"


def plan_reminders(
    starts_at: datetime,
    booked_at: datetime,
    timezone: str,
    settings: BookingSettings,
    quiet: QuietHours | None,
) -> list[PlannedReminder]:
    """The reminders of an appointment booked at `booked_at`, longest lead first.

    A lead whose time has already passed at booking (or within `AFTER_BOOKING`) is skipped
    `too_late`; one that is only too early once moved out of the quiet hours, `night`; one
    within `MIN_GAP` of a longer-lead reminder kept before it, `merged`.
    """
    _require_aware(starts_at, booked_at)
    zone = ZoneInfo(timezone)
    earliest = booked_at + AFTER_BOOKING
    kept: list[datetime] = []
    planned: list[PlannedReminder] = []
    for lead in sorted(set(settings.reminder_leads), reverse=True):
        nominal = (starts_at - timedelta(minutes=lead)).astimezone(UTC)
        if nominal <= earliest:
            planned.append(PlannedReminder(lead, None, TOO_LATE))
            continue
        due = before_quiet(nominal, zone, quiet)
        if due <= earliest:
            planned.append(PlannedReminder(lead, None, NIGHT))
        elif any(abs(due - other) < MIN_GAP for other in kept):
            planned.append(PlannedReminder(lead, None, MERGED))
        else:
            kept.append(due)
            planned.append(PlannedReminder(lead, due, None))
    return planned


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("reminder times must be timezone-aware")

"""When an appointment's reminders go out: leads, quiet hours in the site's local time, too late.

Quiet hours are the half-open local interval [start, end) of the site's wall clock (21:00 to
08:00 by default: 21:00 is quiet, 08:00 is not). A reminder that would fall in them is moved
EARLIER, to `BEFORE_QUIET` before they begin (20:45 by default), so that a sweep running a
little late still sends it before the night; moving it to the morning could leave too little
time before an early appointment. Leads are absolute durations: across a change of summer time
« 24 h before » is 24 real hours, and the quiet hours follow the local clock of each date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import BookingSettings
from bot.storage.reminders import PlannedReminder

# A reminder moved out of the quiet hours goes out this long before they begin.
BEFORE_QUIET = timedelta(minutes=15)
# A reminder due this soon after booking is useless: the confirmation was just sent.
AFTER_BOOKING = timedelta(minutes=5)
# Two reminders closer than this (once moved out of the night) are one too many: the one with
# the longer lead is kept, as it gives the young person more time to cancel or move.
MIN_GAP = timedelta(minutes=60)

TOO_LATE = "too_late"
NIGHT = "night"
MERGED = "merged"

QuietHours = tuple[time, time]


def plan_reminders(
    starts_at: datetime, booked_at: datetime, timezone: str, settings: BookingSettings
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
        due = _before_quiet(nominal, zone, settings.quiet_hours)
        if due <= earliest:
            planned.append(PlannedReminder(lead, None, NIGHT))
        elif any(abs(due - other) < MIN_GAP for other in kept):
            planned.append(PlannedReminder(lead, None, MERGED))
        else:
            kept.append(due)
            planned.append(PlannedReminder(lead, due, None))
    return planned


def is_quiet(moment: datetime, timezone: str, quiet: QuietHours | None) -> bool:
    """Whether `moment` falls in the quiet hours of the local clock of `timezone`."""
    _require_aware(moment)
    if quiet is None:
        return False
    return _in_window(moment.astimezone(ZoneInfo(timezone)).time(), quiet)


def quiet_ends_at(moment: datetime, timezone: str, quiet: QuietHours | None) -> datetime | None:
    """When the quiet period containing `moment` ends (UTC); None when `moment` is not quiet."""
    _require_aware(moment)
    if quiet is None:
        return None
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    if not _in_window(local.time(), quiet):
        return None
    start, end = quiet
    # Across midnight, a period that began this evening ends tomorrow morning.
    crosses = start > end and local.time() >= start
    end_date = local.date() + timedelta(days=1) if crosses else local.date()
    return _instant(end_date, end, zone)


def _before_quiet(due: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    if quiet is None:
        return due
    local = due.astimezone(zone)
    if not _in_window(local.time(), quiet):
        return due
    start, end = quiet
    # Across midnight, a time in the small hours belongs to the period begun the evening before.
    began_yesterday = start > end and local.time() < end
    start_date = local.date() - timedelta(days=1) if began_yesterday else local.date()
    return _instant(start_date, start, zone) - BEFORE_QUIET


def _in_window(clock: time, quiet: QuietHours) -> bool:
    start, end = quiet
    if start < end:
        return start <= clock < end
    if start > end:
        return clock >= start or clock < end
    return False  # an empty window: no quiet hours


def _instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time of a date, in UTC (each date with its own UTC offset)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _require_aware(*moments: datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("reminder times must be timezone-aware")

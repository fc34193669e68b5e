"""Quiet hours: no message is pushed to a young person between these local times of the place
(21:00 to 08:00 by default, QUIET_HOURS). Reminders are planned around them and held during
them; campaigns will use them too."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

QuietHours = tuple[time, time]
# A message moved out of the quiet hours goes out this long before they begin.
BEFORE_QUIET = timedelta(minutes=15)


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


def before_quiet(due: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime:
    """`due`, or just before the quiet period it falls in (by `BEFORE_QUIET`)."""
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
        raise ValueError("times must be timezone-aware")

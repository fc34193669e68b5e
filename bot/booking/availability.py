"""Free slots from counsellors' weekly hours, permanences, leave, public holidays and bookings.

Pure: the agenda is read from the database elsewhere (bot/storage/appointments.py) and passed in.
Weekly hours are wall-clock times of the counsellor's site, turned into UTC day by day with the
site's time zone, so a 9:00 slot stays at 9:00 across a daylight-saving change and a site in
Martinique is reckoned in Martinique's time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from bot.booking.slots import Slot
from bot.core.vocabulary import AppointmentKind

Interval = tuple[datetime, datetime]  # UTC, start included, end excluded


@dataclass(frozen=True, slots=True)
class WeeklyBlock:
    """A weekly period (local time) when a counsellor takes appointments of some kinds."""

    weekday: int
    starts: time
    ends: time
    kinds: frozenset[AppointmentKind]


@dataclass(frozen=True, slots=True)
class CounsellorWeek:
    counsellor_id: int
    site_id: int
    timezone: str
    # The `holidays` library's French subdivision ("972" Martinique…); None: metropolitan France.
    holiday_region: str | None
    blocks: tuple[WeeklyBlock, ...]


@dataclass(frozen=True, slots=True)
class PermanenceSession:
    permanence_id: int
    counsellor_id: int
    timezone: str
    starts_at: datetime
    ends_at: datetime
    slot_minutes: int


@dataclass(frozen=True, slots=True)
class Agenda:
    """Everything slots are computed from, for one period."""

    counsellors: tuple[CounsellorWeek, ...]
    permanences: tuple[PermanenceSession, ...]
    # Per counsellor: leave, site closures and booked quarters, in UTC.
    busy: Mapping[int, Sequence[Interval]] = field(default_factory=dict)
    durations: Mapping[AppointmentKind, int] = field(default_factory=dict)


def free_slots(
    agenda: Agenda, kinds: Iterable[AppointmentKind], start: datetime, end: datetime
) -> list[Slot]:
    """Every free slot of the given kinds starting in [start, end), by start time.

    A counsellor's weekly slot is free when it fits in one of their blocks, is not on a public
    holiday of their site, does not overlap their leave, a closure of their site, one of their
    permanences or a booked quarter. A permanence slot is free when it fits in the permanence
    and overlaps neither the counsellor's leave nor a booked quarter.
    """
    wanted = frozenset(kinds)
    found: list[Slot] = []
    weekly = wanted - {AppointmentKind.PERMANENCE}
    for counsellor in agenda.counsellors:
        away = [(p.starts_at, p.ends_at) for p in agenda.permanences
                if p.counsellor_id == counsellor.counsellor_id]  # fmt: skip
        blocked = _sorted([*agenda.busy.get(counsellor.counsellor_id, ()), *away])
        for slot in _weekly_slots(counsellor, weekly, agenda.durations, start, end):
            if not _overlaps(blocked, slot.starts_at, slot.ends_at):
                found.append(slot)
    if AppointmentKind.PERMANENCE in wanted:
        for permanence in agenda.permanences:
            blocked = _sorted(agenda.busy.get(permanence.counsellor_id, ()))
            for slot in _permanence_slots(permanence, start, end):
                if not _overlaps(blocked, slot.starts_at, slot.ends_at):
                    found.append(slot)
    found.sort(key=lambda s: (s.starts_at, s.kind, s.counsellor_id))
    return found


def _weekly_slots(
    counsellor: CounsellorWeek,
    kinds: frozenset[AppointmentKind],
    durations: Mapping[AppointmentKind, int],
    start: datetime,
    end: datetime,
) -> Iterator[Slot]:
    zone = ZoneInfo(counsellor.timezone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    day = first
    while day <= last:
        if not is_public_holiday(day, counsellor.holiday_region):
            for block in counsellor.blocks:
                if block.weekday != day.weekday():
                    continue
                for kind in sorted(block.kinds & kinds):
                    minutes = durations.get(kind)
                    if not minutes:
                        continue
                    for starts_at in _steps(day, block, minutes, zone):
                        ends_at = starts_at + timedelta(minutes=minutes)
                        if start <= starts_at < end:
                            yield Slot(
                                kind=kind,
                                counsellor_id=counsellor.counsellor_id,
                                starts_at=starts_at,
                                ends_at=ends_at,
                                timezone=counsellor.timezone,
                                site_id=counsellor.site_id,
                            )
        day += timedelta(days=1)


def _steps(day: date, block: WeeklyBlock, minutes: int, zone: ZoneInfo) -> Iterator[datetime]:
    """Back-to-back starts from the block's start, each ending within the block (UTC)."""
    block_end = datetime.combine(day, block.ends)
    local = datetime.combine(day, block.starts)
    step = timedelta(minutes=minutes)
    while local + step <= block_end:
        moment = local.replace(tzinfo=zone)
        utc = moment.astimezone(UTC)
        # A wall-clock time skipped by a daylight-saving change does not exist: no slot there.
        if utc.astimezone(zone).replace(tzinfo=None) == local:
            yield utc
        local += step


def _permanence_slots(
    permanence: PermanenceSession, start: datetime, end: datetime
) -> Iterator[Slot]:
    step = timedelta(minutes=permanence.slot_minutes)
    starts_at = permanence.starts_at
    while starts_at + step <= permanence.ends_at:
        if start <= starts_at < end:
            yield Slot(
                kind=AppointmentKind.PERMANENCE,
                counsellor_id=permanence.counsellor_id,
                starts_at=starts_at,
                ends_at=starts_at + step,
                timezone=permanence.timezone,
                permanence_id=permanence.permanence_id,
            )
        starts_at += step


def is_public_holiday(day: date, region: str | None) -> bool:
    return day in _holidays(region, day.year)


@cache
def _holidays(region: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("FR", subdiv=region, years=year))


def _sorted(intervals: Iterable[Interval]) -> list[Interval]:
    return sorted(intervals)


def _overlaps(intervals: Sequence[Interval], start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in intervals)


def spread(slots: Sequence[Slot], per_day: int = 2) -> list[Slot]:
    """At most `per_day` slots per local day and place, and one per start time and place kind:
    a short list then covers several days instead of one morning."""
    kept: list[Slot] = []
    per_key: dict[tuple[date, int | None, AppointmentKind], int] = {}
    seen: set[tuple[datetime, AppointmentKind, int | None]] = set()
    for slot in slots:
        place = slot.permanence_id if slot.kind is AppointmentKind.PERMANENCE else slot.site_id
        moment = (slot.starts_at, slot.kind, place)
        if moment in seen:
            continue  # two counsellors free at once: one button is enough
        key = (slot.starts_at.astimezone(ZoneInfo(slot.timezone)).date(), place, slot.kind)
        if per_key.get(key, 0) >= per_day:
            continue
        per_key[key] = per_key.get(key, 0) + 1
        seen.add(moment)
        kept.append(slot)
    return kept

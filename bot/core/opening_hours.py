"""Describe a site's opening hours in French, in the site's own time zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.french_dates import WEEKDAYS


@dataclass(frozen=True, slots=True)
class Period:
    weekday: int  # 0 = Monday
    opens_at: time
    closes_at: time


def format_time(value: time) -> str:
    """French style: 9h, 12h30."""
    return f"{value.hour}h{value.minute:02d}" if value.minute else f"{value.hour}h"


def weekly_schedule(periods: Sequence[Period]) -> str:
    """One line per day, e.g. « lundi : 9h–12h30, 13h30–17h30 »; closed days grouped at the end."""
    lines: list[str] = []
    closed: list[str] = []
    for day, name in enumerate(WEEKDAYS):
        today = sorted((p for p in periods if p.weekday == day), key=lambda p: p.opens_at)
        if today:
            spans = ", ".join(
                f"{format_time(p.opens_at)}–{format_time(p.closes_at)}" for p in today
            )
            lines.append(f"{name} : {spans}")
        else:
            closed.append(name)
    if closed:
        lines.append(f"{', '.join(closed)} : fermé")
    return "\n".join(lines)


def open_until(periods: Sequence[Period], now: datetime, timezone: str) -> time | None:
    """When the current opening period ends, in local time; None when closed now."""
    local = now.astimezone(ZoneInfo(timezone))
    for period in periods:
        if period.weekday == local.weekday() and period.opens_at <= local.time() < period.closes_at:
            return period.closes_at
    return None


def reopening(periods: Sequence[Period], now: datetime, timezone: str) -> str | None:
    """« aujourd'hui à 13h30 », « demain à 9h », « lundi à 9h »; None if it never opens."""
    local = now.astimezone(ZoneInfo(timezone))
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        candidates = sorted(
            p.opens_at
            for p in periods
            if p.weekday == day.weekday() and (offset > 0 or p.opens_at > local.time())
        )
        if candidates:
            when = (
                "aujourd'hui"
                if offset == 0
                else "demain"
                if offset == 1
                else WEEKDAYS[day.weekday()]
            )
            return f"{when} à {format_time(candidates[0])}"
    return None


def status_now(periods: Sequence[Period], now: datetime, timezone: str) -> str:
    """« Ouvert en ce moment, jusqu'à 12h30 » or « Fermé en ce moment. Réouverture lundi à 9h »."""
    until = open_until(periods, now, timezone)
    if until is not None:
        return f"Ouvert en ce moment, jusqu'à {format_time(until)}."
    when = reopening(periods, now, timezone)
    return f"Fermé en ce moment. Réouverture {when}." if when else "Fermé en ce moment."

"""Dates written in French for young people and staff, by Babel's CLDR data (locale fr_FR):
« mardi 8 décembre », « 1er août 2026 », « mar. ». One way to write them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, get_day_names

LOCALE = "fr_FR"
# Monday first, as datetime.weekday() counts: « lundi » … « dimanche ».
WEEKDAYS: tuple[str, ...] = tuple(get_day_names("wide", locale=LOCALE)[i] for i in range(7))
SHORT_WEEKDAYS: tuple[str, ...] = tuple(
    get_day_names("abbreviated", locale=LOCALE)[i] for i in range(7)
)


def _day_number(day: date) -> str:
    return "'1er'" if day.day == 1 else "d"  # « le 1er août », « le 2 août »


def weekday_and_date(day: date) -> str:
    """« mardi 8 décembre », « lundi 1er juin »."""
    return format_date(day, f"EEEE {_day_number(day)} MMMM", locale=LOCALE)


def date_with_year(day: date) -> str:
    """« 8 décembre 2026 », « 1er avril 2025 »."""
    return format_date(day, f"{_day_number(day)} MMMM y", locale=LOCALE)


def short_moment(moment: datetime, timezone: str) -> str:
    """« ven. 4 déc. 14:30 » in the place's time zone (staff lists)."""
    return format_datetime(moment, "EEE d MMM HH:mm", tzinfo=ZoneInfo(timezone), locale=LOCALE)

"""When a young person would rather come, read from their words: a weekday (« jeudi »), a part of
the day (« le matin », « aprem »), hours (« pas avant 10h », « après 14h », « vers 16h », « en fin
de journée », « entre midi et deux »), and how a newer wish updates an older one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.french_dates import WEEKDAYS
from bot.eligibility.free_text import plain_words

_DAY_MINUTES = 24 * 60
# An hour after a word that sets a bound, once folded by plain_words: « 14h », « 14 h 30 »,
# « 14h30 », « 16 heures », or just « 14 » (« après 14 », « vers 16 »).
_BARE = r"(\d{1,2})(?:\s*(?:h|heures?)\s*(\d{2})?)?\b"
_FROM = re.compile(
    rf"\b(?:pas avant|(?<!pas )apres|a partir de|a partir d|des|plus tard que|au plus tot a|"
    rf"au plus tot|mieux apres)\s+{_BARE}"
)
_BEFORE = re.compile(
    rf"\b(?:(?<!pas )avant|pas apres|jusqu a|jusqu|au plus tard a|au plus tard|max|maximum)\s+"
    rf"{_BARE}"
)
_AROUND = re.compile(rf"\b(?:vers|aux alentours de|autour de|environ|a peu pres a)\s+{_BARE}")
_BETWEEN = re.compile(rf"\bentre\s+{_BARE}\s*(?:et|a)\s+{_BARE}")
_NOON_BREAK = re.compile(r"\b(?:entre midi et (?:deux|2|14h?)|pause (?:de )?midi|pause dej\w*)\b")
_LATE_DAY = re.compile(
    r"\b(?:fin de (?:journee|aprem\w*|apres midi)|fin d aprem\w*|fin d apres midi|le soir|"
    r"en soiree|apres (?:les|mes) cours|apres le (?:taf|travail|boulot|lycee|cours))\b"
)
_AFTERNOON = re.compile(
    r"\b(?:aprem\w*|apres midi|aprm|pas le matin|pas (?:avant|le) midi|a partir de midi|"
    r"apres le dej\w*)\b"
)
_MORNING = re.compile(r"\b(?:le matin|matin|matinee|avant midi|de bonne heure|tot le matin)\b")
_ANY_DAY = re.compile(
    r"\b(?:n importe quel jour|nimporte quel jour|peu importe le jour|tous les jours|"
    r"n importe quand|nimporte quand|peu importe quand|quand tu veux|quand vous voulez)\b"
)
LATE_DAY_FROM = 16 * 60  # « en fin de journée »: from 16h
AROUND_MINUTES = 60  # « vers 16h »: from 15h, before 17h


class DayPart(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


@dataclass(frozen=True, slots=True)
class Preference:
    """When the young person would rather come: a weekday, a part of the day and hours (local
    time of the place: minutes after midnight; `earliest` included, `before` excluded)."""

    weekday: int | None = None
    part: DayPart | None = None
    earliest: int | None = None
    before: int | None = None

    @property
    def says_something(self) -> bool:
        return any(v is not None for v in (self.weekday, self.part, self.earliest, self.before))

    @property
    def says_time_of_day(self) -> bool:
        return any(v is not None for v in (self.part, self.earliest, self.before))

    def accepts(self, local_start: datetime) -> bool:
        if self.weekday is not None and local_start.weekday() != self.weekday:
            return False
        minute = local_start.hour * 60 + local_start.minute
        if self.part is DayPart.MORNING and minute >= 12 * 60:
            return False
        if self.part is DayPart.AFTERNOON and minute < 12 * 60:
            return False
        if self.earliest is not None and minute < self.earliest:
            return False
        return self.before is None or minute < self.before

    def then(self, newer: Preference, *, any_day: bool = False) -> Preference:
        """This wish updated by a newer one: a weekday named replaces the day (« n'importe quel
        jour » drops it); a part of the day or hours replace the whole time of day (« mardi
        matin » then « après 14h » is Tuesday after 14h, not nothing)."""
        weekday = None if any_day else newer.weekday if newer.weekday is not None else self.weekday
        when = newer if newer.says_time_of_day else self
        return Preference(weekday, when.part, when.earliest, when.before)

    def as_slot(self) -> dict[str, Any]:
        """Stored in the `booking_prefer` slot; `earliest` and `before` came later, so a value
        without them still reads (from_slot)."""
        return {
            "weekday": self.weekday,
            "part": self.part.value if self.part else None,
            "earliest": self.earliest,
            "before": self.before,
        }

    @classmethod
    def from_slot(cls, value: Any) -> Preference | None:
        if not isinstance(value, dict):
            return None
        weekday, part = value.get("weekday"), value.get("part")
        read = cls(
            weekday if isinstance(weekday, int) and 0 <= weekday < 7 else None,
            DayPart(part) if part in set(DayPart) else None,
            _minute(value.get("earliest")),
            _minute(value.get("before")),
        )
        return read if read.says_something else None


def _minute(value: Any) -> int | None:
    is_minute = isinstance(value, int) and not isinstance(value, bool)
    return value if is_minute and 0 <= value <= _DAY_MINUTES else None


def _at(hour: str, minutes: str | None) -> int | None:
    """Minutes after midnight; « 2h » in a booking is 14h (nobody meets at 2 in the night)."""
    h, m = int(hour), int(minutes or 0)
    if 1 <= h <= 6:
        h += 12
    if h > 23 or m > 59:
        return None
    return h * 60 + m


def hours_in(plain: str) -> tuple[int | None, int | None]:
    """(earliest, before) said in folded words; (None, None) when no hour is said."""
    between = _BETWEEN.search(plain)
    if between:
        start, end = _at(*between.group(1, 2)), _at(*between.group(3, 4))
        if start is not None and end is not None and start < end:
            return start, end
    if _NOON_BREAK.search(plain):
        return 12 * 60, 14 * 60
    around = _AROUND.search(plain)
    if around:
        moment = _at(*around.group(1, 2))
        if moment is not None:
            return max(moment - AROUND_MINUTES, 0), min(moment + AROUND_MINUTES, _DAY_MINUTES)
    earliest = before = None
    found = _FROM.search(plain)
    if found:
        earliest = _at(*found.group(1, 2))
    found = _BEFORE.search(plain)
    if found:
        before = _at(*found.group(1, 2))
    if earliest is None and _LATE_DAY.search(plain):
        earliest = LATE_DAY_FROM
    if earliest is not None and before is not None and earliest >= before:
        return earliest, None  # « après 14h avant 10h »: the first bound is the wish
    return earliest, before


def bounded_hours(plain: str) -> str:
    """The folded words without the hours that set a bound (« après 14h » is a wish, not the
    14h slot)."""
    for pattern in (_BETWEEN, _AROUND, _FROM, _BEFORE):
        plain = pattern.sub(" ", plain)
    return plain


def _weekday(words: list[str], ignored: int | None) -> int | None:
    """The weekday wished: the last one named, unless refused (« pas lundi », « sauf lundi »)
    or `ignored` (when moving an appointment, its own day: « décale mon rdv de lundi à jeudi »)."""
    wished = None
    for index, word in enumerate(words):
        if word not in WEEKDAYS:
            continue
        day = WEEKDAYS.index(word)
        refused = index > 0 and words[index - 1] in ("pas", "sauf")
        if day != ignored and not refused:
            wished = day
    return wished


def preference_in(text: str, ignored_weekday: int | None = None) -> Preference | None:
    """« plutôt mardi aprem » → Tuesday afternoons; « pas avant 10h » → from 10h; « vers 16h »
    → from 15h to before 17h; None when the message says no day and no time of day."""
    plain = plain_words(text)
    weekday = _weekday(plain.split(), ignored_weekday)
    earliest, before = hours_in(plain)
    part = None
    if _AFTERNOON.search(plain):
        part = DayPart.AFTERNOON
    elif _MORNING.search(plain):
        part = DayPart.MORNING
    if part is DayPart.AFTERNOON and earliest is not None and earliest >= 12 * 60:
        part = None  # « l'aprem après 15h »: the hour says it
    found = Preference(weekday, part, earliest, before)
    return found if found.says_something else None


def says_any_day(text: str) -> bool:
    """« n'importe quel jour », « peu importe quand »: a weekday wished before no longer holds."""
    return bool(_ANY_DAY.search(plain_words(text)))


def clock(minute: int) -> str:
    """« 10h », « 14h30 »."""
    hour, rest = divmod(minute, 60)
    return f"{hour}h" if rest == 0 else f"{hour}h{rest:02d}"

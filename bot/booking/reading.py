"""Reading the young person's answers while booking: a slot picked by typing (« le 2eme »,
« mardi 10h », « autres creneaux »), a preference in words (« mardi aprem », « pas le matin »),
how they want to meet, a first name, a phone number."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import phonenumbers

from bot.booking.offers import Mode
from bot.booking.wording import WEEKDAYS
from bot.eligibility.free_text import plain_words

# Regions tried in turn for a number written without +33: mainland, then the overseas
# departments (a 0696 number is a Martinique mobile, not a mainland one).
PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM")

_MORE = re.compile(
    r"\b(?:autres?|d autres|plus tard|apres|pas dispo|aucun|rien ne (?:me )?va|ca va pas|"
    r"semaine pro|semaine prochaine|plus loin|suivants?)\b"
)
_PHONE_MODE = re.compile(r"\b(?:tel|telephone|appel|appelle|appeler|phone|fone)\b")
_VIDEO_MODE = re.compile(r"\b(?:visio|video|visioconference|zoom|teams|meet|facetime|camera)\b")
_IN_PERSON_MODE = re.compile(
    r"\b(?:sur place|en vrai|en face|permanence|venir|me deplacer|a l agence|a la mission locale|"
    r"au local|en presentiel|presentiel)\b"
)
_ORDINALS = {
    "premier": 1, "premiere": 1, "1er": 1, "1ere": 1, "un": 1, "1": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "2eme": 2, "2e": 2, "deux": 2, "2": 2,
    "troisieme": 3, "3eme": 3, "3e": 3, "trois": 3, "3": 3,
    "quatrieme": 4, "4eme": 4, "4e": 4, "quatre": 4, "4": 4,
    "dernier": -1, "derniere": -1,
}  # fmt: skip
_TIME = re.compile(r"\b(\d{1,2})\s*(?:h|heure|heures|:)\s*(\d{2})?\b")
_APOSTROPHE = "['’ʼ ]?"
_NAME_LEAD = re.compile(
    rf"^(?:(?:bonjour|salut|slt|wesh|coucou|yo)\s*,?\s+)?(?:moi\s*,?\s*)?"
    rf"(?:c{_APOSTROPHE}\s*est|c|cest|je\s*m{_APOSTROPHE}\s*appel+e|jm{_APOSTROPHE}\s*appel+e|"
    rf"mon\s+pr[eé]nom\s+(?:c{_APOSTROPHE}\s*est|est|cest)|pr[eé]nom\s*:?|appelle[- ]moi)?\s+",
    re.IGNORECASE,
)
_NAME = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)?")
_NOT_NAMES = frozenset(
    {
        "oui", "non", "ok", "dac", "daccord", "stop", "rien", "personne", "jsp", "pourquoi",
        "quoi", "merci", "bonjour", "salut", "slt", "wesh", "nan", "mdr", "lol", "tel",
        "telephone", "rdv", "rendez", "vous", "autre", "autres", "annuler", "jsais", "anonyme",
    }
)  # fmt: skip
MAX_NAME = 40


_AFTERNOON = re.compile(
    r"\b(?:aprem|apres midi|aprm|aprem\w*|pas le matin|pas (?:avant|le) midi|"
    r"apres (?:12|13|14|midi)|en fin de journee|fin d aprem)\b"
)
_MORNING = re.compile(r"\b(?:le matin|matin|matinee|avant midi|de bonne heure)\b")
_OTHER_COUNSELLOR = re.compile(
    r"\b(?:pas|plus) (?:avec )?(?:la meme|le meme|cette|ce|elle|lui)\b|"
    r"\b(?:changer de|un autre|une autre|quelqu un d autre que (?:ma|mon)) conseill\w*"
)


class DayPart(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"


@dataclass(frozen=True, slots=True)
class Preference:
    """When the young person would rather come: a weekday and/or a part of the day."""

    weekday: int | None = None
    part: DayPart | None = None

    def accepts(self, local_start: datetime) -> bool:
        if self.weekday is not None and local_start.weekday() != self.weekday:
            return False
        if self.part is DayPart.MORNING:
            return local_start.hour < 12
        if self.part is DayPart.AFTERNOON:
            return local_start.hour >= 12
        return True

    def as_slot(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "part": self.part.value if self.part else None}

    @classmethod
    def from_slot(cls, value: Any) -> Preference | None:
        if not isinstance(value, dict):
            return None
        weekday, part = value.get("weekday"), value.get("part")
        return cls(
            weekday if isinstance(weekday, int) and 0 <= weekday < 7 else None,
            DayPart(part) if part in set(DayPart) else None,
        )


def preference_in(text: str) -> Preference | None:
    """« plutôt mardi aprem » → Tuesday afternoons; « pas le matin » → afternoons; None when
    the message says neither a weekday nor a part of the day."""
    plain = plain_words(text)
    words = plain.split()
    weekday = next((i for i, day in enumerate(WEEKDAYS) if day in words), None)
    part = (
        DayPart.AFTERNOON
        if _AFTERNOON.search(plain)
        else DayPart.MORNING
        if _MORNING.search(plain)
        else None
    )
    return None if weekday is None and part is None else Preference(weekday, part)


def wants_other_counsellor(text: str) -> bool:
    """« pas avec la même conseillère »: acknowledged (the chat cannot choose the person)."""
    return bool(_OTHER_COUNSELLOR.search(plain_words(text)))


@dataclass(frozen=True, slots=True)
class Offered:
    """A slot on the list shown to the young person: its code and local start time."""

    code: str
    local_start: datetime


def wants_more(text: str) -> bool:
    return bool(_MORE.search(plain_words(text)))


def mode_in(text: str) -> Mode | None:
    """« par tel », « en visio », « je préfère venir » → how they want to meet (None: not said)."""
    plain = plain_words(text)
    if _VIDEO_MODE.search(plain):
        return Mode.VIDEO
    if _PHONE_MODE.search(plain):
        return Mode.PHONE
    if _IN_PERSON_MODE.search(plain):
        return Mode.IN_PERSON
    return None


def pick(text: str, offered: Sequence[Offered]) -> str | None:
    """The code of the offered slot a message names: by rank (« le 2eme », « 3 »), or by
    weekday and/or time (« mardi », « jeudi 14h », « 10h30 ») when exactly one matches."""
    plain = plain_words(text)
    words = plain.split()
    if not offered or not words:
        return None
    ranks = [_ORDINALS[w] for w in words if w in _ORDINALS]
    if len(words) <= 3 and len(set(ranks)) == 1:
        rank = ranks[0]
        if rank == -1:
            return offered[-1].code
        if 1 <= rank <= len(offered):
            return offered[rank - 1].code
    weekday = next((i for i, day in enumerate(WEEKDAYS) if day in words), None)
    hour_match = _TIME.search(plain)
    if weekday is None and hour_match is None:
        return None
    matches = [
        o
        for o in offered
        if (weekday is None or o.local_start.weekday() == weekday)
        and (
            hour_match is None
            or (
                o.local_start.hour == int(hour_match.group(1))
                and o.local_start.minute == int(hour_match.group(2) or 0)
            )
        )
    ]
    return matches[0].code if len(matches) == 1 else None


def parse_first_name(text: str) -> str | None:
    """« moi c sarah » → « Sarah », « jean-baptiste » → « Jean-Baptiste », « Inès »; None for a
    sentence, digits, « oui », « jsp »… Only a first name is kept (minimum data)."""
    cleaned = " ".join(text.strip().strip(".!?,;:").split())
    if not cleaned or any(c.isdigit() for c in cleaned):
        return None
    lead = _NAME_LEAD.match(cleaned + " ")
    candidate = cleaned[lead.end() :].strip() if lead and lead.end() <= len(cleaned) else cleaned
    if not candidate or len(candidate) > MAX_NAME or _NAME.fullmatch(candidate) is None:
        return None
    if any(word in _NOT_NAMES for word in plain_words(candidate).split()):
        return None
    return "-".join(
        " ".join(word[:1].upper() + word[1:].lower() for word in piece.split(" "))
        for piece in candidate.split("-")
    )


def parse_phone(text: str, regions: Sequence[str] = PHONE_REGIONS) -> str | None:
    """A valid French (or overseas) phone number in E.164 (« +33612345678 »), else None."""
    digits = re.sub(r"[^\d+]", "", text)
    if not 9 <= len(digits.lstrip("+")) <= 15:
        return None
    for region in regions:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None

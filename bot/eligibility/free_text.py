"""Read questionnaire answers as young people type them: ages (« j'ai 19 ans », « dix-neuf »,
« 2006 », « ché pas »), monthly amounts (« 800 balles »), the household's tax situation, yes/no,
and « stop ». Only what is needed is kept: an age or a birth year, never a birth date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.text import fold

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16,
}  # fmt: skip
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
# Dictation and SMS spellings of number words.
_SPELLINGS = {
    "dis": "dix", "diz": "dix", "vint": "vingt", "vin": "vingt", "vins": "vingt",
    "vingts": "vingt", "sez": "seize", "seze": "seize", "dixsept": "dix sept",
    "dixhuit": "dix huit", "dixneuf": "dix neuf", "disept": "dix sept", "dizuit": "dix huit",
    "dizneuf": "dix neuf",
}  # fmt: skip
DONT_KNOW = re.compile(
    r"\b(?:jsp|jsais pas|je sais pas|je ne sais pas|sais pas|sai pas|ch[ea]i pas|chais pas|"
    r"ch[eé] pas|che pas|aucune idee|j en sais rien|jen sais rien|sais plus|jsais plus|"
    r"je sais plus|ne sais plus|aucune id[eé]e|idk)\b"
)


@dataclass(frozen=True, slots=True)
class StatedAge:
    years: int


@dataclass(frozen=True, slots=True)
class StatedBirthYear:
    year: int

    def possible_ages(self, today: date) -> tuple[int, int]:
        """Without the birthday, the age is one of two values (before / after it this year)."""
        return today.year - self.year - 1, today.year - self.year


@dataclass(frozen=True, slots=True)
class DontKnow:
    pass


AgeAnswer = StatedAge | StatedBirthYear | DontKnow


def plain_words(text: str) -> str:
    plain = fold(text, keep="/")
    for wrong, right in _SPELLINGS.items():
        plain = re.sub(rf"\b{wrong}\b", right, plain)
    return plain


def words_to_number(words: list[str]) -> int | None:
    """French number words 0-79 (« dix neuf », « vingt et un », « soixante douze »), or None;
    enough for ages (« quatre-vingts » and beyond are not read)."""
    total, index = 0, 0
    if index < len(words) and words[index] in _TENS:
        total = _TENS[words[index]]
        index += 1
        if index < len(words) and words[index] == "et":
            index += 1
    if index < len(words) and words[index] == "dix" and index + 1 < len(words):
        following = _UNITS.get(words[index + 1])
        if following is not None and 7 <= following + 10 <= 19:
            return total + 10 + following if following <= 9 else None
    if index < len(words) and words[index] in _UNITS:
        total += _UNITS[words[index]]
        index += 1
    return total if index == len(words) and index > 0 else None


def _number_words(plain: str) -> int | None:
    """The longest run of number words in the text, read as a number."""
    words = plain.split()
    for length in (4, 3, 2, 1):
        for start in range(len(words) - length + 1):
            value = words_to_number(words[start : start + length])
            if value is not None and value > 0:
                return value
    return None


def parse_age(text: str, today: date) -> AgeAnswer | None:
    """An age, a birth year or « don't know » from free text; None when nothing can be read.

    Plausibility (a 3-year-old, a birth year in the future) is the validator's call, not this one's.
    """
    plain = plain_words(text)
    if DONT_KNOW.search(plain):
        return DontKnow()
    full_date = re.search(r"\b\d{1,2}/\d{1,2}/((?:19|20)\d{2})\b", plain)
    if full_date:
        return StatedBirthYear(int(full_date.group(1)))  # the day and month are not kept
    year = re.search(r"\b((?:19|20)\d{2})\b", plain)
    if year and int(year.group(1)) <= today.year:
        return StatedBirthYear(int(year.group(1)))
    digits = re.search(r"\b(\d{1,3})\s*(?:ans?|a|ams|years?)?\b", plain)
    if digits:
        return StatedAge(int(digits.group(1)))
    spoken = _number_words(plain)
    return StatedAge(spoken) if spoken is not None else None


_STOP = re.compile(
    r"^(?:stop|stp stop|arrete|arrete tout|laisse tomber|laisse|lache l affaire|abandonne|"
    r"annule|on arrete|bon laisse tomber|oublie|oublie ca|tant pis|c est bon laisse)$"
)
_YES = re.compile(r"^(?:oui|ouais|ouai|ui|wi|yes|yep|ok|oki|ouep|bien sur|exact|exactement|"
                  r"carrement|grave|c est ca|affirmatif|oui oui)\b")  # fmt: skip
_NO = re.compile(r"^(?:non|nan|nn|no|nope|pas du tout|jamais|absolument pas|non non)\b")


def wants_to_stop(text: str) -> bool:
    """« stop », « laisse tomber »… said as the whole answer (not inside a sentence)."""
    return bool(_STOP.match(plain_words(text)))


def parse_yes_no(text: str) -> bool | DontKnow | None:
    plain = plain_words(text)
    if DONT_KNOW.search(plain):
        return DontKnow()
    if _NO.match(plain):
        return False
    if _YES.match(plain):
        return True
    return None


@dataclass(frozen=True, slots=True)
class MonthlyAmount:
    euros: int


_NOTHING = re.compile(r"^(?:rien|0|zero|nada|que dalle|pas un rond|aucun|aucune|je gagne rien|"
                      r"j ai rien|jai rien|pas de salaire|sans revenu|aucun revenu)\b")  # fmt: skip


def parse_monthly_amount(text: str) -> MonthlyAmount | DontKnow | None:
    """« 800 », « 800 € », « 800 balles », « 1 200 euros », « 1,2k », « rien » → euros per month."""
    thousands = re.search(r"(\d+(?:[.,]\d+)?)\s*k\b", text.lower())
    if thousands:
        return MonthlyAmount(round(float(thousands.group(1).replace(",", ".")) * 1000))
    plain = plain_words(text)
    if DONT_KNOW.search(plain):
        return DontKnow()
    if _NOTHING.match(plain):
        return MonthlyAmount(0)
    match = re.search(r"\b(\d{1,2} \d{3}|\d{1,5})\b", plain)
    return None if match is None else MonthlyAmount(int(match.group(1).replace(" ", "")))


class TaxSituation(StrEnum):
    """The household's income tax, in the plain words the questionnaire uses."""

    NOT_TAXED = "non_imposable"
    FIRST_BRACKET = "premiere_tranche"
    ABOVE_FIRST_BRACKET = "au_dela"
    UNKNOWN = "je_sais_pas"


def parse_tax_situation(text: str) -> TaxSituation | None:
    plain = plain_words(text)
    if DONT_KNOW.search(plain):
        return TaxSituation.UNKNOWN
    if re.search(r"\b(?:non imposables?|pas imposables?|paient? pas d impots?|payent pas|"
                 r"paye pas d impot|0 impot|zero impot|pas d impots?)\b", plain):  # fmt: skip
        return TaxSituation.NOT_TAXED
    if re.search(r"\b(?:1ere|premiere|1re|1er|petite) tranche\b|\bun peu d impots?\b", plain):
        return TaxSituation.FIRST_BRACKET
    if re.search(r"\b(?:au dessus|au dela|plus haut|beaucoup d impots?|imposables?)\b", plain):
        return TaxSituation.ABOVE_FIRST_BRACKET
    return None

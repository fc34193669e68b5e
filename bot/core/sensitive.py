"""Mask the numbers a young person should not send in a chat (a French social security number,
an IBAN, a payment card number) before their message is stored or passed to Rasa.

A permissive pattern finds digit groups as people type them (spaces, dots or dashes between
groups); python-stdnum's checksums then decide, so a phone number, a postcode, a date or an
amount stays as it was written. Only the last digits are kept (« ••••••••••••1234 »).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from stdnum import iban, luhn
from stdnum.fr import nir


class Sensitive(StrEnum):
    NIR = "nir"  # numéro de sécurité sociale
    IBAN = "iban"
    CARD = "card"


MASK = "•"
# How many characters stay visible at the end of a masked number.
_KEEP = {Sensitive.NIR: 2, Sensitive.IBAN: 4, Sensitive.CARD: 4}

# A group: letters and digits holding at least one digit (« 1 », « FR76 », « 2A » with its
# neighbours, « 01AB »); groups are joined by up to three spaces, dots or dashes on one line.
_GROUP = r"[0-9A-Za-z]*[0-9][0-9A-Za-z]*"
_SEPARATOR = r"[ \t\u00a0\u202f.\-]{1,3}"
_RUN = re.compile(rf"(?<![0-9A-Za-z])(?:{_GROUP})(?:{_SEPARATOR}(?:{_GROUP}))*(?![0-9A-Za-z])")
_GROUP_IN_RUN = re.compile(_GROUP)
_LONGEST = 34  # an IBAN's longest length; no candidate is longer

# Card brands people in France hold (CB cards are Visa or Mastercard), with their lengths: a
# wider net would take two phone numbers typed in a row for a card one time in ten.
_CARD_PREFIXES = re.compile(r"4|5[1-5]|2(?:22[1-9]|2[3-9][0-9]|[3-6][0-9]{2}|7[01][0-9]|720)|3[47]")
_CARD_LENGTHS = {"4": (13, 16, 19), "3": (15,)}
# A NIR starts with the sex (1, 2), 3/4 (people born abroad, in some registers) or 7/8
# (temporary numbers).
_NIR_FIRST = frozenset("123478")


@dataclass(frozen=True, slots=True)
class Masked:
    """The text with its sensitive numbers masked, and which kinds were found."""

    text: str
    found: frozenset[Sensitive]


def kind_of(compact: str) -> Sensitive | None:
    """Which sensitive number `compact` (no separators, upper case) is, if it is a valid one."""
    if compact[:2].isalpha() and iban.is_valid(compact):
        return Sensitive.IBAN
    if len(compact) == 15 and compact[0] in _NIR_FIRST and nir.is_valid(compact):
        return Sensitive.NIR
    if compact.isdigit() and _is_card(compact):
        return Sensitive.CARD
    return None


def _is_card(digits: str) -> bool:
    prefix = _CARD_PREFIXES.match(digits)
    if prefix is None:
        return False
    lengths = _CARD_LENGTHS.get(digits[0], (16,))
    return len(digits) in lengths and luhn.is_valid(digits)


def _masked(compact: str, kind: Sensitive) -> str:
    keep = _KEEP[kind]
    return MASK * (len(compact) - keep) + compact[-keep:]


def _mask_run(run: str) -> tuple[str, set[Sensitive]]:
    """Mask the valid numbers among a run's groups. A number is taken from the run's start (or
    right after another number) or up to its end: « 06 12 34 56 78 07 12 34 56 78 » holds no
    number starting in its middle."""
    groups = list(_GROUP_IN_RUN.finditer(run))
    pieces: list[str] = []
    found: set[Sensitive] = set()
    written = 0  # position in `run` up to which pieces are written
    boundary = 0  # a number may start at this group
    i = 0
    while i < len(groups):
        match = None
        compact = ""
        for j in range(i, len(groups)):
            compact += groups[j].group().upper()
            if len(compact) > _LONGEST:
                break
            if i != boundary and j != len(groups) - 1:
                continue
            kind = kind_of(compact)
            if kind is not None:
                match = (j, compact, kind)
        if match is None:
            i += 1
            continue
        j, compact, kind = match
        pieces.append(run[written : groups[i].start()])
        pieces.append(_masked(compact, kind))
        written = groups[j].end()
        found.add(kind)
        i = boundary = j + 1
    pieces.append(run[written:])
    return "".join(pieces), found


def mask(text: str) -> Masked:
    """`text` with every valid NIR, IBAN and card number masked but for its last characters."""
    found: set[Sensitive] = set()

    def replace(match: re.Match[str]) -> str:
        masked, kinds = _mask_run(match.group())
        found.update(kinds)
        return masked

    masked = _RUN.sub(replace, text)
    return Masked(masked, frozenset(found))

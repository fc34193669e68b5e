"""What a bookable slot is, and the short code that names it in a button's payload."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.vocabulary import AppointmentKind

# Lengths in minutes when appointment_kinds has no row for a kind (migration 0006 seeds the
# same values; staff change them in the table).
DEFAULT_DURATIONS = {
    AppointmentKind.ON_SITE: 45,
    AppointmentKind.PERMANENCE: 30,
    AppointmentKind.PHONE: 30,
    AppointmentKind.VIDEO: 30,
}

# One letter per kind in slot codes: « s12.2k3f1c » is an on-site slot with counsellor 12.
_LETTERS = {
    AppointmentKind.ON_SITE: "s",
    AppointmentKind.PERMANENCE: "p",
    AppointmentKind.PHONE: "t",
    AppointmentKind.VIDEO: "v",
}
_KINDS = {letter: kind for kind, letter in _LETTERS.items()}
_CODE = re.compile(r"([sptv])(\d{1,9})\.([0-9a-z]{1,9})")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SlotRef:
    """What a slot code says: the kind, the place (a counsellor for on-site, phone and video
    slots, a permanence for permanence slots) and the start. Checked against the agenda before
    anything is booked: a code from an old button may name a slot that is gone."""

    kind: AppointmentKind
    place_id: int
    starts_at: datetime

    @property
    def code(self) -> str:
        minutes = int((self.starts_at - _EPOCH).total_seconds() // 60)
        return f"{_LETTERS[self.kind]}{self.place_id}.{_base36(minutes)}"

    @classmethod
    def parse(cls, code: str) -> SlotRef | None:
        match = _CODE.fullmatch(code.strip().lower())
        if match is None:
            return None
        letter, place, minutes = match.groups()
        try:
            starts_at = _EPOCH + timedelta(minutes=int(minutes, 36))
        except OverflowError:  # past year 9999: no slot ever had this code
            return None
        return cls(_KINDS[letter], int(place), starts_at)


@dataclass(frozen=True, slots=True)
class Slot:
    """A free slot: UTC times, shown in `timezone` (the site's or the permanence's)."""

    kind: AppointmentKind
    counsellor_id: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    site_id: int | None = None
    permanence_id: int | None = None

    @property
    def ref(self) -> SlotRef:
        place = (
            self.permanence_id if self.kind is AppointmentKind.PERMANENCE else self.counsellor_id
        )
        assert place is not None, "a permanence slot names its permanence"
        return SlotRef(self.kind, place, self.starts_at)

    @property
    def code(self) -> str:
        return self.ref.code


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
        if value == 0:
            return out

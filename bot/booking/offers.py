"""Which free slots the chat proposes, a few at a time: nearest place first when the town is
known, spread over several days, « autres créneaux » for the next ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.booking.availability import spread
from bot.booking.places import Place, PlaceKey
from bot.booking.slots import Slot
from bot.core.vocabulary import AppointmentKind
from bot.storage.sites import department_of, fold_town

PAGE_SIZE = 4  # the issue asks for 3 to 5 buttons; 4 leaves room for « autres créneaux »


class Mode(StrEnum):
    """How the young person wants to meet: in person (the agency or a permanence), by phone or
    by video."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"

    @property
    def kinds(self) -> frozenset[AppointmentKind]:
        if self is Mode.PHONE:
            return frozenset({AppointmentKind.PHONE})
        if self is Mode.VIDEO:
            return frozenset({AppointmentKind.VIDEO})
        return frozenset({AppointmentKind.ON_SITE, AppointmentKind.PERMANENCE})


@dataclass(frozen=True, slots=True)
class Offer:
    slots: tuple[Slot, ...]
    more: bool


def place_key(slot: Slot) -> PlaceKey | None:
    if slot.kind is AppointmentKind.PERMANENCE and slot.permanence_id is not None:
        return (AppointmentKind.PERMANENCE, slot.permanence_id)
    if slot.kind is AppointmentKind.ON_SITE and slot.site_id is not None:
        return (AppointmentKind.ON_SITE, slot.site_id)
    return None


def nearness(place: Place, postcode: str | None, town: str | None) -> int:
    """0 same postcode, 1 same town, 2 same department, 3 elsewhere or unknown."""
    if postcode and place.postcode == postcode:
        return 0
    if town and fold_town(place.city) == fold_town(town):
        return 1
    if postcode and department_of(place.postcode) == department_of(postcode):
        return 2
    return 3


def offer(
    slots: Sequence[Slot],
    page: int,
    *,
    places: Mapping[PlaceKey, Place] | None = None,
    postcode: str | None = None,
    town: str | None = None,
) -> Offer:
    """Page `page` (from 0) of the proposals: nearest place first when the town is known, then
    time; at most two per day and place so a page covers several days."""
    ranked = list(slots)
    if places and (postcode or town):

        def rank(slot: Slot) -> int:
            key = place_key(slot)
            where = places.get(key) if key is not None else None
            return 3 if where is None else nearness(where, postcode, town)

        ranked.sort(key=lambda s: (rank(s), s.starts_at))
    proposals = spread(ranked)
    start = page * PAGE_SIZE
    return Offer(tuple(proposals[start : start + PAGE_SIZE]), len(proposals) > start + PAGE_SIZE)

"""Where a young person is received: a site or a permanence, with its address. One place to say
where an appointment takes place (confirmations, reminders, calendar files, the staff agenda)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.vocabulary import AppointmentKind
from bot.storage.models import Appointment, Permanence, Site


@dataclass(frozen=True, slots=True)
class Place:
    """A site or a permanence: its name, and its address when it is known."""

    name: str
    postcode: str
    city: str
    address: str = ""

    @property
    def full_address(self) -> str:
        """« 12 rue de la République, 69001 Lyon »."""
        return f"{self.address}, {self.postcode} {self.city}"


PlaceKey = tuple[AppointmentKind, int]  # (ON_SITE, site id) or (PERMANENCE, permanence id)


def place_of(row: Site | Permanence) -> Place:
    return Place(row.name, row.postcode, row.city, row.address)


def where(appointment: Appointment) -> Place | None:
    """The site or permanence an in-person appointment takes place at; None by phone or video.
    Its site and permanence must be loaded."""
    if appointment.kind == AppointmentKind.PERMANENCE and appointment.permanence is not None:
        return place_of(appointment.permanence)
    if appointment.kind == AppointmentKind.ON_SITE and appointment.site is not None:
        return place_of(appointment.site)
    return None

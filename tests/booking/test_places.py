"""One answer to « where is this appointment » (#9)."""

from __future__ import annotations

from bot.booking.places import Place, place_of, where
from bot.core.vocabulary import AppointmentKind
from bot.storage.models import Appointment, Permanence, Site


def _site() -> Site:
    return Site(name="Antenne", address="12 rue de la République", postcode="69001", city="Lyon")


def test_an_on_site_appointment_is_at_its_site_and_a_phone_one_nowhere() -> None:
    site = _site()
    permanence = Permanence(
        name="Résidence Les Tilleuls",
        address="3 allée des Tilleuls",
        postcode="69200",
        city="Vénissieux",
    )

    on_site = Appointment(kind=AppointmentKind.ON_SITE, site=site)
    at_permanence = Appointment(kind=AppointmentKind.PERMANENCE, permanence=permanence, site=site)
    by_phone = Appointment(kind=AppointmentKind.PHONE, site=site)

    assert where(on_site) == Place("Antenne", "69001", "Lyon", "12 rue de la République")
    assert where(at_permanence) == place_of(permanence)
    assert where(by_phone) is None
    assert place_of(site).full_address == "12 rue de la République, 69001 Lyon"

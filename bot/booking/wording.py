"""Dates and times as young people read them: « mardi 8 décembre à 10h30 », in local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.booking.places import where
from bot.content.texts import reply_text
from bot.core.french_dates import SHORT_WEEKDAYS, weekday_and_date
from bot.core.vocabulary import AppointmentKind
from bot.storage.models import Appointment


def local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def clock_time(moment: datetime) -> str:
    """« 10h », « 10h30 » (of an already local datetime)."""
    return f"{moment.hour}h" if moment.minute == 0 else f"{moment.hour}h{moment.minute:02d}"


def day(moment: datetime) -> str:
    """« mardi 8 décembre » (of an already local datetime); « 1er » for the first."""
    return weekday_and_date(moment.date())


def day_and_time(moment: datetime, timezone: str) -> str:
    """« mardi 8 décembre à 10h30 », in the place's time zone."""
    there = local(moment, timezone)
    return f"{day(there)} à {clock_time(there)}"


def button_label(moment: datetime, timezone: str) -> str:
    """A short button title: « mar. 8/12 10h30 » (fits Instagram's 20 characters with a place)."""
    there = local(moment, timezone)
    return f"{SHORT_WEEKDAYS[there.weekday()]} {there.day}/{there.month} {clock_time(there)}"


def place(appointment: Appointment) -> str:
    """Where (or how) it takes place, as a clause: « à l'Antenne du centre-ville, 12 rue… ».

    The appointment's counsellor, site and permanence must be loaded.
    """
    kind, there = appointment.kind, where(appointment)
    if there is not None:
        key = "place_permanence" if kind == AppointmentKind.PERMANENCE else "place_on_site"
        return reply_text("booking", key, place_name=there.name, address=there.full_address)
    key = "place_phone" if kind == AppointmentKind.PHONE else "place_video"
    return reply_text("booking", key, counsellor=appointment.counsellor.display_name)


def timezone_of(appointment: Appointment) -> str:
    """The time zone the appointment is shown in: its permanence's, else its site's, else its
    counsellor's site's (site, permanence and counsellor loaded)."""
    if appointment.permanence is not None:
        return appointment.permanence.timezone
    if appointment.site is not None:
        return appointment.site.timezone
    return appointment.counsellor.site.timezone

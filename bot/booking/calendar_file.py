"""The calendar file (iCalendar, RFC 5545) of one appointment, for the young person's calendar.

The file may be forwarded or synced anywhere: it holds the time, the place and what to bring,
never the young person's first name or phone number.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from icalendar import STATUS, Alarm, Calendar, Event

from bot.booking.places import where
from bot.content.texts import reply_text
from bot.core.vocabulary import AppointmentKind, AppointmentStatus
from bot.storage.models import Appointment, Site

PRODID = "-//Missions Locales//Community manager des invisibles//FR"
ALARM_BEFORE = timedelta(hours=1)
# Nothing takes place: the file says so (calendars that imported it mark the event cancelled).
CALLED_OFF = (AppointmentStatus.CANCELLED, AppointmentStatus.RESCHEDULED)
FILENAME = "rendez-vous-mission-locale.ics"


def calendar_url(public_url: str, key: str) -> str:
    """The link to an appointment's calendar file (sent with the confirmation)."""
    return f"{public_url.rstrip('/')}/rdv/{key}.ics"


def calendar_file(appointment: Appointment, public_url: str) -> bytes:
    """The .ics bytes of one appointment (counsellor and their site, site, permanence loaded).

    Times are written in UTC: every calendar shows them in its owner's time zone.
    """
    called_off = appointment.status in CALLED_OFF
    event = Event.new(
        uid=f"appointment-{appointment.id}@{urlsplit(public_url).hostname or 'localhost'}",
        stamp=appointment.updated_at.astimezone(UTC),
        start=appointment.starts_at.astimezone(UTC),
        end=appointment.ends_at.astimezone(UTC),
        summary=reply_text("calendar", f"summary_{appointment.kind}"),
        location=_location(appointment),
        description=_description(appointment, called_off),
        status=STATUS.CANCELLED if called_off else STATUS.CONFIRMED,
        # A client that imported the booked version replaces it with a higher sequence.
        sequence=1 if called_off else 0,
    )
    if not called_off:
        event.add_component(
            Alarm.new_display(description=reply_text("calendar", "alarm"), trigger=-ALARM_BEFORE)
        )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _location(appointment: Appointment) -> str | None:
    """The address where the young person goes; none for a phone or video appointment."""
    there = where(appointment)
    return None if there is None else f"{there.name}, {there.full_address}"


def _description(appointment: Appointment, called_off: bool) -> str:
    if called_off:
        return reply_text("calendar", appointment.status)
    lines = []
    if appointment.kind in (AppointmentKind.PHONE, AppointmentKind.VIDEO):
        counsellor = appointment.counsellor.display_name
        lines.append(reply_text("calendar", f"how_{appointment.kind}", counsellor=counsellor))
        lines.append(reply_text("calendar", "bring_remote"))
    else:
        lines.append(reply_text("calendar", "bring"))
    phone = _mission_locale(appointment).phone
    if phone:
        lines.append(reply_text("calendar", "warn", phone=phone))
    else:
        lines.append(reply_text("calendar", "warn_chat"))
    return "\n".join(lines)


def _mission_locale(appointment: Appointment) -> Site:
    """The site whose phone answers for the appointment: its own, else its counsellor's."""
    return appointment.site or appointment.counsellor.site

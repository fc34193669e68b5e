"""What counsellors read about appointments: the days asked for, and each appointment as JSON.

Shared by the staff API and `python -m bot appointments`. Staff only: it carries the young
person's first name and phone number, which counsellors need to receive or call them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.places import where
from bot.booking.wording import local, timezone_of
from bot.core.vocabulary import AppointmentKind, AppointmentStatus
from bot.storage.models import Appointment
from bot.storage.staff_agenda import appointments_between

DEFAULT_DAYS = 7
MAX_DAYS = 92
# Local days run from UTC-12 to UTC+14: a UTC window this much wider holds every local day.
_WIDEST_OFFSET = timedelta(hours=14)

KIND_LABELS: dict[str, str] = {
    AppointmentKind.ON_SITE: "sur place",
    AppointmentKind.PERMANENCE: "permanence",
    "phone": "téléphone",
    "video": "visio",
}
STATUS_LABELS: dict[str, str] = {
    AppointmentStatus.BOOKED: "prévu",
    AppointmentStatus.CANCELLED: "annulé",
    AppointmentStatus.RESCHEDULED: "déplacé",
    AppointmentStatus.ATTENDED: "venu·e",
    AppointmentStatus.MISSED: "absent·e",
}

# Why an outcome is refused, as staff read it.
OUTCOME_REFUSALS: dict[str, str] = {
    "unknown_outcome": "Résultat inconnu : attended (venu·e) ou missed (absent·e).",
    "not_started": "Ce rendez-vous n'a pas encore commencé.",
    AppointmentStatus.CANCELLED: "Ce rendez-vous a été annulé.",
    AppointmentStatus.RESCHEDULED: "Ce rendez-vous a été déplacé : note plutôt le nouveau.",
}


class InvalidDays(ValueError):
    """The days asked for cannot be read (French message, shown as is)."""


# Days staff may ask for: far enough for any archive, and never near date.min or date.max,
# where adding a week or a time zone offset overflows.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2199, 12, 31)


def parse_day(raw: str, name: str) -> date:
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidDays(f"« {name} » doit être une date AAAA-MM-JJ.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidDays(
            f"« {name} » doit être entre le {FIRST_DAY:%d/%m/%Y} et le {LAST_DAY:%d/%m/%Y}."
        )
    return day


def days_asked(raw_from: str | None, raw_to: str | None, now: datetime) -> tuple[date, date]:
    """First and last day (both included); by default today and the next seven days."""
    first = parse_day(raw_from, "from") if raw_from else now.astimezone(UTC).date()
    last = parse_day(raw_to, "to") if raw_to else first + timedelta(days=DEFAULT_DAYS)
    if last < first:
        raise InvalidDays("« to » doit être le même jour que « from » ou après.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidDays(f"{MAX_DAYS} jours au plus à la fois.")
    return first, last


async def appointments_on_days(session: AsyncSession, first: date, last: date) -> list[Appointment]:
    """Appointments whose local day (in their place's time zone) is between first and last."""
    start = datetime.combine(first, time(0), tzinfo=UTC) - _WIDEST_OFFSET
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC) + _WIDEST_OFFSET
    found = await appointments_between(session, start, end)
    return [a for a in found if first <= local(a.starts_at, timezone_of(a)).date() <= last]


# The first name is optional (asked after booking, the young person may skip it).
NO_FIRST_NAME = "—"


def first_name_label(appointment: Appointment) -> str:
    """The first name as staff read it: « — » when none was given (the JSON keeps null)."""
    return appointment.first_name or NO_FIRST_NAME


def place_label(appointment: Appointment) -> str:
    if appointment.permanence is not None:
        return appointment.permanence.name
    if appointment.kind == AppointmentKind.ON_SITE and appointment.site is not None:
        return appointment.site.name
    return "par téléphone" if appointment.kind == AppointmentKind.PHONE else "en visio"


def address(appointment: Appointment) -> str | None:
    there = where(appointment)
    return None if there is None else there.full_address


def appointment_json(appointment: Appointment) -> dict[str, object]:
    """One appointment, times with the UTC offset of its place (counsellor, site, permanence
    loaded)."""
    zone = timezone_of(appointment)
    return {
        "id": appointment.id,
        "starts_at": local(appointment.starts_at, zone).isoformat(),
        "ends_at": local(appointment.ends_at, zone).isoformat(),
        "timezone": zone,
        "kind": appointment.kind,
        "place": place_label(appointment),
        "address": address(appointment),
        "counsellor": appointment.counsellor.display_name,
        "status": appointment.status,
        "first_name": appointment.first_name,  # null when not given
        "phone": appointment.phone,
        "topic": appointment.topic,
        "outcome_at": _iso(appointment.outcome_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None

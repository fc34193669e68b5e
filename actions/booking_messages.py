"""What the booking says in sentences: the wish the slots follow (« le mardi à partir de 14h »),
and the confirmation with time, place, counsellor, what to bring, calendar link and reminders."""

from __future__ import annotations

from actions.appointments import describe
from bot.booking.calendar_file import calendar_url
from bot.booking.preferences import Preference, clock
from bot.content.texts import reply_text
from bot.core.french_dates import WEEKDAYS
from bot.storage.models import Appointment


def preference_label(preference: Preference) -> str:
    """« le mardi après-midi », « le matin », « à partir de 14h », « le jeudi entre 15h et 17h »."""
    words = []
    if preference.weekday is not None:
        day = WEEKDAYS[preference.weekday]
        if preference.part is None:
            words.append(reply_text("booking", "preference_day", day=day))
        else:
            part = reply_text("booking", f"part_{preference.part.value}")
            words.append(reply_text("booking", "preference_day_part", day=day, part=part))
    elif preference.part is not None:
        words.append(reply_text("booking", f"preference_{preference.part.value}"))
    earliest, before = preference.earliest, preference.before
    if earliest is not None and before is not None:
        words.append(
            reply_text("booking", "hours_between", start=clock(earliest), end=clock(before))
        )
    elif earliest is not None:
        words.append(reply_text("booking", "hours_from", hour=clock(earliest)))
    elif before is not None:
        words.append(reply_text("booking", "hours_before", hour=clock(before)))
    return " ".join(words)


def confirmation(
    appointment: Appointment,
    replaces: Appointment | None,
    leads: list[int],
    public_url: str,
) -> str:
    """The confirmation: when, where, with whom, what to bring, calendar link, reminders."""
    when, place = describe(appointment)
    counsellor = appointment.counsellor.display_name
    if replaces is not None:
        old_when, _ = describe(replaces)
        head = reply_text(
            "booking", "rescheduled", old_when=old_when, when=when, place=place,
            counsellor=counsellor,
        )  # fmt: skip
    else:
        head = reply_text("booking", "confirmed", when=when, place=place, counsellor=counsellor)
    remote = appointment.kind in {"phone", "video"}
    parts = [
        head,
        reply_text("booking", "bring_remote" if remote else "bring_in_person"),
        reply_text("booking", "calendar", url=calendar_url(public_url, appointment.calendar_key)),
    ]
    if leads:
        parts.append(reminders_sentence(leads))
    return "\n\n".join(parts)


def reminders_sentence(leads: list[int]) -> str:
    """« Je t'enverrai un rappel la veille et 2 h avant 🔔 »."""
    words = f" {reply_text('booking', 'reminders_and')} ".join(_lead(lead) for lead in leads)
    return reply_text("booking", "reminders", leads=words)


def _lead(minutes: int) -> str:
    if minutes == 24 * 60:
        return reply_text("booking", "lead_day")
    if minutes % (24 * 60) == 0:
        return reply_text("booking", "lead_days", days=str(minutes // (24 * 60)))
    if minutes % 60 == 0:
        return reply_text("booking", "lead_hours", hours=str(minutes // 60))
    return reply_text("booking", "lead_minutes", minutes=str(minutes))

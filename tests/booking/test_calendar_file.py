"""The .ics file of an appointment: fields read back with icalendar, local times, cancellation,
no personal data; and the `/rdv/<key>.ics` route."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from icalendar import Calendar, Event
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking.calendar_file import calendar_file, calendar_url
from bot.storage.calendar_links import by_calendar_key
from bot.storage.models import Appointment
from bot.wiring import SESSIONS
from tests.booking.factories import (
    make_appointment,
    make_counsellor,
    make_identity,
    make_permanence,
    make_site,
)

Client = TestClient[web.Request, web.Application]
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")
MARTINIQUE = ZoneInfo("America/Martinique")
PUBLIC_URL = "https://chat.ml.fr"


async def _appointment(
    sessions: async_sessionmaker[AsyncSession],
    starts_at: datetime,
    *,
    timezone: str = "Europe/Paris",
    kind: str = "on_site",
    status: str = "booked",
    permanence: bool = False,
) -> Appointment:
    """One appointment row, read back as the route reads it (by its calendar key)."""
    async with sessions() as session, session.begin():
        site = await make_site(session, NOW, timezone=timezone)
        counsellor = await make_counsellor(session, site, NOW)
        place = None
        if permanence:
            place = await make_permanence(
                session,
                counsellor,
                starts_at,
                starts_at + timedelta(hours=4),
                NOW,
                timezone=timezone,
            )
        identity = await make_identity(session, NOW)
        row = await make_appointment(
            session,
            identity,
            counsellor,
            starts_at,
            NOW,
            kind="permanence" if permanence else kind,
            status=status,
            permanence=place,
        )
        key = row.calendar_key
    async with sessions() as session:
        found = await by_calendar_key(session, key)
    assert found is not None
    return found


def _event(data: bytes) -> Event:
    calendar = Calendar.from_ical(data)
    assert isinstance(calendar, Calendar)
    assert str(calendar["VERSION"]) == "2.0"
    assert "PRODID" in calendar
    [event] = calendar.events
    return event


async def test_an_on_site_appointment_in_lyon(sessions: async_sessionmaker[AsyncSession]) -> None:
    starts_at = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)  # winter: UTC+1
    appointment = await _appointment(sessions, starts_at)

    event = _event(calendar_file(appointment, PUBLIC_URL))

    assert str(event["UID"]) == f"appointment-{appointment.id}@chat.ml.fr"
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").astimezone(PARIS).time() == time(10, 0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=45)
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == "Rendez-vous Mission Locale"
    assert str(event["LOCATION"]) == "Antenne du centre, 12 rue de la République, 69001 Lyon"
    description = str(event["DESCRIPTION"])
    assert "pièce d'identité" in description
    assert "04 00 00 00 00" in description  # the Mission Locale's phone, to warn
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 0
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(hours=-1)


async def test_a_summer_appointment_in_lyon_and_one_in_martinique(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    lyon = await _appointment(sessions, datetime(2027, 6, 15, 14, 0, tzinfo=PARIS))
    martinique = await _appointment(
        sessions, datetime(2026, 12, 1, 14, 0, tzinfo=MARTINIQUE), timezone="America/Martinique"
    )

    in_lyon = _event(calendar_file(lyon, PUBLIC_URL)).decoded("DTSTART")
    in_martinique = _event(calendar_file(martinique, PUBLIC_URL)).decoded("DTSTART")

    assert in_lyon == datetime(2027, 6, 15, 12, 0, tzinfo=UTC)  # summer: UTC+2
    assert in_martinique == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # always UTC-4
    assert in_martinique.astimezone(MARTINIQUE).time() == time(14, 0)


async def test_a_phone_appointment_has_no_place_and_no_personal_data(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    appointment = await _appointment(sessions, datetime(2026, 12, 1, 9, tzinfo=UTC), kind="phone")
    assert appointment.phone == "+33612345678"
    assert appointment.first_name == "Lina"

    data = calendar_file(appointment, PUBLIC_URL)
    event = _event(data)

    assert str(event["SUMMARY"]) == "Rendez-vous Mission Locale par téléphone"
    assert "LOCATION" not in event
    assert "Samia t'appelle" in str(event["DESCRIPTION"])
    unfolded = data.replace(b"\r\n ", b"")
    for personal in (b"Lina", b"612345678", b"12345678"):
        assert personal not in unfolded


async def test_a_video_appointment_says_where_the_link_comes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    appointment = await _appointment(sessions, datetime(2026, 12, 1, 9, tzinfo=UTC), kind="video")

    event = _event(calendar_file(appointment, PUBLIC_URL))

    assert str(event["SUMMARY"]) == "Rendez-vous Mission Locale en visio"
    assert "LOCATION" not in event
    assert "lien de la visio" in str(event["DESCRIPTION"])


async def test_a_permanence_appointment_is_at_the_permanence(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    appointment = await _appointment(
        sessions, datetime(2026, 11, 27, 8, 0, tzinfo=PARIS), permanence=True
    )

    event = _event(calendar_file(appointment, PUBLIC_URL))

    assert str(event["SUMMARY"]) == "Rendez-vous Mission Locale à la permanence"
    assert str(event["LOCATION"]) == (
        "Résidence Les Tilleuls (salle commune), 3 allée des Tilleuls, 69008 Lyon"
    )
    assert event.decoded("DTSTART") == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("status", ["cancelled", "rescheduled"])
async def test_a_called_off_appointment_is_cancelled_in_the_file(
    sessions: async_sessionmaker[AsyncSession], status: str
) -> None:
    appointment = await _appointment(sessions, datetime(2026, 12, 1, 9, tzinfo=UTC), status=status)

    event = _event(calendar_file(appointment, PUBLIC_URL))

    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1  # replaces the booked version a calendar imported
    assert str(event["UID"]) == f"appointment-{appointment.id}@chat.ml.fr"
    assert event.walk("VALARM") == []
    assert "annulé" in str(event["DESCRIPTION"]) or "déplacé" in str(event["DESCRIPTION"])


def test_the_calendar_link() -> None:
    assert calendar_url("https://chat.ml.fr/", "abc_DEF-123") == (
        "https://chat.ml.fr/rdv/abc_DEF-123.ics"
    )


async def _stored_key(client: Client, status: str = "booked") -> str:
    async with client.app[SESSIONS]() as session, session.begin():
        site = await make_site(session, NOW)
        counsellor = await make_counsellor(session, site, NOW)
        identity = await make_identity(session, NOW)
        appointment = await make_appointment(
            session, identity, counsellor, datetime(2026, 12, 1, 9, tzinfo=UTC), NOW
        )
        if status != "booked":
            await session.execute(
                update(Appointment)
                .where(Appointment.id == appointment.id)
                .values(status=status, cancelled_at=NOW)
            )
        return appointment.calendar_key


async def test_the_route_serves_the_file(client: Client) -> None:
    key = await _stored_key(client)

    response = await client.get(f"/rdv/{key}.ics")

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="rendez-vous-mission-locale.ics"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    event = _event(await response.read())
    assert event.decoded("DTSTART") == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert str(event["UID"]).endswith("@127.0.0.1")  # the test's public address


async def test_the_route_serves_a_cancelled_appointment_as_cancelled(client: Client) -> None:
    key = await _stored_key(client, "cancelled")

    response = await client.get(f"/rdv/{key}.ics")

    assert response.status == 200
    assert str(_event(await response.read())["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize(
    "key",
    [
        "x" * 43,  # well formed, unknown
        "court",  # too short
        "x" * 65,  # too long
        "x" * 30 + "~",  # not url-safe base64
        "x" * 30 + ".ics",  # /rdv/xxx.ics.ics
    ],
)
async def test_the_route_answers_404_in_french(client: Client, key: str) -> None:
    await _stored_key(client)

    response = await client.get(f"/rdv/{key}.ics")

    assert response.status == 404
    body = await response.json()
    assert body["error"]["code"] == "unknown_appointment"
    assert "rendez-vous" in body["error"]["message"]

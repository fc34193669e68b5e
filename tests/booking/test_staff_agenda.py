"""Counsellors' agenda and outcomes: the storage rules, the staff JSON API and the CLI."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import __main__ as entry
from bot.booking import cli
from bot.booking.staff_view import InvalidDays, appointments_on_days, days_asked
from bot.errors import AppointmentNotFound, OutcomeRefused
from bot.settings import load_settings
from bot.storage.models import Appointment
from bot.storage.staff_agenda import appointments_between, set_outcome
from bot.wiring import SESSIONS, SETTINGS
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site
from tests.conftest import FixedClock

Client = TestClient[web.Request, web.Application]
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the `client` fixture's clock: a Monday
PARIS = ZoneInfo("Europe/Paris")
MARTINIQUE = ZoneInfo("America/Martinique")
STAFF = "/api/staff/appointments"


async def _agenda(session: AsyncSession) -> dict[str, Appointment]:
    """A Lyon site and a Martinique site, and appointments around NOW."""
    lyon = await make_site(session, NOW)
    samia = await make_counsellor(session, lyon, NOW)
    fort_de_france = await make_site(
        session, NOW, timezone="America/Martinique", postcode="97200", city="Fort-de-France"
    )
    marc = await make_counsellor(session, fort_de_france, NOW, name="Marc")

    async def add(
        counsellor_name: str, starts_at: datetime, kind: str = "on_site", status: str = "booked"
    ) -> Appointment:
        counsellor = samia if counsellor_name == "Samia" else marc
        identity = await make_identity(session, NOW)
        return await make_appointment(
            session, identity, counsellor, starts_at, NOW, kind=kind, status=status
        )

    return {
        "past": await add("Samia", NOW - timedelta(hours=2)),
        "phone_past": await add("Samia", NOW - timedelta(days=1), kind="phone"),
        "cancelled": await add("Samia", NOW - timedelta(hours=4), status="cancelled"),
        "rescheduled": await add("Samia", NOW - timedelta(hours=5), status="rescheduled"),
        "future": await add("Samia", datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)),
        # Monday 30 November, 21:00 in Martinique: already 1 December in UTC.
        "martinique": await add("Marc", datetime(2026, 11, 30, 21, 0, tzinfo=MARTINIQUE)),
        "far": await add("Samia", datetime(2026, 12, 15, 10, 0, tzinfo=PARIS)),
    }


async def _ids(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session, session.begin():
        return {name: a.id for name, a in (await _agenda(session)).items()}


async def _row(sessions: async_sessionmaker[AsyncSession], appointment_id: int) -> Appointment:
    async with sessions() as session:
        row = await session.get(Appointment, appointment_id)
    assert row is not None
    return row


# --- storage -----------------------------------------------------------------------------------


async def test_an_outcome_is_recorded_once_and_can_be_corrected(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _ids(sessions)
    later = NOW + timedelta(hours=1)

    async with sessions() as session, session.begin():
        marked = await set_outcome(session, ids["past"], "attended", NOW)
        assert marked.counsellor.display_name == "Samia"  # loaded for the answer
    async with sessions() as session, session.begin():
        await set_outcome(session, ids["past"], "attended", later)  # again: no-op
    row = await _row(sessions, ids["past"])
    assert (row.status, row.outcome_at, row.updated_at) == ("attended", NOW, NOW)

    async with sessions() as session, session.begin():
        await set_outcome(session, ids["past"], "missed", later)  # a correction
    row = await _row(sessions, ids["past"])
    assert (row.status, row.outcome_at, row.updated_at) == ("missed", later, later)


@pytest.mark.parametrize(
    ("name", "outcome", "reason"),
    [
        ("future", "attended", "not_started"),
        ("cancelled", "attended", "cancelled"),
        ("rescheduled", "missed", "rescheduled"),
        ("past", "came", "unknown_outcome"),
        ("past", "booked", "unknown_outcome"),
    ],
)
async def test_an_outcome_is_refused(
    sessions: async_sessionmaker[AsyncSession], name: str, outcome: str, reason: str
) -> None:
    ids = await _ids(sessions)
    before = await _row(sessions, ids[name])

    with pytest.raises(OutcomeRefused) as refused:
        async with sessions() as session, session.begin():
            await set_outcome(session, ids[name], outcome, NOW)

    assert refused.value.reason == reason
    after = await _row(sessions, ids[name])
    assert (after.status, after.outcome_at) == (before.status, None)


@pytest.mark.parametrize("appointment_id", [999_999, 0, -1, 2**31, 10**20])
async def test_an_outcome_for_an_unknown_appointment(
    sessions: async_sessionmaker[AsyncSession], appointment_id: int
) -> None:
    with pytest.raises(AppointmentNotFound):
        async with sessions() as session, session.begin():
            await set_outcome(session, appointment_id, "attended", NOW)


async def test_the_agenda_of_a_period_soonest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _ids(sessions)

    async with sessions() as session:
        found = await appointments_between(session, NOW - timedelta(days=2), NOW)
        local_days = await appointments_on_days(session, date(2026, 11, 30), date(2026, 11, 30))
        december = await appointments_on_days(session, date(2026, 12, 1), date(2026, 12, 31))

    names = {v: k for k, v in ids.items()}
    assert [names[a.id] for a in found] == ["phone_past", "rescheduled", "cancelled", "past"]
    assert found[0].site is not None
    assert found[0].counsellor.site.city == "Lyon"
    # The Martinique appointment is on 30 November there, whatever the UTC date.
    assert [names[a.id] for a in local_days] == ["martinique"]
    assert [names[a.id] for a in december] == ["far"]


def test_the_days_asked_default_to_a_week_ahead() -> None:
    assert days_asked(None, None, NOW) == (date(2026, 11, 23), date(2026, 11, 30))
    assert days_asked("2026-12-01", None, NOW) == (date(2026, 12, 1), date(2026, 12, 8))
    assert days_asked("2026-01-01", "2026-04-02", NOW) == (date(2026, 1, 1), date(2026, 4, 2))
    with pytest.raises(InvalidDays):
        days_asked("2026-01-01", "2026-04-03", NOW)  # 93 days
    with pytest.raises(InvalidDays):
        days_asked("2026-02-30", None, NOW)


# --- staff API ---------------------------------------------------------------------------------


def _auth(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.app[SETTINGS].staff_token}"}


JSON_TYPE = {"Content-Type": "application/json"}


async def _snapshot(client: Client) -> list[tuple[int, str, datetime | None, datetime]]:
    async with client.app[SESSIONS]() as session:
        rows = await session.scalars(select(Appointment).order_by(Appointment.id))
        return [(a.id, a.status, a.outcome_at, a.updated_at) for a in rows]


@pytest.mark.parametrize(
    "query",
    [
        {"from": "9999-12-31"},
        {"from": "0001-01-01"},
        {"from": "9999-12-25", "to": "9999-12-31"},
        {"to": "0001-01-01"},
    ],
)
async def test_days_far_in_the_past_or_future_are_a_400(
    client: Client, query: dict[str, str]
) -> None:
    response = await client.get(STAFF, params=query, headers=_auth(client))

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_days"


@pytest.mark.parametrize("since", ["0001-01-01", "9999-12-31", "2026-13-01"])
async def test_sources_since_far_dates_are_a_400(client: Client, since: str) -> None:
    response = await client.get(
        "/api/staff/sources", params={"since": since}, headers=_auth(client)
    )

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_since"


async def test_the_staff_agenda_needs_the_token(client: Client) -> None:
    ids = await _ids(client.app[SESSIONS])
    outcome = f"{STAFF}/{ids['past']}/outcome"

    statuses = [
        (await client.get(STAFF)).status,
        (await client.get(STAFF, headers={"Authorization": "Bearer nope"})).status,
        (await client.post(outcome, json={"outcome": "attended"})).status,
        (
            await client.post(
                outcome, json={"outcome": "attended"}, headers={"Authorization": "Bearer nope"}
            )
        ).status,
    ]

    assert statuses == [401, 403, 401, 403]
    assert (await _row(client.app[SESSIONS], ids["past"])).status == "booked"


async def test_the_staff_agenda_lists_the_coming_week_in_local_time(client: Client) -> None:
    ids = await _ids(client.app[SESSIONS])

    response = await client.get(STAFF, headers=_auth(client))

    assert response.status == 200
    body = await response.json()
    assert (body["from"], body["to"]) == ("2026-11-23", "2026-11-30")
    by_id = {a["id"]: a for a in body["appointments"]}
    assert set(by_id) == {ids[n] for n in ("past", "cancelled", "rescheduled", "future")} | {
        ids["martinique"]
    }
    future = by_id[ids["future"]]
    assert future == {
        "id": ids["future"],
        "starts_at": "2026-11-25T10:00:00+01:00",
        "ends_at": "2026-11-25T10:45:00+01:00",
        "timezone": "Europe/Paris",
        "kind": "on_site",
        "place": "Antenne du centre",
        "address": "12 rue de la République, 69001 Lyon",
        "counsellor": "Samia",
        "status": "booked",
        "first_name": "Lina",
        "phone": None,
        "topic": None,
        "outcome_at": None,
    }
    assert by_id[ids["martinique"]]["starts_at"] == "2026-11-30T21:00:00-04:00"


async def test_the_staff_agenda_takes_days(client: Client) -> None:
    ids = await _ids(client.app[SESSIONS])

    december = await client.get(
        STAFF, params={"from": "2026-12-01", "to": "2026-12-31"}, headers=_auth(client)
    )
    yesterday = await client.get(
        STAFF, params={"from": "2026-11-22", "to": "2026-11-22"}, headers=_auth(client)
    )
    bad = await client.get(STAFF, params={"from": "lundi"}, headers=_auth(client))
    backwards = await client.get(
        STAFF, params={"from": "2026-12-01", "to": "2026-11-01"}, headers=_auth(client)
    )

    assert [a["id"] for a in (await december.json())["appointments"]] == [ids["far"]]
    [phone] = (await yesterday.json())["appointments"]
    assert (phone["id"], phone["kind"], phone["place"]) == (
        ids["phone_past"],
        "phone",
        "par téléphone",
    )
    assert phone["phone"] == "+33612345678"  # counsellors call this number
    assert phone["address"] is None
    assert (bad.status, backwards.status) == (400, 400)
    assert (await bad.json())["error"]["code"] == "invalid_days"


async def test_marking_an_appointment_attended_then_missed(client: Client) -> None:
    ids = await _ids(client.app[SESSIONS])
    url = f"{STAFF}/{ids['past']}/outcome"

    attended = await client.post(url, json={"outcome": "attended"}, headers=_auth(client))
    again = await client.post(url, json={"outcome": "attended"}, headers=_auth(client))
    missed = await client.post(url, json={"outcome": "missed"}, headers=_auth(client))

    assert (attended.status, again.status, missed.status) == (200, 200, 200)
    body = await attended.json()
    assert (body["id"], body["status"], body["first_name"]) == (ids["past"], "attended", "Lina")
    assert body["outcome_at"] == "2026-11-23T09:30:00+00:00"
    assert (await missed.json())["status"] == "missed"
    assert (await _row(client.app[SESSIONS], ids["past"])).status == "missed"


async def test_a_refused_outcome_changes_nothing(client: Client) -> None:
    ids = await _ids(client.app[SESSIONS])
    before = await _snapshot(client)
    past = f"{STAFF}/{ids['past']}/outcome"

    async def post(
        url: str, headers: dict[str, str] | None = None, **kwargs: object
    ) -> tuple[int, str]:
        response = await client.post(url, headers={**_auth(client), **(headers or {})}, **kwargs)  # type: ignore[arg-type]
        return response.status, (await response.json())["error"]["code"]

    answers = [
        await post(past, data=b"{not json", headers=JSON_TYPE),
        await post(past, data=b"", headers=JSON_TYPE),
        await post(past, data=b'{"outcome": "attended"}'),  # text/plain: a cross-site form
        await post(
            past, data=b'{"outcome": ' + b"[" * 2000 + b"]" * 2000 + b"}", headers=JSON_TYPE
        ),
        await post(past, data=b'{"outcome": ' + b"7" * 5000 + b"}", headers=JSON_TYPE),
        await post(past, json=["attended"]),
        await post(past, json={"outcome": "came"}),
        await post(past, json={"outcome": None}),
        await post(f"{STAFF}/999999/outcome", json={"outcome": "attended"}),
        await post(f"{STAFF}/abc/outcome", json={"outcome": "attended"}),
        await post(f"{STAFF}/²/outcome", json={"outcome": "attended"}),
        await post(f"{STAFF}/{'9' * 30}/outcome", json={"outcome": "attended"}),
        await post(f"{STAFF}/{ids['cancelled']}/outcome", json={"outcome": "attended"}),
        await post(f"{STAFF}/{ids['rescheduled']}/outcome", json={"outcome": "missed"}),
        await post(f"{STAFF}/{ids['future']}/outcome", json={"outcome": "attended"}),
    ]

    assert answers == [
        (400, "invalid_json"),
        (400, "invalid_json"),
        (415, "unsupported_media_type"),
        (400, "invalid_json"),
        (400, "invalid_json"),
        (400, "unknown_outcome"),
        (400, "unknown_outcome"),
        (400, "unknown_outcome"),
        (404, "unknown_appointment"),
        (404, "unknown_appointment"),
        (404, "unknown_appointment"),
        (404, "unknown_appointment"),
        (409, "cancelled"),
        (409, "rescheduled"),
        (409, "not_started"),
    ]
    assert await _snapshot(client) == before


# --- CLI ---------------------------------------------------------------------------------------


def _cli(database_url: str, tmp_path: Path, *argv: str) -> tuple[int, str]:
    settings = load_settings({"DATABASE_URL": database_url, "PROJECT_DIR": str(tmp_path)})
    out = io.StringIO()
    return cli.main(list(argv), settings, out, FixedClock(NOW)), out.getvalue()


async def test_the_cli_lists_and_marks(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    ids = await _ids(sessions)

    async def run(*argv: str) -> tuple[int, str]:
        return await asyncio.to_thread(_cli, database_url, tmp_path, *argv)

    code, out = await run("list")
    assert code == 0
    assert "mer. 25/11 10h-10h45" in out
    assert "lun. 30/11 21h-21h45" in out  # Martinique's own time
    assert "Antenne du centre" in out
    assert "15/12" not in out  # after the default week

    code, out = await run("list", "--from", "2026-11-22", "--to", "2026-11-22", "--json")
    assert code == 0
    [phone] = json.loads(out)
    assert (phone["id"], phone["phone"]) == (ids["phone_past"], "+33612345678")

    code, out = await run("mark", str(ids["past"]), "attended")
    assert (code, out) == (0, f"Rendez-vous n° {ids['past']} (Lina) noté : venu·e.\n")
    assert (await _row(sessions, ids["past"])).status == "attended"

    assert (await run("mark", str(ids["future"]), "missed"))[0] == 2
    assert (await run("mark", "999999", "missed"))[0] == 2
    assert (await run("mark", "99999999999", "missed"))[0] == 2
    assert (await run("list", "--from", "demain"))[0] == 2
    assert (await _row(sessions, ids["future"])).status == "booked"


async def test_an_appointment_without_a_first_name_shows_a_dash(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    async with sessions() as session, session.begin():
        site = await make_site(session, NOW)
        samia = await make_counsellor(session, site, NOW)
        identity = await make_identity(session, NOW)
        anonymous = await make_appointment(
            session, identity, samia, NOW - timedelta(hours=2), NOW, first_name=None
        )

    async def run(*argv: str) -> tuple[int, str]:
        return await asyncio.to_thread(_cli, database_url, tmp_path, *argv)

    code, out = await run("list", "--from", "2026-11-23", "--to", "2026-11-23")
    [row] = [line for line in out.splitlines() if line.strip().startswith(str(anonymous.id))]
    assert code == 0
    assert " prévu     —              —" in row  # no first name, no phone number
    code, out = await run("list", "--from", "2026-11-23", "--to", "2026-11-23", "--json")
    assert json.loads(out)[0]["first_name"] is None
    code, out = await run("mark", str(anonymous.id), "attended")
    assert (code, out) == (0, f"Rendez-vous n° {anonymous.id} (—) noté : venu·e.\n")


def test_python_m_bot_appointments_dispatches_to_the_commands(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env read from the project
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("PROJECT_DIR", str(tmp_path))

    assert entry.main(["appointments", "list", "--from", "2020-01-01", "--to", "2020-01-02"]) == 0
    assert "Aucun rendez-vous du 2020-01-01 au 2020-01-02." in capsys.readouterr().out
    assert entry.main(["appointments", "mark", "1", "attended"]) == 2
    assert "Aucun rendez-vous n° 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad_outcome:
        entry.main(["appointments", "mark", "1", "present"])
    assert bad_outcome.value.code == 2

"""Per source: how many young people booked an appointment, and how many came to one."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outreach import cli
from bot.settings import load_settings
from bot.storage import sources
from bot.storage.models import ChannelIdentity, Contact, OutreachSource
from bot.wiring import SESSIONS, SETTINGS
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site

Client = TestClient[web.Request, web.Application]
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def _young_person(session: AsyncSession, code: str, first_seen: datetime) -> ChannelIdentity:
    identity = await make_identity(session, first_seen)
    contact = await session.get(Contact, identity.contact_id)
    assert contact is not None
    contact.source_id = await session.scalar(
        select(OutreachSource.id).where(OutreachSource.code == code)
    )
    await session.flush()
    return identity


async def _appointments_per_source(sessions: async_sessionmaker[AsyncSession]) -> None:
    """snap-story-dec brought four: one came (after a missed one), one cancelled, one missed,
    one never booked; boulangerie-centre one who came twice; the demo's sources exist."""
    async with sessions() as session, session.begin():
        site = await make_site(session, NOW)
        counsellor = await make_counsellor(session, site, NOW)
        day = timedelta(days=1)
        hour = iter(range(24))  # one counsellor: each appointment at its own time

        async def book(identity: ChannelIdentity, days_ago: int, status: str) -> None:
            starts_at = NOW - days_ago * day + timedelta(hours=next(hour))
            await make_appointment(session, identity, counsellor, starts_at, NOW, status=status)

        came = await _young_person(session, "snap-story-dec", NOW - 30 * day)
        await book(came, 20, "missed")
        await book(came, 10, "attended")
        await book(await _young_person(session, "snap-story-dec", NOW - 3 * day), 2, "cancelled")
        await book(await _young_person(session, "snap-story-dec", NOW - 3 * day), 1, "missed")
        await _young_person(session, "snap-story-dec", NOW - 3 * day)
        twice = await _young_person(session, "boulangerie-centre", NOW - 5 * day)
        await book(twice, 4, "attended")
        await book(twice, 3, "attended")
        # Someone who came without any source is counted nowhere.
        await book(await make_identity(session, NOW), 1, "attended")


async def test_the_figures_count_young_people_not_appointments(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _appointments_per_source(client.app[SESSIONS])

    async with client.app[SESSIONS]() as session:
        every = {f.code: f for f in await sources.figures(session)}
        recent = {f.code: f for f in await sources.figures(session, NOW - timedelta(days=7))}

    snap, bakery = every["snap-story-dec"], every["boulangerie-centre"]
    assert (snap.contacts, snap.appointments_booked, snap.appointments_attended) == (4, 3, 1)
    assert (bakery.contacts, bakery.appointments_booked, bakery.appointments_attended) == (1, 1, 1)
    assert every["permanence-quartier"].appointments_booked == 0
    # Since a date: the young people first seen since then, whenever their appointments are.
    snap = recent["snap-story-dec"]
    assert (snap.contacts, snap.appointments_booked, snap.appointments_attended) == (3, 2, 0)


async def test_the_staff_api_gives_the_appointment_figures(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _appointments_per_source(client.app[SESSIONS])

    response = await client.get(
        "/api/staff/sources",
        headers={"Authorization": f"Bearer {client.app[SETTINGS].staff_token}"},
    )

    by_code = {s["code"]: s for s in (await response.json())["sources"]}
    bakery = by_code["boulangerie-centre"]
    assert bakery == {
        "code": "boulangerie-centre",
        "label": "Affiche à la boulangerie du centre",
        "kind": "poster",
        "active": True,
        "contacts": 1,
        "by_channel": {"webchat": 1},
        "first_contact_at": "2026-11-18T09:30:00+00:00",
        "last_contact_at": "2026-11-18T09:30:00+00:00",
        "appointments_booked": 1,
        "appointments_attended": 1,
        "links": bakery["links"],
    }
    assert by_code["snap-story-dec"]["appointments_booked"] == 3


async def test_the_cli_table_shows_the_appointment_figures(
    client: Client, database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await _appointments_per_source(client.app[SESSIONS])
    settings = load_settings({"DATABASE_URL": database_url, "PROJECT_DIR": str(tmp_path)})
    out = io.StringIO()

    code = await asyncio.to_thread(cli.main, ["list"], settings, out)

    assert code == 0
    lines = out.getvalue().splitlines()
    assert "avec rdv" in lines[0]
    assert "présents" in lines[0]
    [snap] = [line for line in lines if line.startswith("snap-story-dec")]
    assert snap.split()[2:5] == ["4", "3", "1"]

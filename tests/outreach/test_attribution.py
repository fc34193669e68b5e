"""A source code on a link is recorded on the first contact and counted for the staff."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import __main__ as entry
from bot.outreach import cli
from bot.settings import load_settings
from bot.storage import sources
from bot.storage.demo import DEMO_SOURCES, seed_demo
from bot.storage.models import Contact, OutreachSource
from bot.wiring import CLOCK, SESSIONS, SETTINGS
from tests.conftest import FixedClock

Client = TestClient[web.Request, web.Application]
URL = "/webchat/api/messages"
STAFF = "/api/staff/sources"


def _user(n: int) -> str:
    return f"user{n:04d}" + "x" * 22


async def _source_of_contacts(client: Client) -> list[str | None]:
    async with client.app[SESSIONS]() as session:
        rows = await session.execute(
            select(OutreachSource.code)
            .select_from(Contact)
            .outerjoin(OutreachSource, OutreachSource.id == Contact.source_id)
            .order_by(Contact.id)
        )
        return [row[0] for row in rows]


def _auth(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.app[SETTINGS].staff_token}"}


async def test_the_web_chat_records_the_source_of_the_first_message_only(client: Client) -> None:
    first = await client.post(
        URL, json={"user_id": _user(1), "text": "slt", "source": "snap-story-dec"}
    )
    again = await client.post(
        URL, json={"user_id": _user(1), "text": "re", "source": "boulangerie-centre"}
    )

    assert first.status == again.status == 200
    assert await _source_of_contacts(client) == ["snap-story-dec"]


@pytest.mark.parametrize("source", ["inconnu", "A B C", "x" * 65, 42, "", None])
async def test_a_wrong_or_unknown_code_is_dropped_and_the_message_answered(
    client: Client, source: object
) -> None:
    response = await client.post(URL, json={"user_id": _user(2), "text": "slt", "source": source})

    assert response.status == 200
    assert (await response.json())["messages"]
    assert await _source_of_contacts(client) == [None]


async def test_an_archived_source_no_longer_counts_new_contacts(client: Client) -> None:
    async with client.app[SESSIONS]() as session, session.begin():
        assert await sources.archive_source(session, "boulangerie-centre", client.app[CLOCK].now())

    await client.post(
        URL, json={"user_id": _user(3), "text": "slt", "source": "boulangerie-centre"}
    )

    assert await _source_of_contacts(client) == [None]


async def test_the_staff_api_needs_the_token(client: Client) -> None:
    missing = await client.get(STAFF)
    wrong = await client.get(STAFF, headers={"Authorization": "Bearer nope"})
    basic = await client.get(STAFF, headers={"Authorization": "Basic eDp5"})

    assert (missing.status, wrong.status, basic.status) == (401, 403, 401)
    assert (await client.get(f"{STAFF}/flyer/qr.png")).status == 401


async def test_the_staff_api_counts_young_people_per_source_and_channel(client: Client) -> None:
    for n in range(3):
        await client.post(
            URL, json={"user_id": _user(10 + n), "text": "slt", "source": "snap-story-dec"}
        )
    await client.post(URL, json={"user_id": _user(20), "text": "slt"})

    response = await client.get(STAFF, headers=_auth(client))

    assert response.status == 200
    body = await response.json()
    by_code = {s["code"]: s for s in body["sources"]}
    snap = by_code["snap-story-dec"]
    assert snap["contacts"] == 3
    assert snap["by_channel"] == {"webchat": 3}
    assert snap["kind"] == "snapchat"
    assert snap["links"]["webchat"].endswith("/?src=snap-story-dec")
    assert snap["first_contact_at"] == "2026-11-23T09:30:00+00:00"
    assert by_code["boulangerie-centre"]["contacts"] == 0
    assert "user" not in json.dumps(body)  # aggregates only


async def test_the_staff_api_filters_by_first_contact_date(client: Client) -> None:
    await client.post(URL, json={"user_id": _user(30), "text": "slt", "source": "snap-story-dec"})

    later = await client.get(STAFF, params={"since": "2026-11-24"}, headers=_auth(client))
    bad = await client.get(STAFF, params={"since": "hier"}, headers=_auth(client))

    by_code = {s["code"]: s for s in (await later.json())["sources"]}
    assert by_code["snap-story-dec"]["contacts"] == 0
    assert bad.status == 400


async def test_the_staff_api_serves_a_sources_qr_codes(client: Client) -> None:
    png = await client.get(f"{STAFF}/snap-story-dec/qr.png", headers=_auth(client))
    svg = await client.get(f"{STAFF}/snap-story-dec/qr.svg", headers=_auth(client))
    telegram = await client.get(
        f"{STAFF}/snap-story-dec/qr.svg", params={"target": "telegram"}, headers=_auth(client)
    )
    unknown = await client.get(f"{STAFF}/nope/qr.svg", headers=_auth(client))

    assert png.content_type == "image/png"
    assert (await png.read())[:4] == b"\x89PNG"
    assert "/?src=snap-story-dec" in (await svg.text())
    assert (telegram.status, unknown.status) == (404, 404)  # Telegram is off in this test


def _cli(database_url: str, tmp_path: Path, *argv: str) -> tuple[int, str]:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "PUBLIC_URL": "https://chat.ml.fr",
            "PROJECT_DIR": str(tmp_path),
        }
    )
    out = io.StringIO()
    return cli.main(list(argv), settings, out), out.getvalue()


def test_the_cli_registers_lists_archives_and_makes_qr_codes(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    code, out = _cli(
        database_url, tmp_path, "add", "flyer-gare", "Flyers à la gare", "--kind", "flyer"
    )
    assert code == 0
    assert "https://chat.ml.fr/?src=flyer-gare" in out

    assert _cli(database_url, tmp_path, "add", "flyer-gare", "Encore", "--kind", "flyer")[0] == 2
    assert _cli(database_url, tmp_path, "add", "Pas Bon!", "x")[0] == 2

    code, out = _cli(database_url, tmp_path, "list")
    assert code == 0
    assert "flyer-gare" in out
    assert "Flyers à la gare" in out

    code, out = _cli(database_url, tmp_path, "qr", "flyer-gare", "--out", str(tmp_path / "qr"))
    assert code == 0
    assert (tmp_path / "qr" / "flyer-gare-webchat.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "qr" / "flyer-gare-webchat.svg").exists()
    assert _cli(database_url, tmp_path, "qr", "flyer-gare", "--target", "telegram")[0] == 2

    assert _cli(database_url, tmp_path, "archive", "flyer-gare")[0] == 0
    code, out = _cli(database_url, tmp_path, "list", "--json")
    [listed] = [s for s in json.loads(out) if s["code"] == "flyer-gare"]
    assert listed["active"] is False
    assert _cli(database_url, tmp_path, "links", "inconnu")[0] == 2


def test_the_cli_says_in_french_when_the_database_is_not_migrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(f"sqlite+aiosqlite:///{tmp_path / 'vide.db'}", tmp_path, "list")

    assert (code, out) == (1, "")
    assert "make migrate" in capsys.readouterr().err


def test_python_m_bot_sources_dispatches_to_the_commands(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env read from the project
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PROJECT_DIR", str(tmp_path))
    monkeypatch.setenv("PUBLIC_URL", "https://chat.ml.fr")

    assert entry.main(["sources", "add", "permanence-nord", "Permanence nord"]) == 0
    assert entry.main(["sources", "links", "permanence-nord"]) == 0
    out = capsys.readouterr().out
    assert out.count("https://chat.ml.fr/?src=permanence-nord") == 2
    assert "TELEGRAM_BOT_USERNAME non configuré" in out
    with pytest.raises(SystemExit) as bad_kind:
        entry.main(["sources", "add", "x-y", "Libellé", "--kind", "tiktok"])
    assert bad_kind.value.code == 2


async def test_the_demo_sources_are_seeded_once_and_left_alone_after(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())
    async with sessions() as session, session.begin():
        assert await sources.archive_source(session, "snap-story-dec", clock.now())
    await seed_demo(sessions, clock.now())

    async with sessions() as session:
        listed = await sources.figures(session)
    assert [(f.code, f.active) for f in listed] == sorted(
        (code, code != "snap-story-dec") for code, _, _ in DEMO_SOURCES
    )

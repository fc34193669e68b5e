"""The audit log of staff access (#12): one entry for each login, failed login, logout, view,
take, reply, note, reassignment, hand-back, closing, export, erasure and account change; the
log is for admins only, filterable, newest first, never editable (the database refuses an
UPDATE). On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import accounts
from bot.core.vocabulary import AuditAction, StaffRole
from bot.storage import audit
from bot.storage.database import create_engine, create_session_factory
from bot.storage.models import AuditEntry, StaffAccount
from bot.wiring import CLOCK, SESSIONS
from tests.conftest import FixedClock
from tests.console.people import make_person
from tests.console.test_accounts import _cli
from tests.console.test_inbox import PASSWORD, _signed_in

Client = TestClient[Request, Application]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _app(client: Client) -> Application:
    assert client.app is not None
    return client.app


async def _log(client: Client) -> list[tuple[str, str, int | None, int | None]]:
    """(staff, action, contact, conversation) of every entry, oldest first."""
    async with _app(client)[SESSIONS]() as session:
        rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(r.staff, r.action, r.contact_id, r.conversation_id) for r in rows]


async def _form_login(client: Client, email: str, password: str) -> int:
    page = await client.get("/console/login")
    token = CSRF.search(await page.text())
    assert token is not None
    answer = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token[1]},
        allow_redirects=False,
    )
    return answer.status


async def test_logins_failed_logins_and_logouts_are_recorded(rights_client: Client) -> None:
    client = rights_client
    app = _app(client)
    async with app[SESSIONS]() as session, session.begin():
        await accounts.create_account(
            session, email="chef@ml.fr", name="Chef", role=StaffRole.ADMIN, password=PASSWORD,
            now=app[CLOCK].now(),
        )  # fmt: skip

    assert await _form_login(client, "inconnu@ml.fr", PASSWORD) == 401
    assert await _form_login(client, "Chef@ML.fr", "pas le bon mot de passe") == 401
    assert await _form_login(client, "chef@ml.fr", PASSWORD) == 303
    me = await (await client.get("/console/api/me")).json()
    out = await client.post(
        "/console/logout", data={"csrf_token": me["csrf_token"]}, allow_redirects=False
    )
    assert out.status == 303

    assert await _log(client) == [
        ("inconnu@ml.fr", "login_failed", None, None),
        ("chef@ml.fr", "login_failed", None, None),
        ("chef@ml.fr", "login", None, None),
        ("chef@ml.fr", "logout", None, None),
    ]


async def test_every_action_on_a_conversation_and_a_person_is_recorded(
    rights_client: Client, tracker_file: Path, clock: FixedClock
) -> None:
    client = rights_client
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    lina = await make_person(_app(client), tracker_file, "je cherche un stage")
    c, k = lina.contact_id, lina.conversation_id
    base = f"/console/api/conversations/{k}"
    async with _app(client)[SESSIONS]() as session:
        karim_id = await session.scalar(
            select(StaffAccount.id).where(StaffAccount.email == "karim@ml.fr")
        )

    page = f"/console/conversations/{k}"
    answers = [
        await client.get(page, headers={"Cookie": samia["Cookie"]}),
        await client.get(base, headers=samia),  # the same visit: not recorded again
        await client.get(page, headers={"Cookie": samia["Cookie"]}),  # the page's live reload
        await client.post(f"{base}/take", headers=samia),
        await client.post(f"{base}/messages", json={"text": "Bonjour"}, headers=samia),
        await client.post(f"{base}/notes", json={"text": "à rappeler"}, headers=samia),
        await client.post(f"{base}/reassign", json={"account_id": karim_id}, headers=samia),
        await client.post(f"{base}/release", headers=karim),
        await client.post(f"{base}/take", headers=karim),
        await client.post(f"{base}/close", headers=karim),
    ]
    assert [a.status for a in answers] == [200, 200, 200, 200, 201, 201, 200, 200, 200, 200]
    clock.advance(minutes=6)  # a later visit is recorded again
    assert (await client.get(base, headers=samia)).status == 200
    # A refused action is not recorded as done.
    assert (await client.post(f"{base}/close", headers=samia)).status in (404, 409)

    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    assert (await client.get(f"/console/contacts/{c}", headers=admin)).status == 200
    assert (await client.get(f"/console/api/contacts/{c}/export", headers=admin)).status == 200
    assert (await client.get(f"/console/contacts/{c}/export", headers=admin)).status == 200
    refused = await client.post(f"/console/api/contacts/{c}/erase", json={}, headers=admin)
    assert refused.status == 400
    erased = await client.post(
        f"/console/api/contacts/{c}/erase", json={"confirm": True}, headers=admin
    )
    assert erased.status == 200

    assert await _log(client) == [
        ("samia@ml.fr", "view", c, k),
        ("samia@ml.fr", "take", c, k),
        ("samia@ml.fr", "reply", c, k),
        ("samia@ml.fr", "note", c, k),
        ("samia@ml.fr", "reassign", c, k),
        ("karim@ml.fr", "release", c, k),
        ("karim@ml.fr", "take", c, k),
        ("karim@ml.fr", "close", c, k),
        ("samia@ml.fr", "view", c, k),
        ("chef@ml.fr", "view", c, None),
        ("chef@ml.fr", "export", c, None),
        ("chef@ml.fr", "export", c, None),
        ("chef@ml.fr", "erase", c, None),
    ]


async def test_account_creations_and_changes_are_recorded(rights_client: Client) -> None:
    client = rights_client
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    created = await client.post(
        "/console/admin/accounts",
        json={"email": "com@ml.fr", "name": "Com", "role": "campaign", "password": PASSWORD},
        headers=admin,
    )
    assert created.status == 201
    new_id = (await created.json())["id"]
    duplicate = await client.post(
        "/console/admin/accounts",
        json={"email": "com@ml.fr", "name": "Com", "role": "campaign", "password": PASSWORD},
        headers=admin,
    )
    assert duplicate.status == 409
    disabled = await client.post(f"/console/admin/accounts/{new_id}/disable", headers=admin)
    assert disabled.status == 200

    assert await _log(client) == [
        ("chef@ml.fr", "account_create", None, None),
        ("chef@ml.fr", "account_change", None, None),
    ]
    async with _app(client)[SESSIONS]() as session:
        targets = await session.scalars(select(AuditEntry.target_account_id))
        assert list(targets) == [new_id, new_id]  # which account, not only who
    listed = await _entries(client, admin, action="account_change")
    assert listed["entries"][0]["target_account_id"] == new_id


def test_accounts_changed_on_the_command_line_are_recorded_too(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    added = _cli(
        database_url, tmp_path, "add", "lea@ml.fr", "--name", "Léa", "--role", "admin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added[0] == 0
    assert _cli(database_url, tmp_path, "disable", "lea@ml.fr")[0] == 0

    async def read() -> list[tuple[str, str, int | None, int]]:
        engine = create_engine(database_url)
        try:
            async with create_session_factory(engine)() as session:
                account = await session.scalar(
                    select(StaffAccount.id).where(StaffAccount.email == "lea@ml.fr")
                )
                assert account is not None
                rows = await session.scalars(select(AuditEntry).order_by(AuditEntry.id))
                return [(r.staff, r.action, r.target_account_id, account) for r in rows]
        finally:
            await engine.dispose()

    rows = asyncio.run(read())
    assert [row[:3] for row in rows] == [
        ("ligne de commande", "account_create", rows[0][3]),
        ("ligne de commande", "account_change", rows[0][3]),
    ]


async def _entries(client: Client, headers: dict[str, str], **query: str) -> Any:
    answer = await client.get("/console/api/audit", params=query, headers=headers)
    assert answer.status == 200, await answer.text()
    return await answer.json()


async def test_the_log_is_for_admins_only_and_its_filters_work(
    rights_client: Client, clock: FixedClock
) -> None:
    client = rights_client
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    first_day = clock.now()
    async with _app(client)[SESSIONS]() as session, session.begin():
        account = await session.scalar(
            select(StaffAccount).where(StaffAccount.email == "samia@ml.fr")
        )
        assert account is not None
        for day, (action, contact, conversation) in enumerate(
            [
                (AuditAction.VIEW, 7, 70),
                (AuditAction.TAKE, 7, 70),
                (AuditAction.EXPORT, 8, None),
            ]
        ):
            await audit.record(
                session,
                at=first_day + timedelta(days=day),
                action=action,
                account=account,
                contact_id=contact,
                conversation_id=conversation,
            )
        await audit.record(
            session, at=first_day, action=AuditAction.LOGIN_FAILED, staff="intrus@ailleurs.fr"
        )

    assert (await client.get("/console/api/audit", headers=samia)).status == 403
    assert (await client.get("/console/api/audit", headers=com)).status == 403
    assert (await client.get("/console/api/audit")).status == 401
    assert (await client.post("/console/api/audit", headers=admin)).status == 405

    every = (await _entries(client, admin))["entries"]
    assert [e["action"] for e in every] == ["login_failed", "export", "take", "view"]
    assert set(every[0]) == {
        "at", "staff", "action", "contact_id", "conversation_id", "target_account_id"
    }  # fmt: skip
    assert every[1]["at"] == (first_day + timedelta(days=2)).isoformat()

    def actions(found: Any) -> list[str]:
        return [e["action"] for e in found["entries"]]

    assert actions(await _entries(client, admin, staff="SAMIA")) == ["export", "take", "view"]
    assert actions(await _entries(client, admin, action="take")) == ["take"]
    assert actions(await _entries(client, admin, contact_id="7")) == ["take", "view"]
    assert actions(await _entries(client, admin, conversation_id="70")) == ["take", "view"]
    day_two = (first_day + timedelta(days=1)).date().isoformat()
    assert actions(await _entries(client, admin, since=day_two)) == ["export", "take"]
    assert actions(await _entries(client, admin, until=day_two)) == ["login_failed", "take", "view"]
    assert actions(
        await _entries(client, admin, since=(first_day + timedelta(hours=1)).isoformat())
    ) == ["export", "take"]
    page_one = await _entries(client, admin, limit="2")
    assert actions(page_one) == ["login_failed", "export"]
    page_two = await _entries(client, admin, limit="2", before=str(page_one["before"]))
    assert actions(page_two) == ["take", "view"]
    for bad in ({"action": "delete"}, {"contact_id": "x"}, {"since": "hier"}):
        answer = await client.get("/console/api/audit", params=bad, headers=admin)
        assert answer.status == 400

    shown = await client.get("/console/audit?action=export", headers={"Cookie": admin["Cookie"]})
    html = await shown.text()
    assert shown.status == 200
    assert "export des données" in html
    assert "prise en charge</td>" not in html
    assert 'href="/console/audit"' in html  # linked from the admin navigation
    refused = await client.get("/console/audit", headers={"Cookie": samia["Cookie"]})
    assert refused.status == 403
    bad_page = await client.get("/console/audit?since=hier", headers={"Cookie": admin["Cookie"]})
    assert bad_page.status == 400


async def test_the_database_refuses_to_change_an_entry(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    async with sessions() as session, session.begin():
        await audit.record(session, at=clock.now(), action=AuditAction.LOGIN, staff="chef@ml.fr")
    with pytest.raises(DBAPIError, match="append-only"):
        async with sessions() as session, session.begin():
            await session.execute(update(AuditEntry).values(staff="quelqu'un d'autre"))
    async with sessions() as session:
        assert await session.scalar(select(AuditEntry.staff)) == "chef@ml.fr"

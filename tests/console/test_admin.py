"""The console's admin page (#10): admins create and disable staff accounts (disabling ends
their sessions at once) and manage canned replies; every other role is refused, every change
needs the CSRF token, and a refused change stores nothing."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import select

from bot.console import accounts
from bot.core.vocabulary import StaffRole
from bot.storage.models import CannedReply, StaffAccount, StaffSession
from bot.wiring import CLOCK, SESSIONS
from tests.booking.factories import make_counsellor, make_site
from tests.conftest import count_rows
from tests.console.test_inbox import _signed_in

Client = TestClient[Request, Application]
PASSWORD = "une phrase de passe assez longue"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _app(client: Client) -> Application:
    assert client.app is not None
    return client.app


def _form(headers: dict[str, str], **fields: str) -> dict[str, str]:
    """A form post as the page sends it: the CSRF token in a field, not in a header."""
    return {"csrf_token": headers["X-CSRF-Token"], **fields}


def _cookie(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


async def _counsellor_record(client: Client, name: str = "Samia") -> int:
    app = _app(client)
    now = app[CLOCK].now()
    async with app[SESSIONS]() as session, session.begin():
        site = await make_site(session, now)
        return (await make_counsellor(session, site, now, name=name)).id


async def _account(client: Client, email: str) -> StaffAccount | None:
    async with _app(client)[SESSIONS]() as session:
        return await session.scalar(select(StaffAccount).where(StaffAccount.email == email))


async def _shortcuts(client: Client) -> list[str]:
    async with _app(client)[SESSIONS]() as session:
        return list(
            await session.scalars(select(CannedReply.shortcut).order_by(CannedReply.shortcut))
        )


async def _login(client: Client, email: str, password: str) -> int:
    page = await client.get("/console/login")
    token = CSRF.search(await page.text())
    assert token is not None
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token[1]},
        allow_redirects=False,
    )
    return response.status


async def test_an_admin_creates_a_counsellor_account_that_can_then_log_in(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    counsellor_id = await _counsellor_record(client, "Samia")

    empty_page = await client.get("/console/admin", headers=admin)
    assert empty_page.status == 200
    assert f'<option value="{counsellor_id}">Samia (n° {counsellor_id})</option>' in (
        await empty_page.text()
    )
    created = await client.post(
        "/console/admin/accounts",
        data=_form(
            admin,
            email=" Samia@ML.fr ",
            name="Samia <B.>",
            role="counsellor",
            counsellor_id=str(counsellor_id),
            password=PASSWORD,
        ),
        headers=_cookie(admin),
        allow_redirects=False,
    )

    assert created.status == 303
    assert created.headers["Location"] == "/console/admin"
    account = await _account(client, "samia@ml.fr")
    assert account is not None
    assert (account.role, account.counsellor_id, account.active) == (
        "counsellor",
        counsellor_id,
        True,
    )
    assert PASSWORD not in account.password_hash
    listed = await (await client.get("/console/admin", headers=admin)).text()
    assert "Samia &lt;B.&gt;" in listed  # autoescaped
    assert "samia@ml.fr" in listed
    assert "conseiller ou conseillère" in listed
    assert f'action="/console/admin/accounts/{account.id}/disable"' in listed

    assert await _login(client, "samia@ml.fr", PASSWORD) == 303
    me = await (await client.get("/console/api/me")).json()  # the cookie jar's new session
    assert (me["email"], me["role"]) == ("samia@ml.fr", "counsellor")


async def test_json_creation_answers_201_and_a_taken_address_409(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    body = {"email": "com@ml.fr", "name": "Com", "role": "campaign", "password": PASSWORD}

    created = await client.post("/console/admin/accounts", json=body, headers=admin)
    again = await client.post(
        "/console/admin/accounts", json={**body, "email": "COM@ml.fr"}, headers=admin
    )
    unknown_role = await client.post(
        "/console/admin/accounts", json={**body, "email": "x@ml.fr", "role": "boss"}, headers=admin
    )
    no_record = await client.post(
        "/console/admin/accounts",
        json={**body, "email": "y@ml.fr", "role": "counsellor"},
        headers=admin,
    )

    assert created.status == 201
    answer = await created.json()
    assert (answer["email"], answer["role"], answer["active"]) == ("com@ml.fr", "campaign", True)
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "duplicate_email"
    assert unknown_role.status == 400
    assert no_record.status == 400
    assert "fiche conseiller" in (await no_record.json())["error"]["message"]
    assert await count_rows(_app(client), StaffAccount) == 2  # the admin and com@ml.fr


async def test_a_short_password_is_refused_and_nothing_is_stored(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    short = "onze carac."  # 11 characters

    as_form = await client.post(
        "/console/admin/accounts",
        data=_form(admin, email="a@ml.fr", name="A", role="admin", password=short),
        headers=_cookie(admin),
        allow_redirects=False,
    )
    as_json = await client.post(
        "/console/admin/accounts",
        json={"email": "a@ml.fr", "name": "A", "role": "admin", "password": short},
        headers=admin,
    )

    assert as_form.status == 400
    assert "le mot de passe doit faire au moins 12 caractères" in await as_form.text()
    assert as_json.status == 400
    error = (await as_json.json())["error"]
    assert error["code"] == "invalid_account"
    assert "au moins 12 caractères" in error["message"]
    assert await _account(client, "a@ml.fr") is None
    assert await count_rows(_app(client), StaffAccount) == 1  # only the admin


async def test_a_counsellor_is_refused_on_every_admin_route(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    created = await client.post(
        "/console/admin/canned", json={"shortcut": "horaires", "text": "9h-17h"}, headers=admin
    )
    reply_id = (await created.json())["id"]
    target = await _account(client, "chef@ml.fr")
    assert target is not None

    page = await client.get("/console/admin", headers=samia, allow_redirects=False)
    posts = {
        "/console/admin/accounts": {
            "email": "x@ml.fr", "name": "X", "role": "admin", "password": PASSWORD,
        },
        f"/console/admin/accounts/{target.id}/disable": {},
        "/console/admin/canned": {"shortcut": "autre", "text": "non"},
        f"/console/admin/canned/{reply_id}/delete": {},
    }  # fmt: skip
    statuses = [
        (await client.post(path, json=body, headers=samia)).status for path, body in posts.items()
    ]
    form_statuses = [
        (
            await client.post(
                path, data=_form(samia, **body), headers=_cookie(samia), allow_redirects=False
            )
        ).status
        for path, body in posts.items()
    ]
    anonymous_page = await client.get("/console/admin", allow_redirects=False)
    anonymous_post = await client.post("/console/admin/canned", json={"shortcut": "a"})

    assert page.status == 403
    assert statuses == [403] * 4
    assert form_statuses == [403] * 4
    assert anonymous_page.status == 303
    assert anonymous_page.headers["Location"] == "/console/login"
    assert anonymous_post.status == 401
    assert await _account(client, "x@ml.fr") is None
    assert await _shortcuts(client) == ["horaires"]  # neither added nor deleted
    still = await _account(client, "chef@ml.fr")
    assert still is not None
    assert still.active


async def test_a_change_without_the_csrf_token_stores_nothing(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    created = await client.post(
        "/console/admin/canned", json={"shortcut": "horaires", "text": "9h-17h"}, headers=admin
    )
    reply_id = (await created.json())["id"]
    target = await _account(client, "samia@ml.fr")
    assert target is not None
    cookie_only = _cookie(admin)

    attempts = [
        await client.post(
            "/console/admin/accounts",
            data={"email": "x@ml.fr", "name": "X", "role": "admin", "password": PASSWORD},
            headers=cookie_only,
        ),
        await client.post(
            "/console/admin/accounts",
            json={"email": "x@ml.fr", "name": "X", "role": "admin", "password": PASSWORD},
            headers=cookie_only,
        ),
        await client.post(
            "/console/admin/canned",
            data={"shortcut": "autre", "text": "non", "csrf_token": "faux"},
            headers=cookie_only,
        ),
        await client.post(f"/console/admin/accounts/{target.id}/disable", headers=cookie_only),
        await client.post(f"/console/admin/canned/{reply_id}/delete", data={}, headers=cookie_only),
    ]

    assert [response.status for response in attempts] == [403] * 5
    assert {(await response.json())["error"]["code"] for response in attempts} == {"csrf"}
    assert await _account(client, "x@ml.fr") is None
    assert await _shortcuts(client) == ["horaires"]
    after = await _account(client, "samia@ml.fr")
    assert after is not None
    assert after.active
    assert (await client.get("/console/api/me", headers=_cookie(samia))).status == 200


async def test_disabling_ends_the_accounts_session_at_once(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    target = await _account(client, "samia@ml.fr")
    me = await _account(client, "chef@ml.fr")
    assert target is not None
    assert me is not None
    assert (await client.get("/console/api/me", headers=_cookie(samia))).status == 200

    page = await (await client.get("/console/admin", headers=admin)).text()
    assert f'action="/console/admin/accounts/{target.id}/disable"' in page
    assert f'action="/console/admin/accounts/{me.id}/disable"' not in page  # not oneself

    disabled = await client.post(
        f"/console/admin/accounts/{target.id}/disable",
        data=_form(admin),
        headers=_cookie(admin),
        allow_redirects=False,
    )

    assert disabled.status == 303
    assert disabled.headers["Location"] == "/console/admin"
    assert (await client.get("/console/api/me", headers=_cookie(samia))).status == 401
    after = await _account(client, "samia@ml.fr")
    assert after is not None
    assert not after.active
    assert after.disabled_at is not None
    assert await count_rows(_app(client), StaffSession) == 1  # only the admin's is left
    assert "désactivé" in await (await client.get("/console/admin", headers=admin)).text()
    assert await _login(client, "samia@ml.fr", PASSWORD) == 401


async def test_an_admin_cannot_disable_their_own_account(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    me = await _account(client, "chef@ml.fr")
    assert me is not None

    own = await client.post(f"/console/admin/accounts/{me.id}/disable", headers=admin)
    unknown = await client.post("/console/admin/accounts/99999/disable", headers=admin)

    assert own.status == 409
    assert (await own.json())["error"]["message"] == "Tu ne peux pas désactiver ton propre compte."
    assert unknown.status == 404
    assert (await client.get("/console/api/me", headers=_cookie(admin))).status == 200


async def test_disabling_by_json_answers_with_json(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    app = _app(client)
    async with app[SESSIONS]() as session, session.begin():
        other = await accounts.create_account(
            session, email="com@ml.fr", name="Com", role=StaffRole.CAMPAIGN, password=PASSWORD,
            now=app[CLOCK].now(),
        )  # fmt: skip

    response = await client.post(f"/console/admin/accounts/{other.id}/disable", headers=admin)

    assert response.status == 200
    assert await response.json() == {"id": other.id, "active": False}
    after = await _account(client, "com@ml.fr")
    assert after is not None
    assert not after.active


async def test_canned_replies_are_created_refused_when_duplicated_and_deleted(
    client: Client,
) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)

    by_form = await client.post(
        "/console/admin/canned",
        data=_form(admin, shortcut="Horaires", text="  Nous sommes ouverts de 9h à 17h.  "),
        headers=_cookie(admin),
        allow_redirects=False,
    )
    by_json = await client.post(
        "/console/admin/canned", json={"shortcut": "/cej", "text": "Le CEJ…"}, headers=admin
    )
    duplicate = await client.post(
        "/console/admin/canned", json={"shortcut": "horaires", "text": "autre"}, headers=admin
    )
    duplicate_form = await client.post(
        "/console/admin/canned",
        data=_form(admin, shortcut="horaires", text="autre"),
        headers=_cookie(admin),
    )
    bad_shortcut = await client.post(
        "/console/admin/canned", json={"shortcut": "été", "text": "x"}, headers=admin
    )
    too_long = await client.post(
        "/console/admin/canned", json={"shortcut": "long", "text": "x" * 2001}, headers=admin
    )
    empty = await client.post(
        "/console/admin/canned", json={"shortcut": "vide", "text": "   "}, headers=admin
    )

    assert by_form.status == 303
    assert by_form.headers["Location"] == "/console/admin"
    assert by_json.status == 201
    created = await by_json.json()
    assert (created["shortcut"], created["text"]) == ("cej", "Le CEJ…")
    assert duplicate.status == 409
    assert (await duplicate.json())["error"] == {
        "code": "duplicate_shortcut",
        "message": "Le raccourci /horaires existe déjà.",
    }
    assert duplicate_form.status == 409
    assert "Le raccourci /horaires existe déjà." in await duplicate_form.text()
    assert (bad_shortcut.status, too_long.status, empty.status) == (400, 400, 400)
    assert await _shortcuts(client) == ["cej", "horaires"]
    async with _app(client)[SESSIONS]() as session:
        horaires = await session.scalar(
            select(CannedReply).where(CannedReply.shortcut == "horaires")
        )
    assert horaires is not None
    assert horaires.text == "Nous sommes ouverts de 9h à 17h."
    page = await (await client.get("/console/admin", headers=admin)).text()
    assert "/horaires" in page
    assert f'action="/console/admin/canned/{horaires.id}/delete"' in page

    deleted = await client.post(
        f"/console/admin/canned/{horaires.id}/delete",
        data=_form(admin),
        headers=_cookie(admin),
        allow_redirects=False,
    )
    deleted_json = await client.post(f"/console/admin/canned/{created['id']}/delete", headers=admin)
    gone = await client.post(f"/console/admin/canned/{created['id']}/delete", headers=admin)

    assert deleted.status == 303
    assert deleted_json.status == 200
    assert await deleted_json.json() == {"id": created["id"], "deleted": True}
    assert gone.status == 404
    assert await _shortcuts(client) == []


async def test_every_field_of_the_admin_page_has_a_label(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    await _counsellor_record(client)
    response = await client.get("/console/admin", headers=admin)
    html = await response.text()

    assert "Content-Security-Policy" in response.headers
    fields = re.findall(r"<(?:input|select|textarea)\b([^>]*)>", html)
    visible = [attributes for attributes in fields if 'type="hidden"' not in attributes]
    ids = [re.search(r'\bid="([^"]+)"', attributes) for attributes in visible]
    assert len(visible) == 7  # e-mail, name, role, counsellor record, password; shortcut, text
    for found in ids:
        assert found is not None
        assert f'<label for="{found[1]}">' in html

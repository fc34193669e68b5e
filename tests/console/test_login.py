"""Signing in to the console (#10): CSRF before and after login, the same answer for a wrong
e-mail and a wrong password, throttling, cookie flags, logout, and the strict page policy."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from bot.console import accounts
from bot.core.vocabulary import StaffRole
from bot.storage.models import StaffSession
from bot.wiring import CLOCK, SESSIONS
from tests.conftest import count_rows

Client = TestClient[Request, Application]
PASSWORD = "une phrase de passe assez longue"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _account(client: Client, email: str = "chef@ml.fr") -> None:
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session, session.begin():
        await accounts.create_account(
            session, email=email, name="Chef <b>", role=StaffRole.ADMIN, password=PASSWORD,
            now=app[CLOCK].now(),
        )  # fmt: skip


async def _form_token(client: Client) -> str:
    page = await client.get("/console/login")
    assert page.status == 200
    found = CSRF.search(await page.text())
    assert found is not None
    return found[1]


async def _login(client: Client, email: str, password: str) -> int:
    token = await _form_token(client)
    response = await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    return response.status


async def test_login_then_who_am_i_then_logout(client: Client) -> None:
    await _account(client)
    page = await client.get("/console/login")
    policy = page.headers["Content-Security-Policy"]
    assert "form-action 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    token = CSRF.search(await page.text())
    assert token is not None

    logged = await client.post(
        "/console/login",
        data={"email": "CHEF@ml.fr", "password": PASSWORD, "csrf_token": token[1]},
        allow_redirects=False,
    )
    assert logged.status == 303
    assert logged.headers["Location"] == "/console/"
    cookie = logged.headers.getall("Set-Cookie")
    session_cookie = next(c for c in cookie if c.startswith("console_session="))
    assert "HttpOnly" in session_cookie
    assert "SameSite=Lax" in session_cookie
    assert "Path=/;" in session_cookie + ";"  # /api/staff/* gets it too, not only /console

    me = await (await client.get("/console/api/me")).json()
    assert (me["email"], me["role"]) == ("chef@ml.fr", "admin")
    home = await client.get("/console/")
    assert "Chef &lt;b&gt;" in await home.text()  # autoescaped

    refused = await client.post("/console/logout", data={}, allow_redirects=False)
    assert refused.status == 403  # no CSRF token: nothing changes
    assert (await client.get("/console/api/me")).status == 200
    out = await client.post(
        "/console/logout", data={"csrf_token": me["csrf_token"]}, allow_redirects=False
    )
    assert out.status == 303
    assert (await client.get("/console/api/me")).status == 401
    assert await count_rows(client.app, StaffSession) == 0


async def test_a_wrong_email_and_a_wrong_password_get_the_same_answer(client: Client) -> None:
    await _account(client)
    token = await _form_token(client)
    answers = []
    for email, password in (("chef@ml.fr", "mauvais mot de passe"), ("x@ml.fr", PASSWORD)):
        response = await client.post(
            "/console/login", data={"email": email, "password": password, "csrf_token": token}
        )
        body = CSRF.sub("", await response.text()).replace(email, "")
        answers.append((response.status, body))
        token = CSRF.search(await response.text())[1]  # type: ignore[index]
    assert answers[0] == answers[1]
    assert answers[0][0] == 401
    assert "Adresse e-mail ou mot de passe incorrect." in answers[0][1]


async def test_a_login_without_the_form_token_changes_nothing(client: Client) -> None:
    await _account(client)
    response = await client.post(
        "/console/login", data={"email": "chef@ml.fr", "password": PASSWORD, "csrf_token": "x"}
    )
    assert response.status == 403
    assert await count_rows(client.app, StaffSession) == 0


async def test_too_many_failures_block_the_account_for_a_while(client: Client) -> None:
    await _account(client)
    statuses = [await _login(client, "chef@ml.fr", "mauvais mot de passe") for _ in range(5)]
    blocked = await _login(client, "chef@ml.fr", PASSWORD)  # even the right password now

    assert statuses == [401] * 5
    assert blocked == 429
    assert await count_rows(client.app, StaffSession) == 0

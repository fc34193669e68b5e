"""The console's sign-in pages and its route table (#10): login, logout, who am I (each written
to the audit log, #12); the inbox and conversations are in conversation_routes.py, live events
in live_routes.py, a young person's rights in rights_routes.py, the audit log in
audit_routes.py. Server-rendered
French pages (Jinja2, autoescaped), no CDN, a strict CSP, CSRF on every state change, roles
checked on the server for every route (pages.py)."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.console import (
    accounts,
    admin_routes,
    agenda_routes,
    audit_routes,
    campaign_pages,
    campaign_routes,
    conversation_routes,
    live_routes,
    rights_routes,
)
from bot.console.pages import (
    COOKIE_PATHS,
    HERE,
    LOGIN_CSRF_COOKIE,
    MAX_FORM_BYTES,
    SESSION_COOKIE,
    current,
    page,
    set_cookie,
)
from bot.core.vocabulary import AuditAction
from bot.http.responses import json_error
from bot.http.secrets_match import secret_matches
from bot.storage import audit
from bot.wiring import CLOCK, FLOOD, SESSIONS

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop d'essais : réessaie dans un quart d'heure."


def _login_page(
    request: web.Request, status: int = 200, email: str = "", error: str | None = None
) -> web.Response:
    """The login form, with a new double-submit CSRF token in its field and its cookie."""
    token = secrets.token_urlsafe(32)
    response = page("login.html", status, csrf_token=token, email=email, error=error)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


async def login_form(request: web.Request) -> web.Response:
    if await current(request) is not None:
        raise web.HTTPSeeOther("/console/")
    return _login_page(request)


async def login(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        return json_error(413, "too_large", "Formulaire trop long.")
    form = await request.post()
    email, password = str(form.get("email", ""))[:254], str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secret_matches(str(form.get("csrf_token", "")), expected):
        return json_error(403, "csrf", "Formulaire expiré : recharge la page de connexion.")
    flood, address = request.app[FLOOD], request.remote or "?"
    if await flood.login_blocked(accounts.normalize_email(email), address):
        return _login_page(request, 429, email, TOO_MANY)
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session, session.begin():
        account = await accounts.authenticate(session, email, password)
        opened = None if account is None else await accounts.open_session(session, account, now)
        if account is None:  # the audit keeps the login tried (#12)
            tried = accounts.normalize_email(email) or "?"
            await audit.record(session, at=now, action=AuditAction.LOGIN_FAILED, staff=tried)
        else:
            await audit.record(session, at=now, action=AuditAction.LOGIN, account=account)
    if opened is None:
        await flood.login_failed(accounts.normalize_email(email), address)
        return _login_page(request, 401, email, WRONG_CREDENTIALS)
    logger.info("console login")
    redirect = web.HTTPSeeOther("/console/")
    set_cookie(request, redirect, SESSION_COOKIE, opened.token)
    redirect.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATHS[LOGIN_CSRF_COOKIE])
    raise redirect


async def logout(request: web.Request) -> web.Response:
    signed_in = await current(request)
    if signed_in is None:
        raise web.HTTPSeeOther("/console/login")
    form = await request.post()
    sent = str(form.get("csrf_token", "")) or request.headers.get("X-CSRF-Token", "")
    if not secret_matches(sent, signed_in.csrf_token):
        return json_error(403, "csrf", "Jeton CSRF manquant ou faux.")
    async with request.app[SESSIONS]() as session, session.begin():
        await accounts.close_session(session, request.cookies[SESSION_COOKIE])
        await audit.record(
            session,
            at=request.app[CLOCK].now(),
            action=AuditAction.LOGOUT,
            account=signed_in.account,
        )
    redirect = web.HTTPSeeOther("/console/login")
    redirect.del_cookie(SESSION_COOKIE, path=COOKIE_PATHS[SESSION_COOKIE])
    raise redirect


async def me(request: web.Request) -> web.Response:
    signed_in = await current(request)
    if signed_in is None:
        return json_error(401, "unauthenticated", "Connecte-toi à la console.")
    account = signed_in.account
    return web.json_response(
        {
            "email": account.email,
            "name": account.name,
            "role": account.role,
            "csrf_token": signed_in.csrf_token,
        },
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/login", login_form)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_get("/console/api/me", me)
    conversation_routes.add_routes(app)
    live_routes.add_routes(app)
    admin_routes.add_routes(app)
    agenda_routes.add_routes(app)
    campaign_routes.add_routes(app)
    campaign_pages.add_routes(app)
    rights_routes.add_routes(app)
    audit_routes.add_routes(app)
    app.router.add_static("/console/static", HERE / "static")

"""The console's pages and JSON API (#10): login, logout, who am I. Server-rendered French pages
(Jinja2, autoescaped), no CDN, a strict CSP, CSRF on every state change, roles checked here on
the server for every route.

Before login, the form's CSRF token is a random cookie repeated in a hidden field (double
submit); after login, it is the session's own token (field `csrf_token`, or the
`X-CSRF-Token` header in the JSON API).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from functools import cache
from pathlib import Path

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import accounts, inbox
from bot.core import posting
from bot.core.messages import ConversationState
from bot.core.vocabulary import StaffRole
from bot.errors import AlreadyTaken, ConsoleError, NotHeld
from bot.http.responses import json_error
from bot.http.secrets_match import secret_matches
from bot.storage import inbox as inbox_store
from bot.storage.inbox import InboxRow
from bot.storage.models import Conversation, StaffAccount
from bot.wiring import CLOCK, DELIVERY, FLOOD, SESSIONS, SETTINGS

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "console_session"
LOGIN_CSRF_COOKIE = "console_login_csrf"
# The console's own policy: forms post to it, nobody frames it.
CONSOLE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
ROLE_LABELS = {
    StaffRole.COUNSELLOR: "conseiller ou conseillère",
    StaffRole.CAMPAIGN: "campagnes",
    StaffRole.ADMIN: "administration",
}
WRONG_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop d'essais : réessaie dans un quart d'heure."
MAX_FORM_BYTES = 8 * 1024


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def _page(template: str, status: int = 200, **values: object) -> web.Response:
    html = _templates().get_template(template).render(**values)
    response = web.Response(text=html, status=status, content_type="text/html")
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _secure(request: web.Request) -> bool:
    return request.app[SETTINGS].public_url.startswith("https://")


# The session cookie goes to the whole site: /api/staff/* accepts a console session too.
COOKIE_PATHS = {SESSION_COOKIE: "/", LOGIN_CSRF_COOKIE: "/console"}


def _set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
        path=COOKIE_PATHS[name],
        max_age=int(accounts.ABSOLUTE.total_seconds()),
    )


def _login_page(
    request: web.Request, status: int = 200, email: str = "", error: str | None = None
) -> web.Response:
    """The login form, with a new double-submit CSRF token in its field and its cookie."""
    token = secrets.token_urlsafe(32)
    response = _page("login.html", status, csrf_token=token, email=email, error=error)
    _set_cookie(request, response, LOGIN_CSRF_COOKIE, token)
    return response


async def _current(request: web.Request) -> accounts.CurrentSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with request.app[SESSIONS]() as session, session.begin():
        return await accounts.current_session(session, token, request.app[CLOCK].now())


def _allowed(current: accounts.CurrentSession, roles: Iterable[StaffRole]) -> bool:
    return StaffRole(current.account.role) in set(roles)


async def login_form(request: web.Request) -> web.Response:
    if await _current(request) is not None:
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
    async with request.app[SESSIONS]() as session, session.begin():
        account = await accounts.authenticate(session, email, password)
        opened = (
            None
            if account is None
            else await accounts.open_session(session, account, request.app[CLOCK].now())
        )
    if opened is None:
        await flood.login_failed(accounts.normalize_email(email), address)
        return _login_page(request, 401, email, WRONG_CREDENTIALS)
    logger.info("console login")
    redirect = web.HTTPSeeOther("/console/")
    _set_cookie(request, redirect, SESSION_COOKIE, opened.token)
    redirect.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATHS[LOGIN_CSRF_COOKIE])
    raise redirect


async def logout(request: web.Request) -> web.Response:
    current = await _current(request)
    if current is None:
        raise web.HTTPSeeOther("/console/login")
    form = await request.post()
    sent = str(form.get("csrf_token", "")) or request.headers.get("X-CSRF-Token", "")
    if not secret_matches(sent, current.csrf_token):
        return json_error(403, "csrf", "Jeton CSRF manquant ou faux.")
    async with request.app[SESSIONS]() as session, session.begin():
        await accounts.close_session(session, request.cookies[SESSION_COOKIE])
    redirect = web.HTTPSeeOther("/console/login")
    redirect.del_cookie(SESSION_COOKIE, path=COOKIE_PATHS[SESSION_COOKIE])
    raise redirect


async def home(request: web.Request) -> web.Response:
    current = await _current(request)
    if current is None:
        raise web.HTTPSeeOther("/console/login")
    role = StaffRole(current.account.role)
    return _page(
        "home.html",
        name=current.account.name,
        role_label=ROLE_LABELS[role],
        csrf_token=current.csrf_token,
    )


# Who may see and take conversations (campaign staff never read transcripts).
CONVERSATION_ROLES = (StaffRole.COUNSELLOR, StaffRole.ADMIN)
CONVERSATION_ID = re.compile(r"[0-9]{1,9}")


async def staff_member(
    request: web.Request, roles: Iterable[StaffRole], *, changes: bool = False
) -> accounts.CurrentSession | web.Response:
    """The signed-in account if its role may use this route (and, for a change, the request
    carries its CSRF token in `X-CSRF-Token`); else the JSON refusal."""
    current = await _current(request)
    if current is None:
        return json_error(401, "unauthenticated", "Connecte-toi à la console.")
    if not _allowed(current, roles):
        return json_error(403, "forbidden", "Ton rôle ne donne pas accès à cette page.")
    if changes and not secret_matches(request.headers.get("X-CSRF-Token", ""), current.csrf_token):
        return json_error(403, "csrf", "Jeton CSRF manquant ou faux (en-tête X-CSRF-Token).")
    return current


def _row_json(row: InboxRow) -> dict[str, object]:
    return {
        "id": row.id,
        "state": row.state,
        "urgent": row.urgent,
        "channel": row.channel,
        "assigned_to": row.assigned_name,
        "waiting_since": row.state_since.isoformat()
        if row.state == ConversationState.WAITING_FOR_COUNSELLOR
        else None,
        "last_message_at": row.last_message_at.isoformat() if row.last_message_at else None,
        "preview": inbox.preview(row),
    }


async def list_conversations(request: web.Request) -> web.Response:
    current = await staff_member(request, CONVERSATION_ROLES)
    if isinstance(current, web.Response):
        return current
    try:
        which = inbox.InboxFilter(request.query.get("filter", inbox.InboxFilter.WAITING))
    except ValueError:
        return json_error(
            400, "unknown_filter", "filter : waiting, mine, unassigned, all ou closed."
        )
    async with request.app[SESSIONS]() as session:
        rows = await inbox.conversations_for(session, current.account, which)
    return web.json_response(
        {"conversations": [_row_json(row) for row in rows]}, headers={"Cache-Control": "no-store"}
    )


async def _change_on(
    request: web.Request,
) -> tuple[accounts.CurrentSession, int] | web.Response:
    """The signed-in account and the conversation id of a change (take, reply, close), or the
    refusal: wrong role, no CSRF token, a malformed id."""
    current = await staff_member(request, CONVERSATION_ROLES, changes=True)
    if isinstance(current, web.Response):
        return current
    raw = request.match_info["id"]
    if not CONVERSATION_ID.fullmatch(raw):
        return json_error(404, "not_found", "Conversation introuvable.")
    return current, int(raw)


def _refusal(error: ConsoleError) -> web.Response:
    """A console error as the JSON answer the page shows."""
    if isinstance(error, AlreadyTaken):
        return json_error(409, "already_taken", f"Déjà prise par {error.holder}.")
    if isinstance(error, NotHeld):
        return json_error(409, "not_held", "Prends d'abord la conversation.")
    return json_error(404, "not_found", "Conversation introuvable ou close.")


StateChange = Callable[[AsyncSession, int, StaffAccount, datetime], Awaitable[None]]


async def _change_state(
    request: web.Request, change: StateChange, state: ConversationState
) -> web.Response:
    """Take or close a conversation: one transaction, the refusal as JSON."""
    checked = await _change_on(request)
    if isinstance(checked, web.Response):
        return checked
    current, conversation_id = checked
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            await change(session, conversation_id, current.account, request.app[CLOCK].now())
    except ConsoleError as error:
        return _refusal(error)
    logger.info(
        "conversation %s now %s (staff account %s)", conversation_id, state, current.account.id
    )
    return web.json_response({"id": conversation_id, "state": state})


async def take_conversation(request: web.Request) -> web.Response:
    return await _change_state(request, inbox.take, ConversationState.WITH_COUNSELLOR)


async def close_conversation(request: web.Request) -> web.Response:
    return await _change_state(request, inbox.close, ConversationState.CLOSED)


async def reply_to_conversation(request: web.Request) -> web.Response:
    change = await _change_on(request)
    if isinstance(change, web.Response):
        return change
    current, conversation_id = change
    try:
        body = await request.json()
    except ValueError:
        return json_error(400, "invalid_json", 'Envoie du JSON : {"text": "…"}.')
    text = str(body.get("text", "")).strip() if isinstance(body, dict) else ""
    if not text or len(text) > inbox.MAX_REPLY:
        return json_error(
            400, "invalid_text", f"Le texte doit faire 1 à {inbox.MAX_REPLY} caractères."
        )
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            posted = await inbox.reply(
                session, conversation_id, current.account, text, request.app[CLOCK].now()
            )
            channel = await _channel(session, conversation_id)
    except ConsoleError as error:
        return _refusal(error)
    status = "sent"
    if not posting.pulled(channel):
        report = await request.app[DELIVERY].deliver([posted])
        status = "sent" if report.sent else "undelivered"
    logger.info("counsellor reply %s on %s: %s", posted.id, channel, status)
    return web.json_response({"id": posted.id, "status": status})


async def _channel(session: AsyncSession, conversation_id: int) -> str:
    conversation = await session.get_one(Conversation, conversation_id)
    return await inbox_store.channel_of(session, conversation)


async def me(request: web.Request) -> web.Response:
    current = await _current(request)
    if current is None:
        return json_error(401, "unauthenticated", "Connecte-toi à la console.")
    account = current.account
    return web.json_response(
        {
            "email": account.email,
            "name": account.name,
            "role": account.role,
            "csrf_token": current.csrf_token,
        },
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/login", login_form)
    app.router.add_post("/console/login", login)
    app.router.add_post("/console/logout", logout)
    app.router.add_get("/console/", home)
    app.router.add_get("/console/api/me", me)
    app.router.add_get("/console/api/conversations", list_conversations)
    app.router.add_post("/console/api/conversations/{id}/take", take_conversation)
    app.router.add_post("/console/api/conversations/{id}/reply", reply_to_conversation)
    app.router.add_post("/console/api/conversations/{id}/close", close_conversation)
    app.router.add_static("/console/static", HERE / "static")

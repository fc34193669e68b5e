"""What every console page and JSON route shares (#10): templates (Jinja2, autoescaped) under
the console's strict CSP, the session cookie, the signed-in account, and the server-side checks of
role and CSRF token.

Before login, the form's CSRF token is a random cookie repeated in a hidden field (double
submit); after login, it is the session's own token: the field `csrf_token` in forms, the
`X-CSRF-Token` header in the JSON API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import accounts, inbox
from bot.core.french_dates import short_moment
from bot.core.handoff import CONVERSATION_ROLES, first_name
from bot.core.vocabulary import AppointmentStatus, StaffRole
from bot.http.responses import json_error
from bot.http.secrets_match import secret_matches
from bot.storage.sites import main_site
from bot.wiring import CLOCK, SESSIONS, SETTINGS

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
MAX_FORM_BYTES = 32 * 1024  # a 2 000-character reply of accented letters, percent-encoded
DEFAULT_ZONE = "Europe/Paris"
APPOINTMENT_STATUS_LABELS = {
    AppointmentStatus.BOOKED: "prévu",
    AppointmentStatus.CANCELLED: "annulé",
    AppointmentStatus.RESCHEDULED: "déplacé",
    AppointmentStatus.ATTENDED: "venu",
    AppointmentStatus.MISSED: "absent",
}
ID = re.compile(r"[0-9]{1,9}")
__all__ = ["CONVERSATION_ROLES"]


@cache
def _templates() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.globals.update(
        reasons=inbox.reasons_label,
        age_band=inbox.age_band,
        preview=inbox.preview,
        when=_when,
        first_name=first_name,
        appointment_status=lambda status: APPOINTMENT_STATUS_LABELS.get(status, status),
    )
    return environment


@jinja2.pass_context
def _when(context: jinja2.runtime.Context, value: str | datetime | None) -> str:
    """An ISO date-time as staff read it, in the page's time zone (`zone`, else Paris)."""
    if value is None:
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return short_moment(moment, str(context.get("zone") or DEFAULT_ZONE))


async def site_zone(session: AsyncSession) -> str:
    """The time zone staff pages show times in: the Mission Locale's main site (Martinique is
    not Paris)."""
    site = await main_site(session)
    return site.timezone if site is not None else DEFAULT_ZONE


def page(template: str, status: int = 200, **values: object) -> web.Response:
    html = _templates().get_template(template).render(**values)
    response = web.Response(text=html, status=status, content_type="text/html")
    response.headers["Content-Security-Policy"] = CONSOLE_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


def _secure(request: web.Request) -> bool:
    return request.app[SETTINGS].public_url.startswith("https://")


# The session cookie goes to the whole site: /api/staff/* accepts a console session too.
COOKIE_PATHS = {SESSION_COOKIE: "/", LOGIN_CSRF_COOKIE: "/console"}


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="Lax",
        secure=_secure(request),
        path=COOKIE_PATHS[name],
        max_age=int(accounts.ABSOLUTE.total_seconds()),
    )


async def current(request: web.Request) -> accounts.CurrentSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with request.app[SESSIONS]() as session, session.begin():
        return await accounts.current_session(session, token, request.app[CLOCK].now())


def allowed(signed_in: accounts.CurrentSession, roles: Iterable[StaffRole]) -> bool:
    return StaffRole(signed_in.account.role) in set(roles)


async def staff_member(
    request: web.Request, roles: Iterable[StaffRole], *, changes: bool = False
) -> accounts.CurrentSession | web.Response:
    """The signed-in account if its role may use this route (and, for a change, the request
    carries its CSRF token in `X-CSRF-Token`); else the JSON refusal."""
    signed_in = await current(request)
    if signed_in is None:
        return json_error(401, "unauthenticated", "Connecte-toi à la console.")
    if not allowed(signed_in, roles):
        return json_error(403, "forbidden", "Ton rôle ne donne pas accès à cette page.")
    if changes and not secret_matches(
        request.headers.get("X-CSRF-Token", ""), signed_in.csrf_token
    ):
        return json_error(403, "csrf", "Jeton CSRF manquant ou faux (en-tête X-CSRF-Token).")
    return signed_in


async def page_member(request: web.Request, roles: Iterable[StaffRole]) -> accounts.CurrentSession:
    """The signed-in account for a page: no session → the login page; wrong role → 403."""
    signed_in = await current(request)
    if signed_in is None:
        raise web.HTTPSeeOther("/console/login")
    if not allowed(signed_in, roles):
        raise web.HTTPForbidden(
            text="Ton rôle ne donne pas accès à cette page.", content_type="text/plain"
        )
    return signed_in


@dataclass(frozen=True, slots=True)
class Change:
    """A state-changing request as read from a form (field `csrf_token`, answered with a
    redirect) or from JSON (header `X-CSRF-Token`, answered with JSON)."""

    signed_in: accounts.CurrentSession
    fields: Mapping[str, object]
    form: bool

    def text(self, name: str) -> str:
        value = self.fields.get(name, "")
        return value.strip() if isinstance(value, str) else ""


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_change(request: web.Request, roles: Iterable[StaffRole]) -> Change | web.Response:
    """Who asks for a change, with what fields; the refusal (JSON) when there is no session,
    a wrong role, no CSRF token or an unreadable body."""
    signed_in = await current(request)
    if signed_in is None:
        return json_error(401, "unauthenticated", "Connecte-toi à la console.")
    if not allowed(signed_in, roles):
        return json_error(403, "forbidden", "Ton rôle ne donne pas accès à cette page.")
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        return json_error(413, "too_large", "Texte trop long.")
    form = request.content_type in FORM_TYPES
    fields: Mapping[str, object]
    if form:
        fields = dict(await request.post())
        sent = str(fields.get("csrf_token", ""))
    else:
        sent = request.headers.get("X-CSRF-Token", "")
        fields = {}
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return json_error(400, "invalid_json", 'Envoie du JSON : {"text": "…"}.')
            if not isinstance(body, dict):
                return json_error(400, "invalid_json", 'Envoie un objet JSON : {"text": "…"}.')
            fields = body
    if not secret_matches(sent, signed_in.csrf_token):
        return json_error(403, "csrf", "Jeton CSRF manquant ou faux.")
    return Change(signed_in, fields, form)


def id_in_path(request: web.Request, name: str = "id") -> int | None:
    raw = request.match_info[name]
    return int(raw) if ID.fullmatch(raw) else None

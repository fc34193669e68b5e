"""The audit log of staff access, for admins only (#12): a filterable page, newest first, and
the same as JSON. Read-only: nothing in the console edits or deletes an entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from multidict import MultiMapping

from bot.console.pages import ID, page, page_member, site_zone, staff_member
from bot.core.vocabulary import AuditAction, StaffRole
from bot.http.responses import json_error
from bot.storage import audit
from bot.storage.models import AuditEntry
from bot.wiring import SESSIONS

ADMIN_ROLES = (StaffRole.ADMIN,)
PAGE_SIZE = 50
ACTION_LABELS = {
    AuditAction.LOGIN: "connexion",
    AuditAction.LOGIN_FAILED: "connexion refusée",
    AuditAction.LOGOUT: "déconnexion",
    AuditAction.VIEW: "consultation",
    AuditAction.TAKE: "prise en charge",
    AuditAction.REPLY: "réponse",
    AuditAction.NOTE: "note privée",
    AuditAction.REASSIGN: "conversation confiée",
    AuditAction.RELEASE: "rendue à l'assistant",
    AuditAction.CLOSE: "conversation close",
    AuditAction.EXPORT: "export des données",
    AuditAction.ERASE: "effacement des données",
    AuditAction.ACCOUNT_CREATE: "compte créé",
    AuditAction.ACCOUNT_CHANGE: "compte modifié",
}
FIELDS = ("staff", "action", "contact_id", "conversation_id", "since", "until")


class BadFilter(ValueError):
    """A query parameter that cannot be read (its French explanation is the message)."""


@dataclass(frozen=True, slots=True)
class Asked:
    filters: audit.AuditFilter
    limit: int


def _number(query: MultiMapping[str], name: str) -> int | None:
    raw = query.get(name, "").strip()
    if not raw:
        return None
    if not ID.fullmatch(raw):
        raise BadFilter(f"{name} : un numéro.")
    return int(raw)


def _moment(query: MultiMapping[str], name: str, zone: str, *, end: bool) -> datetime | None:
    """An ISO date or date-time; a date alone is the whole day, a time without offset is the
    Mission Locale's local time."""
    raw = query.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw) + timedelta(days=1 if end else 0)
            moment = datetime.combine(day, time(0))
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise BadFilter(f"{name} : une date (AAAA-MM-JJ) ou une date et heure ISO.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def _asked(query: MultiMapping[str], zone: str, default_limit: int) -> Asked:
    raw_action = query.get("action", "").strip()
    try:
        action = AuditAction(raw_action) if raw_action else None
    except ValueError:
        raise BadFilter("action : " + ", ".join(a.value for a in AuditAction) + ".") from None
    limit = _number(query, "limit") or default_limit
    return Asked(
        audit.AuditFilter(
            staff=query.get("staff", "").strip()[:254] or None,
            action=action,
            contact_id=_number(query, "contact_id"),
            conversation_id=_number(query, "conversation_id"),
            since=_moment(query, "since", zone, end=False),
            until=_moment(query, "until", zone, end=True),
            before=_number(query, "before"),
        ),
        min(limit, audit.MAX_ENTRIES),
    )


def _json(entry: AuditEntry) -> dict[str, object]:
    return {
        "at": entry.at.isoformat(),
        "staff": entry.staff,
        "action": entry.action,
        "contact_id": entry.contact_id,
        "conversation_id": entry.conversation_id,
        "target_account_id": entry.target_account_id,
    }


async def audit_json(request: web.Request) -> web.Response:
    signed_in = await staff_member(request, ADMIN_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    async with request.app[SESSIONS]() as session:
        try:
            asked = _asked(request.query, await site_zone(session), 100)
        except BadFilter as error:
            return json_error(400, "invalid_filter", str(error))
        found = await audit.entries(session, asked.filters, asked.limit)
    body: dict[str, object] = {"entries": [_json(entry) for entry in found]}
    if len(found) == asked.limit:
        body["before"] = found[-1].id  # ask again with before=… for older entries
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def audit_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, ADMIN_ROLES)
    error = None
    found: list[AuditEntry] = []
    async with request.app[SESSIONS]() as session:
        zone = await site_zone(session)
        try:
            asked = _asked(request.query, zone, PAGE_SIZE)
        except BadFilter as bad:
            error = str(bad)
        else:
            found = list(await audit.entries(session, asked.filters, asked.limit))
    values = {name: request.query.get(name, "") for name in FIELDS}
    older = None
    if error is None and found and len(found) == asked.limit:
        kept = {k: v for k, v in values.items() if v}
        older = "/console/audit?" + urlencode({**kept, "before": found[-1].id})
    return page(
        "audit.html",
        400 if error else 200,
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        entries=found,
        values=values,
        actions={action.value: label for action, label in ACTION_LABELS.items()},
        error=error,
        older=older,
        zone=zone,
        nav_current="audit",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/audit", audit_page)
    app.router.add_get("/console/api/audit", audit_json)

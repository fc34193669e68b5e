"""Staff JSON API (the STAFF_API_TOKEN bearer token, or a console session): outreach figures and
QR codes, the agenda and its outcomes, the anonymised monthly usage figures (#12).

Outreach: aggregates only, how many young people each action brought, never who they are. The
agenda gives counsellors the first name and phone number they need to receive or call someone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from aiohttp import web

from bot.booking import staff_view
from bot.console.pages import SESSION_COOKIE, staff_member
from bot.core.vocabulary import StaffRole
from bot.errors import AppointmentNotFound, OutcomeRefused
from bot.http.json_body import BodyRejected, parse_json, require_json_type
from bot.http.responses import json_error
from bot.http.secrets_match import secret_matches
from bot.outreach import qr
from bot.outreach.links import Target, links_for
from bot.outreach.report import figures_json
from bot.storage import retention, sources, staff_agenda
from bot.wiring import CLOCK, SESSIONS, SETTINGS

# An appointment id in a path: digits only, and small enough for any integer column.
APPOINTMENT_ID = re.compile(r"[0-9]{1,9}")


# A month in a query: 2026-03.
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# Below this, a monthly figure is not shown: it could point to one young person.
SMALLEST_SHOWN = 5
UNDER_SMALLEST = "moins de 5"
MONTHS_SHOWN = 12  # by default, the last twelve months

# Who may use each part with a console session (scripts use the bearer token).
OUTREACH_ROLES = (StaffRole.CAMPAIGN, StaffRole.ADMIN)
AGENDA_ROLES = (StaffRole.COUNSELLOR, StaffRole.ADMIN)


async def _refused(
    request: web.Request, roles: tuple[StaffRole, ...], *, changes: bool = False
) -> web.Response | None:
    """None when the request may go on: the staff token, or a console session whose role may
    (with its CSRF token in `X-CSRF-Token` for a change)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header and SESSION_COOKIE in request.cookies:
        current = await staff_member(request, roles, changes=changes)
        return current if isinstance(current, web.Response) else None
    if scheme.lower() != "bearer" or not token:
        return json_error(
            401, "unauthenticated", "Jeton d'équipe manquant (Authorization: Bearer …)."
        )
    if not secret_matches(token, request.app[SETTINGS].staff_token):
        return json_error(403, "forbidden", "Jeton d'équipe refusé.")
    return None


async def list_sources(request: web.Request) -> web.Response:
    if (refused := await _refused(request, OUTREACH_ROLES)) is not None:
        return refused
    since: datetime | None = None
    if "since" in request.query:
        try:
            day = staff_view.parse_day(request.query["since"], "since")
        except staff_view.InvalidDays as error:
            return json_error(400, "invalid_since", str(error))
        since = datetime.combine(day, time(0), tzinfo=UTC)
    async with request.app[SESSIONS]() as session:
        figures = await sources.figures(session, since)
    settings = request.app[SETTINGS]
    return web.json_response(
        {
            "since": since.date().isoformat() if since else None,
            "sources": [figures_json(settings, f) for f in figures],
        }
    )


async def source_qr(request: web.Request) -> web.Response:
    if (refused := await _refused(request, OUTREACH_ROLES)) is not None:
        return refused
    try:
        target = Target(request.query.get("target", Target.WEBCHAT.value))
    except ValueError:
        return json_error(400, "invalid_target", "Cible inconnue : webchat, telegram ou instagram.")
    async with request.app[SESSIONS]() as session:
        source = await sources.find_source(session, request.match_info["code"])
    if source is None:
        return json_error(404, "unknown_source", "Aucune action avec ce code.")
    link = links_for(request.app[SETTINGS], source.code).of(target)
    if link is None:
        return json_error(404, "channel_off", "Ce canal n'est pas configuré.")
    if request.match_info["format"] == "png":
        return web.Response(body=qr.png(link), content_type="image/png")
    return web.Response(body=qr.svg(link), content_type="image/svg+xml")


async def list_appointments(request: web.Request) -> web.Response:
    if (refused := await _refused(request, AGENDA_ROLES)) is not None:
        return refused
    try:
        first, last = staff_view.days_asked(
            request.query.get("from"), request.query.get("to"), request.app[CLOCK].now()
        )
    except staff_view.InvalidDays as error:
        return json_error(400, "invalid_days", str(error))
    async with request.app[SESSIONS]() as session:
        found = await staff_view.appointments_on_days(session, first, last)
    return web.json_response(
        {
            "from": first.isoformat(),
            "to": last.isoformat(),
            "appointments": [staff_view.appointment_json(a) for a in found],
        }
    )


async def appointment_outcome(request: web.Request) -> web.Response:
    """Record that the young person came or not; nothing changes on any 4xx."""
    if (refused := await _refused(request, AGENDA_ROLES, changes=True)) is not None:
        return refused
    raw_id = request.match_info["id"]
    if APPOINTMENT_ID.fullmatch(raw_id) is None:
        return json_error(404, "unknown_appointment", "Aucun rendez-vous avec ce numéro.")
    try:
        require_json_type(request)
        body = parse_json(await request.read())
    except BodyRejected as rejected:
        return json_error(
            rejected.status, rejected.code, 'Envoie du JSON : {"outcome": "attended"}.'
        )
    outcome = body.get("outcome") if isinstance(body, dict) else None
    if outcome not in staff_agenda.OUTCOMES:
        return json_error(
            400, "unknown_outcome", 'Envoie {"outcome": "attended"} ou {"outcome": "missed"}.'
        )
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            appointment = await staff_agenda.set_outcome(
                session, int(raw_id), str(outcome), request.app[CLOCK].now()
            )
            answer = staff_view.appointment_json(appointment)
    except AppointmentNotFound:
        return json_error(404, "unknown_appointment", "Aucun rendez-vous avec ce numéro.")
    except OutcomeRefused as error:
        return json_error(409, error.reason, staff_view.OUTCOME_REFUSALS[error.reason])
    return web.json_response(answer)


def _month(raw: str | None, default: date) -> date | None:
    if raw is None:
        return default
    found = MONTH.fullmatch(raw.strip())
    if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
        return None
    return date(int(found[1]), int(found[2]), 1)


def figure_json(figure: retention.MonthlyFigure) -> dict[str, object]:
    """One monthly figure; a count below 5 is not shown (« moins de 5 »): with the site, the
    source and the month, it could point to one young person."""
    hidden = figure.count < SMALLEST_SHOWN
    return {
        "month": figure.month.strftime("%Y-%m"),
        "site_id": figure.site_id,
        "site": figure.site,
        "source_kind": figure.source_kind,
        "source_code": figure.source_code,
        "channel": figure.channel,
        "metric": figure.metric,
        "outcome": figure.outcome,
        "count": None if hidden else figure.count,
        "under_5": hidden,
        "shown": UNDER_SMALLEST if hidden else str(figure.count),
    }


async def usage_figures(request: web.Request) -> web.Response:
    """The anonymised monthly figures (?from=2026-01&to=2026-12; by default the last twelve
    months): what the retention purge keeps for the funders."""
    if (refused := await _refused(request, OUTREACH_ROLES)) is not None:
        return refused
    this_month = request.app[CLOCK].now().date().replace(day=1)
    default_first = date(this_month.year - 1, this_month.month, 1)
    first = _month(request.query.get("from"), default_first)
    last = _month(request.query.get("to"), this_month)
    if first is None or last is None or first > last:
        return json_error(
            400, "invalid_months", "Indique des mois AAAA-MM, « from » avant « to » (2026-01)."
        )
    async with request.app[SESSIONS]() as session:
        figures = await retention.monthly_figures(session, first, last)
    return web.json_response(
        {
            "from": first.strftime("%Y-%m"),
            "to": last.strftime("%Y-%m"),
            "smallest_shown": SMALLEST_SHOWN,
            "figures": [figure_json(f) for f in figures],
        }
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/staff/sources", list_sources)
    app.router.add_get(r"/api/staff/sources/{code}/qr.{format:png|svg}", source_qr)
    app.router.add_get("/api/staff/appointments", list_appointments)
    app.router.add_post("/api/staff/appointments/{id}/outcome", appointment_outcome)
    app.router.add_get("/api/staff/usage", usage_figures)

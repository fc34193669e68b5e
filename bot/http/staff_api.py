"""Staff JSON API (bearer token): outreach figures per source, and each source's QR codes.

Aggregates only: how many young people each action brought, never who they are.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, time

from aiohttp import web

from bot.http.keys import SESSIONS, SETTINGS
from bot.http.responses import json_error
from bot.outreach import qr
from bot.outreach.links import Target, links_for
from bot.outreach.report import figures_json
from bot.storage import sources


def _refused(request: web.Request) -> web.Response | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return json_error(
            401, "unauthenticated", "Jeton d'équipe manquant (Authorization: Bearer …)."
        )
    if not hmac.compare_digest(token.encode(), request.app[SETTINGS].staff_token.encode()):
        return json_error(403, "forbidden", "Jeton d'équipe refusé.")
    return None


async def list_sources(request: web.Request) -> web.Response:
    if (refused := _refused(request)) is not None:
        return refused
    since: datetime | None = None
    if "since" in request.query:
        try:
            day = datetime.strptime(request.query["since"], "%Y-%m-%d").date()
        except ValueError:
            return json_error(400, "invalid_since", "« since » doit être une date AAAA-MM-JJ.")
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
    if (refused := _refused(request)) is not None:
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


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/staff/sources", list_sources)
    app.router.add_get(r"/api/staff/sources/{code}/qr.{format:png|svg}", source_qr)

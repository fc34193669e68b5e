"""Liveness (`/healthz`) and readiness (`/readyz`: database and Rasa reachable)."""

from __future__ import annotations

import logging

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.http.keys import RASA, SESSIONS

logger = logging.getLogger(__name__)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    database = "ok"
    try:
        async with request.app[SESSIONS]() as session:
            await session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("readiness: database unavailable (%s)", type(exc).__name__)
        database = "unavailable"
    rasa = "ok" if await request.app[RASA].is_ready() else "unavailable"
    ready = database == "ok" and rasa == "ok"
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "database": database, "rasa": rasa},
        status=200 if ready else 503,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

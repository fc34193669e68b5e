"""Liveness (`/healthz`) and readiness (`/readyz`: database and Rasa reachable)."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.rasa.supervisor import ConfigFailure
from bot.wiring import RASA, RASA_SUPERVISOR, SESSIONS, SETTINGS

logger = logging.getLogger(__name__)

# For whoever deploys the service (the README is French too): what is wrong and where to look.
CONFIG_ERROR_REASON = (
    "Rasa a refusé sa ligne de commande (code de sortie {code}) et n'est plus relancé : "
    "voir son journal {log}, corriger la configuration, puis redémarrer le bot."
)


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
    body = {"database": database}
    supervisor = request.app.get(RASA_SUPERVISOR)
    failure = supervisor.config_failure if supervisor is not None else None
    if failure is not None:
        body["rasa"] = "config_error"
        body["reason"] = _config_error_reason(failure, request.app[SETTINGS].project_dir)
    else:
        body["rasa"] = "ok" if await request.app[RASA].is_ready() else "unavailable"
    ready = database == "ok" and body["rasa"] == "ok"
    return web.json_response(
        {"status": "ready" if ready else "not_ready", **body}, status=200 if ready else 503
    )


def _config_error_reason(failure: ConfigFailure, project_dir: Path) -> str:
    # Relative to the project: this page is public, the server's layout is not its business.
    log = failure.log_path
    shown = log.relative_to(project_dir) if log.is_relative_to(project_dir) else Path(log.name)
    return CONFIG_ERROR_REASON.format(code=failure.exit_code, log=shown)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

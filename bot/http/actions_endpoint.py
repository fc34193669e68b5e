"""`POST /actions`: Rasa's custom-action webhook, run in-process with rasa-sdk's ActionExecutor."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging

from aiohttp import web
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

from bot.core.action_services import ActionServices, current_services
from bot.http.keys import ACTION_EXECUTOR, CLOCK, SCHEDULER, SESSIONS, SETTINGS
from bot.http.responses import json_error

logger = logging.getLogger(__name__)


def _is_loopback(remote: str | None) -> bool:
    try:
        return remote is not None and ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False


def _authorized(request: web.Request) -> bool:
    """Always the shared token; and loopback only unless ACTIONS_TOKEN was set explicitly
    (a Rasa on another host/container)."""
    settings = request.app[SETTINGS]
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    token_ok = scheme.lower() == "bearer" and hmac.compare_digest(
        given.encode(), settings.actions_token.encode()
    )
    return token_ok and (settings.actions_token_configured or _is_loopback(request.remote))


async def run_action(request: web.Request) -> web.Response:
    if not _authorized(request):
        return json_error(401, "unauthorized", "unauthorized")
    try:
        action_call = json.loads(await request.read())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_error(400, "invalid_json", "invalid JSON")
    if not isinstance(action_call, dict) or not isinstance(action_call.get("tracker"), dict):
        return json_error(400, "invalid_action_call", "an action call needs a tracker")

    app = request.app
    token = current_services.set(
        ActionServices(
            sessions=app[SESSIONS],
            clock=app[CLOCK],
            scheduler=app[SCHEDULER],
            booking=app[SETTINGS].booking,
            public_url=app[SETTINGS].public_url,
        )
    )
    try:
        result = await app[ACTION_EXECUTOR].run(action_call)
    except ActionExecutionRejection as exc:
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=400)
    except ActionNotFoundException as exc:
        logger.error("Rasa asked for an unknown action %s", exc.action_name)
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=404)
    except ActionMissingDomainException as exc:
        return web.json_response({"error": exc.message, "action_name": exc.action_name}, status=449)
    finally:
        current_services.reset(token)
    return web.json_response(result.model_dump() if result else None)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/actions", run_action)

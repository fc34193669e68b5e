"""`POST /actions`: Rasa's custom-action webhook, run in-process with rasa-sdk's ActionExecutor."""

from __future__ import annotations

import ipaddress
import logging

from aiohttp import web
from rasa_sdk.interfaces import (
    ActionExecutionRejection,
    ActionMissingDomainException,
    ActionNotFoundException,
)

from bot.core.action_services import ActionServices, current_services
from bot.core.messages import ACTION_FAILED_SIGNAL
from bot.http.json_body import BodyRejected, parse_json
from bot.http.responses import json_error
from bot.http.secrets_match import secret_matches
from bot.wiring import ACTION_EXECUTOR, ANNOUNCER, CLOCK, SCHEDULER, SESSIONS, SETTINGS

logger = logging.getLogger(__name__)

# Rasa posts the whole tracker (every event of every session) with each action call: about
# 10 KiB a turn with forms and buttons. 32 MiB is thousands of turns; above it, the call is
# refused and logged as an error, and the young person gets the fallback answer.
ACTIONS_MAX_BODY = 32 * 2**20


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
    token_ok = scheme.lower() == "bearer" and secret_matches(given, settings.actions_token)
    return token_ok and (settings.actions_token_configured or _is_loopback(request.remote))


async def run_action(request: web.Request) -> web.Response:
    if not _authorized(request):
        return json_error(401, "unauthorized", "unauthorized")
    try:
        # Rasa sends the whole tracker, which grows with the conversation: this route alone
        # (authenticated, loopback by default) reads past the app's tight body limit.
        body = await request.clone(client_max_size=ACTIONS_MAX_BODY).read()
    except web.HTTPRequestEntityTooLarge:
        logger.error(
            "action call refused: Rasa's tracker is over %d MiB (the young person gets the "
            "fallback answer); raise ACTIONS_MAX_BODY in bot/http/actions_endpoint.py",
            ACTIONS_MAX_BODY // 2**20,
        )
        return json_error(413, "too_large", "action call too large")
    try:
        action_call = parse_json(body)
    except BodyRejected as rejected:
        return json_error(rejected.status, rejected.code, "invalid JSON")
    if not isinstance(action_call, dict) or not isinstance(action_call.get("tracker"), dict):
        return json_error(400, "invalid_action_call", "an action call needs a tracker")
    name = str(action_call.get("next_action"))[:100]

    app = request.app
    token = current_services.set(
        ActionServices(
            sessions=app[SESSIONS],
            clock=app[CLOCK],
            scheduler=app[SCHEDULER],
            booking=app[SETTINGS].booking,
            scheduling=app[SETTINGS].scheduling,
            public_url=app[SETTINGS].public_url,
            announcer=app[ANNOUNCER],
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
    except Exception:
        # Rasa would drop the turn's events and say nothing: the signal makes the bot answer
        # with an apology and the offer of a human instead (bot/core/dialogue.py).
        logger.exception("action %s failed", name)
        return web.json_response(
            {"events": [], "responses": [{"custom": {"signal": ACTION_FAILED_SIGNAL}}]}
        )
    finally:
        current_services.reset(token)
    return web.json_response(result.model_dump() if result else None)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/actions", run_action)

"""A fake Rasa HTTP server (REST channel + /status) for tests that exercise the real client."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeRasaState:
    down: bool = False
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    # When set, the REST answer to every message (e.g. [] for « Rasa said nothing »).
    answer: list[dict[str, Any]] | None = None
    # Events appended to trackers (POST /conversations/{id}/tracker/events): (sender, events).
    tracker_events: list[tuple[str, Any]] = field(default_factory=list)


FAKE_RASA_STATE = web.AppKey("fake_rasa_state", FakeRasaState)


async def _webhook(request: web.Request) -> web.Response:
    state = request.app[FAKE_RASA_STATE]
    if state.down:
        return web.json_response({"error": "down"}, status=503)
    body = json.loads(await request.read())
    state.received.append(body)
    await asyncio.sleep(state.delay)
    sender, message = body["sender"], body["message"]
    if state.answer is not None:
        return web.json_response(state.answer)
    return web.json_response(
        [
            {"recipient_id": sender, "text": f"écho : {message}"},
            {
                "recipient_id": sender,
                "text": "Tu veux un rendez-vous ?",
                "buttons": [{"title": "Oui", "payload": "/affirm"}],
            },
            {"recipient_id": sender, "image": "https://example.org/x.png"},
        ]
    )


async def _status(request: web.Request) -> web.Response:
    if request.app[FAKE_RASA_STATE].down:
        return web.json_response({}, status=503)
    return web.json_response({"model_file": "model.tar.gz", "model_id": "x"})


async def _tracker_events(request: web.Request) -> web.Response:
    state = request.app[FAKE_RASA_STATE]
    if state.down:
        return web.json_response({}, status=503)
    state.tracker_events.append((request.match_info["sender"], await request.json()))
    return web.json_response({"sender_id": request.match_info["sender"], "events": []})


def fake_rasa_app(state: FakeRasaState) -> web.Application:
    app = web.Application()
    app[FAKE_RASA_STATE] = state
    app.router.add_post("/webhooks/rest/webhook", _webhook)
    app.router.add_get("/status", _status)
    app.router.add_post("/conversations/{sender}/tracker/events", _tracker_events)
    return app

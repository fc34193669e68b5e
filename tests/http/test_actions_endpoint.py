"""POST /actions: authentication, and a real custom action reading the bot's database."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from rasa_sdk.executor import ActionExecutor
from sqlalchemy import select, update

from bot.http import actions_endpoint
from bot.http.actions_endpoint import _authorized
from bot.settings import load_settings
from bot.storage.models import Site
from bot.wiring import SESSIONS, SETTINGS
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]


def action_call(action: str) -> dict[str, Any]:
    """The shape Rasa 3.6 posts to the action endpoint (trimmed to what the SDK reads)."""
    return {
        "next_action": action,
        "sender_id": "abc",
        "version": "3.6.21",
        "domain": {"responses": {}, "slots": {}, "intents": [], "entities": [], "forms": {}},
        "tracker": {
            "sender_id": "abc",
            "slots": {},
            "latest_message": {"text": "horaires", "intent": {"name": "ask_mission_locale"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _auth(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.app[SETTINGS].actions_token}"}


async def test_site_info_is_read_from_the_database(client: Client) -> None:
    async with client.app[SESSIONS]() as session, session.begin():
        await session.execute(update(Site).values(address="7 allée des Tests"))

    response = await client.post(
        "/actions", json=action_call("action_topic_answer"), headers=_auth(client)
    )

    assert response.status == 200
    body = await response.json()
    # The subject is remembered for follow-ups (actions/topics.py).
    assert [(e["name"], e["value"]) for e in body["events"]] == [("topic", "mission_locale")]
    [message] = body["responses"]
    assert "7 allée des Tests, 69001 Lyon" in message["text"]
    assert "jeudi : 13h30–17h30" in message["text"]
    # The test clock is Monday 23 Nov 2026, 09:30 UTC = 10:30 in Lyon.
    assert "Ouvert en ce moment, jusqu'à 12h30." in message["text"]


async def test_site_info_without_any_site_says_so(client: Client) -> None:
    async with client.app[SESSIONS]() as session, session.begin():
        for site in (await session.scalars(select(Site))).all():
            await session.delete(site)

    response = await client.post(
        "/actions", json=action_call("action_topic_answer"), headers=_auth(client)
    )

    assert "Je n'ai pas encore les infos" in (await response.json())["responses"][0]["text"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}],
)
async def test_unauthenticated_calls_are_refused(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        "/actions", json=action_call("action_topic_answer"), headers=headers
    )

    assert response.status == 401


async def test_unknown_action_and_bad_bodies(client: Client) -> None:
    unknown = await client.post("/actions", json=action_call("action_nope"), headers=_auth(client))
    garbage = await client.post("/actions", data=b"{{", headers=_auth(client))
    no_tracker = await client.post("/actions", json={"next_action": "x"}, headers=_auth(client))

    assert unknown.status == 404
    assert garbage.status == 400
    assert no_tracker.status == 400


def _request(remote: str, token: str) -> web.Request:
    app = web.Application()
    app[SETTINGS] = load_settings(
        {"ACTIONS_TOKEN": token} if token else {}, project_dir=PROJECT_DIR
    )
    request = make_mocked_request(
        "POST",
        "/actions",
        headers={"Authorization": f"Bearer {app[SETTINGS].actions_token}"},
        app=app,
    )
    return request.clone(remote=remote)


def test_generated_token_is_accepted_from_loopback_only() -> None:
    assert _authorized(_request("127.0.0.1", ""))
    assert _authorized(_request("::1", ""))
    assert not _authorized(_request("10.0.0.7", ""))


def test_an_explicit_token_allows_rasa_on_another_host() -> None:
    assert _authorized(_request("10.0.0.7", "a-long-shared-secret-1234"))


def _long_tracker(events: int) -> dict[str, Any]:
    """An action call as Rasa sends it late in a long conversation: every event so far."""
    call = action_call("action_topic_answer")
    call["tracker"]["events"] = [
        {
            "event": "user",
            "timestamp": 1_764_000_000.0 + n,
            "text": "je veux un rendez-vous stp 🙏" * 3,
            "parse_data": {"intent": {"name": "book_appointment", "confidence": 0.97}},
            "metadata": {"channel": "webchat"},
        }
        for n in range(events)
    ]
    return call


async def test_the_whole_tracker_of_a_long_conversation_is_accepted(client: Client) -> None:
    call = _long_tracker(1500)
    assert len(json.dumps(call)) > 64 * 1024  # the rest of the app refuses bodies this large

    response = await client.post("/actions", json=call, headers=_auth(client))

    assert response.status == 200
    assert "Lyon" in (await response.json())["responses"][0]["text"]


async def test_only_the_actions_endpoint_reads_large_bodies(client: Client) -> None:
    body = json.dumps({"user_id": "x" * 30, "text": "a" * (70 * 1024)})

    response = await client.post(
        "/webchat/api/messages", data=body, headers={"Content-Type": "application/json"}
    )

    assert response.status == 413


async def test_a_tracker_over_the_limit_is_refused_and_logged_as_an_error(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(actions_endpoint, "ACTIONS_MAX_BODY", 100 * 1024)

    with caplog.at_level(logging.ERROR, logger="bot.http.actions_endpoint"):
        response = await client.post("/actions", json=_long_tracker(3000), headers=_auth(client))

    assert response.status == 413
    assert "action call refused" in caplog.text


async def test_a_failing_action_answers_a_signal_for_the_fallback(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(self: object, action_call: dict[str, Any]) -> None:
        raise RuntimeError("date value out of range")

    monkeypatch.setattr(ActionExecutor, "run", broken)

    with caplog.at_level(logging.ERROR, logger="bot.http.actions_endpoint"):
        response = await client.post(
            "/actions", json=action_call("action_topic_answer"), headers=_auth(client)
        )

    assert response.status == 200
    assert await response.json() == {
        "events": [],
        "responses": [{"custom": {"signal": "action_failed"}}],
    }
    assert "action action_topic_answer failed" in caplog.text

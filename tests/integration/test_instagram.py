"""Instagram end to end with the real Rasa: a fake Graph API server on loopback stands in for
Meta; the bot runs as a child process pointed at it (GRAPH_API_BASE_URL)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from tests.fake_graph import (
    FakeGraphState,
    encoded,
    fake_graph_app,
    instagram_env,
    notification,
    quick_reply_event,
    referral_event,
    signed_headers,
    text_event,
)
from tests.integration.stack import Stack, start_stack
from tests.integration.webchat import after_notice
from tests.platform_server import ThreadedServer

pytestmark = pytest.mark.integration

GREETING_PAYLOADS = ["/ask_cej", "/check_eligibility", "/ask_mission_locale", "/request_human"]


@pytest.fixture(scope="module")
def graph() -> Iterator[tuple[FakeGraphState, ThreadedServer]]:
    state = FakeGraphState()
    server = ThreadedServer(fake_graph_app(state)).start()
    yield state, server
    server.stop()


@pytest.fixture(scope="module")
def ig_stack(
    tmp_path_factory: pytest.TempPathFactory,
    graph: tuple[FakeGraphState, ThreadedServer],
) -> Iterator[Stack]:
    _, server = graph
    running = start_stack(tmp_path_factory.mktemp("instagram"), extra_env=instagram_env(server.url))
    yield running
    running.stop_all()


async def _post(
    http: aiohttp.ClientSession, stack: Stack, data: dict[str, Any], *, forged: bool = False
) -> int:
    body = encoded(data)
    headers = signed_headers(body, "forged-secret" if forged else "instagram-app-secret-for-tests")
    async with http.post(f"{stack.bot_url}/instagram/webhook", data=body, headers=headers) as r:
        return r.status


async def _sent_to(state: FakeGraphState, recipient: str, count: int) -> list[dict[str, Any]]:
    for _ in range(200):  # up to 20 s
        if len(state.sent_to(recipient)) >= count:
            await asyncio.sleep(0.5)  # nothing more should come
            return state.sent_to(recipient)
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} messages reached {recipient}")


async def test_a_referral_is_greeted_with_quick_replies_and_the_source_recorded(
    ig_stack: Stack,
    graph: tuple[FakeGraphState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = graph
    with sqlite3.connect(ig_stack.database_file) as connection:
        connection.execute(
            "INSERT INTO outreach_sources (code, label, kind, created_at) "
            "VALUES ('affiche-ig-e2e', 'Affiche test', 'poster', '2026-12-01 10:00:00')"
        )

    referral = notification(referral_event("8800001", "affiche-ig-e2e"))
    assert await _post(http, ig_stack, referral) == 200
    [greeting] = await _sent_to(state, "8800001", 1)

    assert greeting["text"].startswith("Salut")
    assert [q["payload"] for q in greeting["quick_replies"]] == GREETING_PAYLOADS
    assert [q["title"] for q in greeting["quick_replies"]][2] == "Où vous trouver ?"
    assert all(len(q["title"]) <= 20 for q in greeting["quick_replies"])
    with sqlite3.connect(ig_stack.database_file) as connection:
        [(code,)] = connection.execute(
            "SELECT s.code FROM contacts c JOIN outreach_sources s ON s.id = c.source_id"
        ).fetchall()
    assert code == "affiche-ig-e2e"


async def test_a_text_and_a_quick_reply_tap_are_understood(
    ig_stack: Stack,
    graph: tuple[FakeGraphState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = graph

    assert await _post(http, ig_stack, notification(text_event("8800002", "e2e.1", "salut"))) == 200
    [greeting] = await _sent_to(state, "8800002", 1)
    assert [q["payload"] for q in greeting["quick_replies"]] == GREETING_PAYLOADS

    tap = quick_reply_event("8800002", "e2e.2", "/ask_mission_locale", title="Où vous trouver ?")
    assert await _post(http, ig_stack, notification(tap)) == 200
    replies = await _sent_to(state, "8800002", 2)

    assert any("69001 Lyon" in reply["text"] for reply in replies[1:])
    call = next(c for c in state.all_calls() if c.body["recipient"]["id"] == "8800002")
    assert call.authorization == "Bearer IGAA-test-access-token"
    assert call.path == "/v25.0/17841400000000001/messages"


async def test_a_duplicate_is_answered_once_and_a_forged_event_not_at_all(
    ig_stack: Stack,
    graph: tuple[FakeGraphState, ThreadedServer],
    http: aiohttp.ClientSession,
) -> None:
    state, _ = graph
    batch = notification(text_event("8800003", "e2e.dup", "c'est quoi le cej"))

    assert await _post(http, ig_stack, batch) == 200
    assert await _post(http, ig_stack, batch) == 200
    forged = notification(text_event("8800004", "e2e.forged", "salut"))
    assert await _post(http, ig_stack, forged, forged=True) == 403
    replies = await _sent_to(state, "8800003", 2)  # the notice, then the answer
    await asyncio.sleep(1.0)

    assert "CEJ" in after_notice(replies)[0]["text"]
    assert len(state.sent_to("8800003")) == len(replies)
    assert state.sent_to("8800004") == []
    with sqlite3.connect(ig_stack.database_file) as connection:
        [(incoming,)] = connection.execute(
            "SELECT count(*) FROM messages WHERE external_id = 'e2e.dup'"
        ).fetchall()
        [(forged_rows,)] = connection.execute(
            "SELECT count(*) FROM messages WHERE external_id = 'e2e.forged'"
        ).fetchall()
    assert (incoming, forged_rows) == (1, 0)

"""End to end with the real Rasa server: web chat → bot → Rasa → /actions → database → reply.

The model is trained once (cached by content hash); the stack starts once for this module. The
Rasa-down test stops Rasa, so it runs last.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.stack import Stack, http_status, start_stack, stop

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stop_all()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def new_user() -> str:
    return secrets.token_urlsafe(24)


async def say(
    http: aiohttp.ClientSession, stack: Stack, user: str, **body: str
) -> list[dict[str, Any]]:
    async with http.post(
        f"{stack.bot_url}/webchat/api/messages", json={"user_id": user, **body}
    ) as response:
        assert response.status == 200
        messages: list[dict[str, Any]] = (await response.json())["messages"]
        return messages


def query(database: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql, params).fetchall()


async def test_greeting_in_youth_spelling_gets_a_french_reply_with_a_button(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    replies = await say(http, stack, new_user(), text="wesh slt")

    assert replies
    assert replies[0]["text"].startswith("Salut")
    assert {"title": "Où vous trouver ?", "payload": "/ask_mission_locale"} in replies[0]["buttons"]


async def test_the_custom_action_answers_from_the_bots_database(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    with sqlite3.connect(stack.database_file) as connection:
        connection.execute("UPDATE sites SET address = '5 impasse du Test-de-Bout-en-Bout'")
    user = new_user()

    by_button = await say(http, stack, user, payload="/ask_mission_locale")
    by_text = await say(http, stack, user, text="c ou la mission locale")

    for replies in (by_button, by_text):
        text = "\n".join(m["text"] for m in replies)
        assert "5 impasse du Test-de-Bout-en-Bout, 69001 Lyon" in text
        assert "lundi : 9h–12h30, 13h30–17h30" in text


async def test_out_of_scope_is_answered_kindly(stack: Stack, http: aiohttp.ClientSession) -> None:
    replies = await say(http, stack, new_user(), text="raconte moi une blague")

    assert "je ne sais pas t'aider" in replies[0]["text"]


async def test_every_message_is_stored_and_the_tracker_is_persistent(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="bonjour")

    rows = query(
        stack.database_file,
        "SELECT direction, author, status FROM messages WHERE conversation_id = "
        "(SELECT MAX(id) FROM conversations) ORDER BY id",
    )
    assert rows[0] == ("in", "young_person", "processed")
    assert all(row == ("out", "bot", "sent") for row in rows[1:])
    assert len(rows) > 1
    [(sender,)] = query(
        stack.database_file,
        "SELECT public_id FROM channel_identities ORDER BY id DESC LIMIT 1",
    )
    events = query(stack.tracker_file, "SELECT COUNT(*) FROM events WHERE sender_id = ?", sender)
    assert events[0][0] > 0


async def test_rasa_down_gives_the_apology_and_not_ready(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    assert stack.rasa is not None
    stop(stack.rasa)

    replies = await say(http, stack, new_user(), text="salut")

    assert len(replies) == 1
    assert "Réessaie dans quelques minutes" in replies[0]["text"]
    assert http_status(f"{stack.bot_url}/readyz") == 503
    last = query(
        stack.database_file,
        "SELECT status FROM messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1",
    )
    assert last == [("unprocessed",)]

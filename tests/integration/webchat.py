"""Talk to the running stack as a young person would, through the web chat's JSON API."""

from __future__ import annotations

import secrets
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from tests.integration.stack import Stack


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


# The first-contact privacy notice (#12) says how to erase: it opens a new contact's answer.
NOTICE = "supprime mes données"


def after_notice(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A first message's replies without the notice that opens them (checked: first, once)."""
    assert NOTICE in str(replies[0]["text"])
    rest = replies[1:]
    assert all(NOTICE not in str(reply["text"]) for reply in rest)
    return rest


def text_of(replies: list[dict[str, Any]]) -> str:
    return "\n".join(str(m["text"]) for m in replies)


def query(database: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql, params).fetchall()

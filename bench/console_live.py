"""Benchmark of the console's live events (#10): from a young person's web chat message to the
`message` event on a counsellor's open console page.

A throwaway database (as bench/console_inbox.py: SQLite, or a fresh PostgreSQL database with
--database-url) holds a small inbox and a few web chat conversations waiting for a counsellor
(their messages are held: Rasa is never asked). A signed-in counsellor opens the event stream
(GET /console/api/events, server-sent events); then N times (100), one at a time, a young person
posts to POST /webchat/api/messages, and the time from sending the POST to receiving the SSE
event `message` naming that conversation is measured. On SQLite one application serves both; on
PostgreSQL two applications share the database: the young person posts to A, the stream is read
from B, so every event crosses LISTEN/NOTIFY. Prints p50/p95/max; target p95 ≤ 1000 ms. Exit
code 1 when it is missed or a message was not held.

    .venv/bin/python -m bench.console_live [-n 100] \\
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.console_inbox import (
    Figures,
    bench_settings,
    database_label,
    fill,
    insert_ids,
    seed_team,
    serve,
    throwaway_database,
)
from bot.channels.webchat.api import CHANNEL, external_id
from bot.core.messages import Author, ConversationState, MessageStatus
from bot.storage import models as m
from bot.storage.database import create_engine

TARGET_P95_MS = 1000.0
WAITING = 5  # web chat conversations waiting for a counsellor, posted to in turn
WARMUP = 5
EVENT_TIMEOUT = 10.0  # seconds; a missing event fails the run
Arrival = tuple[float, str, dict[str, Any]]  # when (perf_counter), event name, data


async def add_waiting(engine: AsyncEngine, now: datetime, user_ids: list[str]) -> list[int]:
    """A web chat contact per page token, each with a conversation waiting for a counsellor."""
    async with engine.begin() as connection:
        fresh = [{"created_at": now, "last_seen_at": now}] * len(user_ids)
        contacts = await insert_ids(connection, m.Contact, fresh)
        identities = await insert_ids(
            connection,
            m.ChannelIdentity,
            [{"contact_id": c, "channel": CHANNEL, "external_id": external_id(user),
              "public_id": secrets.token_hex(16), "created_at": now}
             for c, user in zip(contacts, user_ids, strict=True)],
        )  # fmt: skip
        return await insert_ids(
            connection,
            m.Conversation,
            [{"channel_identity_id": i, "state": ConversationState.WAITING_FOR_COUNSELLOR.value,
              "urgent": False, "handoff_reason": "asked", "created_at": now, "updated_at": now}
             for i in identities],
        )  # fmt: skip


async def read_events(response: aiohttp.ClientResponse, arrivals: asyncio.Queue[Arrival]) -> None:
    """Parse the server-sent events of `response` into `arrivals`, stamped on receipt."""
    name = "message"  # the event being read: its name and data lines
    data: list[str] = []
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                arrivals.put_nowait((time.perf_counter(), name, json.loads("\n".join(data))))
            name, data = "message", []
        elif not line.startswith(":"):  # a comment (ping) otherwise
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)


async def event_for(arrivals: asyncio.Queue[Arrival], conversation_id: int, since: float) -> float:
    """When the first `message` event of this conversation received after `since` arrived."""
    while True:
        at, name, data = await arrivals.get()
        if at >= since and name == "message" and data.get("conversation_id") == conversation_id:
            return at


async def exchange(
    poster: str, reader: str, token: str, users: list[tuple[str, int]], count: int
) -> tuple[list[float], list[float]]:
    """Open the stream on `reader`, post `count` messages to `poster`; (event, POST) latencies."""
    arrivals: asyncio.Queue[Arrival] = asyncio.Queue()
    events, posts = [], []
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        stream = await http.get(
            f"{reader}/console/api/events", headers={"Cookie": f"console_session={token}"}
        )
        if stream.status != 200:
            raise RuntimeError(f"event stream: HTTP {stream.status}")
        reading = asyncio.create_task(read_events(stream, arrivals))
        try:
            _, name, _ = await asyncio.wait_for(arrivals.get(), EVENT_TIMEOUT)
            if name != "ready":
                raise RuntimeError(f"event stream: {name!r} before « ready »")
            for n in range(WARMUP + count):
                user_id, conversation_id = users[n % len(users)]
                body = {"user_id": user_id, "text": f"Bonjour, question {n} sur mon dossier"}
                started = time.perf_counter()
                async with http.post(f"{poster}/webchat/api/messages", json=body) as response:
                    await response.read()
                posted = time.perf_counter()
                if response.status != 200:
                    raise RuntimeError(f"web chat message: HTTP {response.status}")
                try:
                    arrived = await asyncio.wait_for(
                        event_for(arrivals, conversation_id, started), EVENT_TIMEOUT
                    )
                except TimeoutError:
                    raise RuntimeError(
                        f"no event for conversation {conversation_id} in {EVENT_TIMEOUT:.0f} s"
                    ) from None
                if n >= WARMUP:
                    events.append(arrived - started)
                    posts.append(posted - started)
        finally:
            reading.cancel()
            stream.close()
    return events, posts


async def unheld(engine: AsyncEngine, conversation_ids: list[int]) -> int:
    """The young person's messages in these conversations that were not held (Rasa asked)."""
    async with engine.connect() as connection:
        found = await connection.scalar(
            select(func.count()).where(
                m.Message.conversation_id.in_(conversation_ids),
                m.Message.author == Author.YOUNG_PERSON.value,
                m.Message.status != MessageStatus.HELD.value,
            )
        )
    return int(found or 0)


async def run(server_url: str | None, count: int) -> bool:
    now = datetime.now(UTC)
    user_ids = [secrets.token_urlsafe(24) for _ in range(WAITING)]
    with tempfile.TemporaryDirectory() as workdir:
        async with throwaway_database(Path(workdir), server_url) as url:
            engine = create_engine(url)
            team, token = await seed_team(engine, now, 2)
            await fill(engine, now, 200, team)
            conversation_ids = await add_waiting(engine, now, user_ids)
            settings = bench_settings(url, Path(workdir))
            async with AsyncExitStack() as apps:
                poster = await apps.enter_async_context(serve(settings))
                two = url.startswith("postgresql")
                reader = await apps.enter_async_context(serve(settings)) if two else poster
                users = list(zip(user_ids, conversation_ids, strict=True))
                events, posts = await exchange(poster, reader, token, users, count)
            not_held = await unheld(engine, conversation_ids)
            await engine.dispose()
    where = "POST sur A, flux SSE lu sur B (LISTEN/NOTIFY)" if two else "une seule application"
    print(f"console_live : {database_label(url)}, {where} ; {count} messages, un à la fois")
    print(f"POST du message seul (pour information) : {Figures.of(posts)}")
    print(f"POST → événement SSE « message » : {Figures.of(events).line(TARGET_P95_MS)}")
    if not_held:
        print(f"ÉCHEC : {not_held} messages du jeune n'ont pas été mis en attente (Rasa appelé)")
    return not not_held and Figures.of(events).p95 <= TARGET_P95_MS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_live")
    parser.add_argument(
        "--database-url",
        help="serveur PostgreSQL où créer une base jetable, "
        "ex. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres (défaut : SQLite)",
    )
    parser.add_argument("-n", "--messages", type=int, default=100)
    args = parser.parse_args(argv)
    try:
        return 0 if asyncio.run(run(args.database_url, args.messages)) else 1
    except RuntimeError as error:
        print(f"console_live : ÉCHEC : {error}")
        return 1


if __name__ == "__main__":
    sys.exit(main())

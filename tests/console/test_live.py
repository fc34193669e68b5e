"""Live events (#10): an open console page hears of a new message through server-sent events,
in the same process (SQLite) and from another bot process sharing PostgreSQL (LISTEN/NOTIFY);
the stream is refused without a session or to campaign staff; a payload never carries words."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.console import accounts
from bot.core.live import InProcessEvents, LiveEvent, LiveKind
from bot.core.vocabulary import StaffRole
from bot.settings import load_settings
from bot.storage.database import create_engine
from bot.storage.live_postgres import PostgresEvents
from bot.wiring import CLOCK, SESSIONS
from tests.conftest import FixedClock
from tests.console.test_inbox import _signed_in
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]
USER = "AbCdEfGhIjKlMnOpQrStUv_-12"


async def _next_event(response: aiohttp.ClientResponse, name: str) -> dict[str, Any]:
    """The data of the stream's next event called `name` (others skipped)."""
    event = None
    async with asyncio.timeout(5):
        while True:
            line = (await response.content.readline()).decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line.partition(":")[2].strip()
            elif line.startswith("data:") and event == name:
                data: dict[str, Any] = json.loads(line.partition(":")[2])
                return data


async def test_a_page_hears_of_a_new_message_without_reloading(client: Client) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    stream = await client.get("/console/api/events", headers=samia)
    assert stream.status == 200
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    await _next_event(stream, "ready")

    await client.post("/webchat/api/messages", json={"user_id": USER, "text": "coucou secret"})
    event = await _next_event(stream, "message")

    assert isinstance(event["conversation_id"], int)
    assert "coucou" not in json.dumps(event)  # ids and states only, never the words
    stream.close()


async def test_the_stream_is_refused_without_a_session_or_to_campaign_staff(
    client: Client,
) -> None:
    campaign = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    anonymous = await client.get("/console/api/events")
    refused = await client.get("/console/api/events", headers=campaign)
    assert (anonymous.status, refused.status) == (401, 403)


async def test_in_process_events_reach_every_subscriber_and_a_slow_one_only_loses_old_ones() -> (
    None
):
    events = InProcessEvents()
    async with events.subscribe() as first, events.subscribe() as second:
        for n in range(300):
            await events.publish(LiveEvent(n, LiveKind.MESSAGE))
        assert first.qsize() == second.qsize() == 256  # bounded: the page refetches anyway
        assert (await first.get()).conversation_id == 300 - 256
    assert events.fanout.subscribers == 0


def test_a_malformed_notification_is_ignored() -> None:
    assert LiveEvent.decode("not json") is None
    assert LiveEvent.decode('{"conversation_id": "x", "kind": "message"}') is None
    event = LiveEvent(7, LiveKind.STATE, "waiting_for_counsellor", True, "asked")
    assert LiveEvent.decode(event.encode()) == event


@pytest.fixture
def pg_url(postgres_url: str | None) -> str:
    if postgres_url is None:
        pytest.skip("TEST_DATABASE_URL not set")
    return postgres_url


async def test_postgres_notify_reaches_the_listeners_of_another_process(pg_url: str) -> None:
    engine = create_engine(pg_url)
    one, two = PostgresEvents(engine, pg_url), PostgresEvents(engine, pg_url)
    await one.start()
    await two.start()
    try:
        async with two.subscribe() as queue:
            await one.publish(LiveEvent(42, LiveKind.STATE, "with_counsellor"))
            async with asyncio.timeout(5):
                received = await queue.get()
        assert received == LiveEvent(42, LiveKind.STATE, "with_counsellor")
    finally:
        await one.close()
        await two.close()
        await engine.dispose()


async def test_two_bot_processes_on_one_postgres_database_see_each_others_messages(
    pg_url: str,
    fake_rasa_url: str,
    tmp_path: Path,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    """A young person writes to instance A; a counsellor's page is open on instance B."""

    def instance() -> web.Application:
        settings = load_settings(
            {
                "DATABASE_URL": pg_url,
                "RASA_URL": fake_rasa_url,
                "RASA_MANAGED": "0",
                "RASA_TIMEOUT": "2",
                "RASA_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            },
            project_dir=PROJECT_DIR,
        )
        return create_app(settings, clock=FixedClock())

    a = await aiohttp_client(TestServer(instance()))
    b = await aiohttp_client(TestServer(instance()))
    app = b.app
    assert app is not None
    now = app[CLOCK].now()
    email = f"samia-{id(app)}@ml.fr"
    async with app[SESSIONS]() as session, session.begin():
        account = await accounts.create_account(
            session,
            email=email,
            name="Samia",
            role=StaffRole.ADMIN,
            password="une phrase de passe assez longue",
            now=now,
        )
        opened = await accounts.open_session(session, account, now)
    stream = await b.get(
        "/console/api/events", headers={"Cookie": f"console_session={opened.token}"}
    )
    await _next_event(stream, "ready")

    posted = await a.post("/webchat/api/messages", json={"user_id": USER, "text": "allo"})
    event = await _next_event(stream, "message")

    assert posted.status in (200, 201)
    assert event["kind"] == "message"
    stream.close()

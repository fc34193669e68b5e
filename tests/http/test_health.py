"""Liveness and readiness."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.fake_rasa import FakeRasaState

Client = TestClient[web.Request, web.Application]


async def test_alive(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200


async def test_ready_when_database_and_rasa_answer(client: Client) -> None:
    response = await client.get("/readyz")

    assert response.status == 200
    assert await response.json() == {"status": "ready", "database": "ok", "rasa": "ok"}


async def test_not_ready_when_rasa_is_down(client: Client, rasa_state: FakeRasaState) -> None:
    rasa_state.down = True

    response = await client.get("/readyz")

    assert response.status == 503
    assert (await response.json())["rasa"] == "unavailable"

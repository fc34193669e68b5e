"""The web chat (#12): the page says who answers and links the privacy page at open; a new
young person's first answer carries the notice, the second does not; a card number is masked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from bot.storage.models import Message
from bot.wiring import SESSIONS, privacy_notice
from tests.conftest import FixedClock
from tests.fake_rasa import FakeRasaState

Client = TestClient[web.Request, web.Application]
USER = "AbCdEfGhIjKlMnOpQrStUv_-12"
URL = "/webchat/api/messages"


async def test_the_notice_comes_with_the_first_answer_only(
    settings: Settings,
    clock: FixedClock,
    rasa_state: FakeRasaState,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    client = await aiohttp_client(create_app(settings, clock=clock))
    page = privacy_notice(settings).page_url

    first = await (await client.post(URL, json={"user_id": USER, "text": "slt"})).json()
    second = await (await client.post(URL, json={"user_id": USER, "text": "cv"})).json()

    notice, *answer = [m["text"] for m in first["messages"]]
    assert "assistant automatique de la Mission Locale" in notice
    assert "12 mois" in notice
    assert "« supprime mes données »" in notice
    assert page in notice
    assert answer == ["écho : slt", "Tu veux un rendez-vous ?"]
    assert first["messages"][-1]["buttons"]
    assert [m["text"] for m in second["messages"]] == ["écho : cv", "Tu veux un rendez-vous ?"]


async def test_a_card_number_is_masked_for_rasa_and_in_the_record(
    settings: Settings,
    clock: FixedClock,
    rasa_state: FakeRasaState,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    client = await aiohttp_client(create_app(settings, clock=clock))

    response = await client.post(URL, json={"user_id": USER, "text": "4970 1012 3456 7893"})

    texts = [m["text"] for m in (await response.json())["messages"]]
    assert rasa_state.received[0]["message"] == "••••••••••••7893"
    assert any("ton numéro de carte bancaire" in text for text in texts)
    async with client.app[SESSIONS]() as session:
        stored = list(await session.scalars(select(Message.text)))
    assert "••••••••••••7893" in stored
    assert not any("3456" in (text or "") for text in stored)


async def test_the_page_says_who_answers_and_links_the_privacy_page(client: Client) -> None:
    response = await client.get("/")
    page = await response.text()

    assert "Un assistant automatique te répond" in page
    assert 'href="/confidentialite"' in page

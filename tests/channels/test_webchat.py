"""Web chat API: the happy path through the real Rasa client, and every rejection path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.channels.webchat.api import parse_post
from bot.core.messages import Author, Direction, MessageStatus
from bot.storage import conversations as store
from bot.storage.models import ChannelIdentity, Contact, Message
from bot.wiring import CLOCK, SESSIONS
from tests.channels.notice import without_notice
from tests.conftest import count_rows
from tests.fake_rasa import FakeRasaState

Client = TestClient[web.Request, web.Application]
USER = "AbCdEfGhIjKlMnOpQrStUv_-12"  # 26 url-safe characters
URL = "/webchat/api/messages"


async def _count(client: Client, model: type[Any]) -> int:
    return await count_rows(client.app, model)


def _answer(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A new young person's messages, less the privacy notice (checked: there once)."""
    return without_notice(messages, lambda message: message["text"])


async def test_a_message_gets_the_replies_with_buttons(
    client: Client, rasa_state: FakeRasaState
) -> None:
    response = await client.post(URL, json={"user_id": USER, "text": "  slt cv  "})

    assert response.status == 200
    messages = _answer((await response.json())["messages"])
    assert [m["text"] for m in messages] == ["écho : slt cv", "Tu veux un rendez-vous ?"]
    assert messages[1]["buttons"] == [{"title": "Oui", "payload": "/affirm"}]
    assert messages[0]["id"] < messages[1]["id"]
    assert rasa_state.received[0]["message"] == "slt cv"
    assert rasa_state.received[0]["metadata"] == {"channel": "webchat"}


async def test_a_button_payload_is_passed_to_rasa(
    client: Client, rasa_state: FakeRasaState
) -> None:
    response = await client.post(URL, json={"user_id": USER, "payload": "/affirm"})

    assert response.status == 200
    assert rasa_state.received[0]["message"] == "/affirm"


async def test_the_token_is_not_stored_in_clear(client: Client) -> None:
    await client.post(URL, json={"user_id": USER, "text": "salut"})

    async with client.app[SESSIONS]() as session:
        identity = await session.scalar(select(ChannelIdentity))
    assert identity is not None
    assert identity.external_id != USER
    assert USER not in str(identity.external_id)


async def test_later_messages_are_fetched_after_an_id(client: Client) -> None:
    first = (await (await client.post(URL, json={"user_id": USER, "text": "salut"})).json())[
        "messages"
    ]
    last_seen = first[-1]["id"]
    async with client.app[SESSIONS]() as session, session.begin():
        conversation_id = (await session.scalar(select(Message.conversation_id))) or 0
        await store.insert_messages(
            session,
            [
                store.message_row(
                    conversation_id=conversation_id,
                    direction=Direction.OUT,
                    author=Author.COUNSELLOR,
                    status=MessageStatus.PENDING,
                    now=client.app[CLOCK].now(),
                    text="Bonjour, c'est Inès, ta conseillère.",
                )
            ],
        )

    response = await client.get(URL, params={"user_id": USER, "after": str(last_seen)})
    everything = await client.get(URL, params={"user_id": USER})

    assert response.status == 200
    assert [m["text"] for m in (await response.json())["messages"]] == [
        "Bonjour, c'est Inès, ta conseillère."
    ]
    assert len(_answer((await everything.json())["messages"])) == 3


async def test_a_retried_post_is_answered_once(client: Client, rasa_state: FakeRasaState) -> None:
    body = {"user_id": USER, "text": "salut", "client_message_id": "a1b2c3d4e5f6"}

    first = await (await client.post(URL, json=body)).json()
    again = await (await client.post(URL, json=body)).json()

    assert again == first
    assert len(rasa_state.received) == 1


async def test_fetching_for_an_unknown_user_stores_nothing(client: Client) -> None:
    response = await client.get(URL, params={"user_id": USER, "after": "0"})

    assert (await response.json()) == {"messages": []}
    assert await _count(client, Contact) == 0


async def test_exactly_2000_characters_is_accepted(client: Client) -> None:
    response = await client.post(URL, json={"user_id": USER, "text": "a" * 2000})

    assert response.status == 200


async def test_rasa_too_slow_gives_the_apology(client: Client, rasa_state: FakeRasaState) -> None:
    rasa_state.delay = 2.0  # RASA_TIMEOUT is 0.5 s in these tests

    response = await client.post(URL, json={"user_id": USER, "text": "salut"})

    messages = _answer((await response.json())["messages"])
    assert response.status == 200
    assert len(messages) == 1
    assert "Réessaie dans quelques minutes" in messages[0]["text"]
    async with client.app[SESSIONS]() as session:
        incoming = await session.scalar(select(Message).where(Message.direction == "in"))
    assert incoming is not None
    assert incoming.status == "unprocessed"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_body"),
        (json.dumps({"text": "salut"}).encode(), 400, "invalid_user_id"),
        (json.dumps({"user_id": "court", "text": "salut"}).encode(), 400, "invalid_user_id"),
        (json.dumps({"user_id": "a" * 21, "text": "salut"}).encode(), 400, "invalid_user_id"),
        (json.dumps({"user_id": "é" * 30, "text": "salut"}).encode(), 400, "invalid_user_id"),
        (json.dumps({"user_id": 12345, "text": "salut"}).encode(), 400, "invalid_user_id"),
        (json.dumps({"user_id": USER, "text": ""}).encode(), 400, "empty_text"),
        (json.dumps({"user_id": USER, "text": " \n\t "}).encode(), 400, "empty_text"),
        (json.dumps({"user_id": USER, "text": 42}).encode(), 400, "empty_text"),
        (json.dumps({"user_id": USER, "text": "a" * 2001}).encode(), 400, "text_too_long"),
        (json.dumps({"user_id": USER}).encode(), 400, "text_or_payload"),
        (
            json.dumps({"user_id": USER, "text": "a", "payload": "/affirm"}).encode(),
            400,
            "text_or_payload",
        ),
        (json.dumps({"user_id": USER, "payload": ""}).encode(), 400, "invalid_payload"),
        (json.dumps({"user_id": USER, "payload": ["/x"]}).encode(), 400, "invalid_payload"),
        (json.dumps({"user_id": USER, "text": "a", "name": "Léa"}).encode(), 400, "unknown_field"),
        (json.dumps({"user_id": USER, "text": "a" * 20000}).encode(), 413, "too_large"),
        (
            json.dumps({"user_id": USER, "text": "a", "client_message_id": "x"}).encode(),
            400,
            "invalid_client_message_id",
        ),
    ],
)
async def test_bad_posts_get_a_json_4xx_and_store_nothing(
    client: Client, rasa_state: FakeRasaState, body: bytes, status: int, code: str
) -> None:
    response = await client.post(URL, data=body, headers={"Content-Type": "application/json"})

    assert response.status == status
    error = (await response.json())["error"]
    assert error["code"] == code
    assert error["message"]  # a French sentence the page can show
    assert await _count(client, Message) == 0
    assert await _count(client, Contact) == 0
    assert rasa_state.received == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "invalid_user_id"),
        ({"user_id": "short"}, "invalid_user_id"),
        ({"user_id": USER, "after": "-1"}, "invalid_after"),
        ({"user_id": USER, "after": "abc"}, "invalid_after"),
        ({"user_id": USER, "after": "9" * 30}, "invalid_after"),
        ({"user_id": USER, "since": "1"}, "unknown_field"),
    ],
)
async def test_bad_fetches_get_a_json_400(
    client: Client, params: dict[str, str], code: str
) -> None:
    response = await client.get(URL, params=params)

    assert response.status == 400
    assert (await response.json())["error"]["code"] == code


async def test_the_page_is_served_with_a_strict_policy(client: Client) -> None:
    page = await client.get("/")
    script = await client.get("/static/chat.js")

    assert page.status == 200
    html = await page.text()
    assert 'lang="fr"' in html
    assert "static/chat.js" in html
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert script.status == 200


@pytest.mark.parametrize(
    ("source", "kept"),
    [
        ("snap-story-dec", "snap-story-dec"),
        ("x" * 64, "x" * 64),  # the core decides whether it is one of ours
        ("x" * 65, None),
        (42, None),
        (None, None),
    ],
)
def test_the_outreach_code_of_the_page_is_taken_or_dropped_never_refused(
    source: object, kept: str | None
) -> None:
    posted = parse_post(json.dumps({"user_id": USER, "text": "slt", "source": source}).encode())

    assert posted.source == kept
    assert posted.text == "slt"


async def test_the_page_script_sends_the_src_of_its_url(client: Client) -> None:
    script = await (await client.get("/static/chat.js")).text()

    assert 'get("src")' in script
    assert "body.source = source" in script

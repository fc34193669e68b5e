"""Web chat under hostile or careless input: clear 4xx answers, nothing half-stored, never an
empty answer, and a flood limit that slows a contact kindly without losing a message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from bot.core.messages import Direction, MessageStatus
from bot.settings import Settings, load_settings
from bot.storage.models import ChannelIdentity, Contact, Conversation, Message
from bot.wiring import SESSIONS
from tests.channels.notice import without_notice
from tests.conftest import FixedClock, count_rows
from tests.fake_rasa import FakeRasaState
from tests.paths import PROJECT_DIR

Client = TestClient[web.Request, web.Application]
URL = "/webchat/api/messages"
JSON = {"Content-Type": "application/json"}


def user(n: int = 0) -> str:
    return f"robustness-user-{n:08d}-abcdefgh"


async def _stored(client: Client) -> dict[str, int]:
    models: tuple[type[Any], ...] = (Contact, ChannelIdentity, Conversation, Message)
    return {m.__name__: await count_rows(client.app, m) for m in models}


async def _messages(client: Client) -> list[Message]:
    async with client.app[SESSIONS]() as session:
        return list((await session.scalars(select(Message).order_by(Message.id))).all())


# --- bodies that used to give a 500 -------------------------------------------------------------


async def test_a_lone_surrogate_is_dropped_and_the_message_answered(client: Client) -> None:
    response = await client.post(
        URL, data=b'{"user_id": "%s", "text": "salut \\ud800"}' % user().encode(), headers=JSON
    )

    assert response.status == 200
    incoming = (await _messages(client))[0]
    assert incoming.text == "salut"
    assert incoming.status == MessageStatus.PROCESSED.value


async def test_distress_ending_in_half_an_emoji_gets_the_numbers(client: Client) -> None:
    # What chat.js used to send when its slice(0, 2000) cut an emoji in two.
    body = b'{"user_id": "%s", "text": "je veux en finir \\ud83d"}' % user().encode()

    response = await client.post(URL, data=body, headers=JSON)

    assert response.status == 200
    texts = [m["text"] for m in (await response.json())["messages"]]
    assert "3114" in texts[0]


@pytest.mark.parametrize(
    "body",
    [
        b'{"user_id": "%s", "text": "salut \xed\xa0\x80"}',  # a surrogate as raw (invalid) UTF-8
        b'{"user_id": "%s", "text": "salut", "source": ' + b"9" * 5000 + b"}",
        b'{"user_id": "%s", "text": "salut", "source": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b"[" * 5000 + b"]" * 5000,
    ],
    ids=["raw-surrogate", "5000-digits", "deep-nesting", "deep-nesting-only"],
)
async def test_unreadable_json_is_a_400_that_stores_nothing(client: Client, body: bytes) -> None:
    payload = body % user().encode() if b"%s" in body else body

    response = await client.post(URL, data=payload, headers=JSON)

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_json"
    assert set((await _stored(client)).values()) == {0}


async def test_text_plain_is_refused_as_a_cross_site_form_could_send_it(client: Client) -> None:
    response = await client.post(
        URL,
        data=b'{"user_id": "%s", "text": "salut"}' % user().encode(),
        headers={"Content-Type": "text/plain"},
    )

    assert response.status == 415
    assert (await response.json())["error"]["code"] == "unsupported_media_type"
    assert set((await _stored(client)).values()) == {0}


@pytest.mark.parametrize("after", ["²", "①", "٣", "-1", "1e3", "9" * 19])
async def test_after_must_be_ascii_digits(client: Client, after: str) -> None:
    response = await client.get(URL, params={"user_id": user(), "after": after})

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_after"


async def test_spaces_around_a_message_that_fits_do_not_count(client: Client) -> None:
    text = "   " + "a" * 2000 + " \n "

    response = await client.post(URL, json={"user_id": user(), "text": text})

    assert response.status == 200
    assert (await _messages(client))[0].text == "a" * 2000


# --- never an empty answer ------------------------------------------------------------------------


async def test_when_rasa_says_nothing_the_young_person_gets_a_fallback_and_a_human(
    client: Client, rasa_state: FakeRasaState
) -> None:
    rasa_state.answer = []  # e.g. after /restart, or a turn whose action failed

    response = await client.post(URL, json={"user_id": user(), "payload": "/restart"})

    assert response.status == 200
    [reply] = without_notice((await response.json())["messages"], lambda m: m["text"])
    assert "quelqu'un" in reply["text"]
    assert reply["buttons"] == [{"title": "Parler à quelqu'un", "payload": "/request_human"}]
    incoming = (await _messages(client))[0]
    assert incoming.status == MessageStatus.UNPROCESSED.value


async def test_a_failed_action_adds_the_fallback_to_what_rasa_said(
    client: Client, rasa_state: FakeRasaState
) -> None:
    rasa_state.answer = [
        {"recipient_id": "x", "text": "Je regarde les créneaux…"},
        {"recipient_id": "x", "custom": {"signal": "action_failed"}},
    ]

    response = await client.post(URL, json={"user_id": user(), "text": "je veux un rdv"})

    messages = without_notice((await response.json())["messages"], lambda m: m["text"])
    texts = [m["text"] for m in messages]
    assert texts[0] == "Je regarde les créneaux…"
    assert "quelqu'un" in texts[1]
    assert (await _messages(client))[0].status == MessageStatus.UNPROCESSED.value


async def test_the_erasure_confirmation_reaches_the_page(
    flood_client: Client, rasa_state: FakeRasaState
) -> None:
    client = flood_client
    await client.post(URL, json={"user_id": user(), "text": "salut"})
    rasa_state.answer = [
        {"recipient_id": "x", "text": "C'est fait : tout est effacé."},
        {"recipient_id": "x", "custom": {"signal": "erase_contact"}},
    ]

    response = await client.post(URL, json={"user_id": user(), "payload": "/affirm"})

    data = await response.json()
    assert response.status == 200, data
    assert data.get("erased") is True, data
    # chat.js shows stored messages (id > 0) and unsaved ones (id null); 0 was dropped.
    assert data["messages"] == [
        {"id": None, "text": "C'est fait : tout est effacé.", "buttons": []}
    ]
    assert (await _stored(client))["Contact"] == 0


# --- flood limits ---------------------------------------------------------------------------------


@pytest.fixture
def flood_settings(tmp_path: Path, sqlite_url: str, fake_rasa_url: str) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": sqlite_url,
            "RASA_URL": fake_rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "0.5",
            "DEMO": "0",
            "RASA_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "FLOOD_MESSAGES": "5/minute",
            "FLOOD_NEW_CONTACTS": "3/minute",
        },
        project_dir=PROJECT_DIR,
    )


@pytest.fixture
async def flood_client(
    flood_settings: Settings,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> Client:
    return await aiohttp_client(create_app(flood_settings, clock=clock))


async def test_a_flooding_contact_gets_429_and_loses_nothing(
    flood_client: Client, rasa_state: FakeRasaState
) -> None:
    statuses = []
    for n in range(8):
        response = await flood_client.post(URL, json={"user_id": user(), "text": f"msg {n}"})
        statuses.append(response.status)
        if response.status == 429:
            error = (await response.json())["error"]
            assert error["code"] == "rate_limited"
            assert "Doucement" in error["message"]
            assert response.headers["Retry-After"] == "60"

    assert statuses == [200] * 5 + [429] * 3
    assert len(rasa_state.received) == 5  # the extra messages never reached Rasa
    incoming = [m for m in await _messages(flood_client) if m.direction == Direction.IN.value]
    assert [m.text for m in incoming] == [f"msg {n}" for n in range(8)]  # every one is kept
    assert [m.status for m in incoming[5:]] == [MessageStatus.UNPROCESSED.value] * 3
    # The web chat's notice is the 429 itself: no reply rows for the page to poll twice.
    replies_to_kept = [m for m in await _messages(flood_client) if m.reply_to_id == incoming[6].id]
    assert replies_to_kept == []


async def test_distress_is_answered_even_over_the_limit(
    flood_client: Client, rasa_state: FakeRasaState
) -> None:
    for n in range(6):
        await flood_client.post(URL, json={"user_id": user(), "text": f"msg {n}"})

    response = await flood_client.post(
        URL, json={"user_id": user(), "text": "j'ai nulle part ou dormir ce soir"}
    )

    assert response.status == 200
    assert "115" in (await response.json())["messages"][0]["text"]


async def test_new_contacts_from_one_address_are_limited_and_nothing_is_stored(
    flood_client: Client,
) -> None:
    statuses = [
        (await flood_client.post(URL, json={"user_id": user(n), "text": "salut"})).status
        for n in range(5)
    ]

    assert statuses == [200, 200, 200, 429, 429]
    assert (await _stored(flood_client))["Contact"] == 3
    known = await flood_client.post(URL, json={"user_id": user(0), "text": "re"})
    assert known.status == 200  # a contact already known is not a new contact
    response = await flood_client.post(URL, json={"user_id": user(9), "text": "salut"})
    assert (await response.json())["error"]["code"] == "too_many_new_contacts"


async def test_a_new_contact_in_distress_is_never_turned_away(flood_client: Client) -> None:
    for n in range(3):
        await flood_client.post(URL, json={"user_id": user(n), "text": "salut"})

    response = await flood_client.post(URL, json={"user_id": user(7), "text": "mon pere me frappe"})

    assert response.status == 200
    assert "119" in (await response.json())["messages"][0]["text"]

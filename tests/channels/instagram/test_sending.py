"""Instagram Send API: quick replies within Meta's limits, long texts split, the 24-hour window,
retries of 429/5xx, and Meta's refusals recorded with a reason."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.channels.instagram.send_api import InstagramChannel, render
from bot.core.messages import Author, Button, OutgoingMessage, Recipient
from bot.errors import DeliveryFailed
from bot.settings import load_settings
from tests.channels.instagram.conftest import ALICE, Client, outgoing, post_signed, push
from tests.channels.notice import is_notice, texts_without_notice
from tests.conftest import FixedClock
from tests.fake_graph import (
    FakeGraphState,
    instagram_env,
    notification,
    quick_reply_event,
    text_event,
)
from tests.fake_rasa import FakeRasaState
from tests.paths import PROJECT_DIR


async def _first_contact(client: Client) -> None:
    """Alice writes (the window opens) and gets the privacy notice, then the fake Rasa's two
    replies."""
    assert await post_signed(client, notification(text_event(ALICE, "mid.first", "salut"))) == 200


# --- the 24-hour window ------------------------------------------------------------------------


async def test_a_message_outside_the_24_hour_window_is_not_sent_and_recorded_undelivered(
    ig: Client, graph: FakeGraphState, clock: FixedClock
) -> None:
    await _first_contact(ig)
    calls = len(graph.all_calls())
    clock.advance(hours=24, minutes=1)

    message, report = await push(ig, "Ton rendez-vous est confirmé.")

    assert report.undelivered == 1
    assert (message.status, message.failure_reason) == ("undelivered", "outside_24h_window")
    assert len(graph.all_calls()) == calls


async def test_a_message_inside_the_window_is_sent(
    ig: Client, graph: FakeGraphState, clock: FixedClock
) -> None:
    await _first_contact(ig)
    clock.advance(hours=23, minutes=59)

    message, _ = await push(ig, "Ton rendez-vous est confirmé.")

    assert (message.status, message.failure_reason) == ("sent", None)
    assert graph.sent_to(ALICE)[-1] == {"text": "Ton rendez-vous est confirmé."}


async def test_a_new_message_reopens_the_window(
    ig: Client, graph: FakeGraphState, clock: FixedClock
) -> None:
    await _first_contact(ig)
    clock.advance(days=3)
    await post_signed(ig, notification(text_event(ALICE, "mid.again", "re")))
    clock.advance(hours=2)

    message, _ = await push(ig, "Je suis là.")

    assert message.status == "sent"


# --- retries and refusals ----------------------------------------------------------------------


async def test_a_429_is_retried_and_the_message_delivered_once(
    ig: Client, graph: FakeGraphState
) -> None:
    graph.fail_next(429, code=4, headers={"Retry-After": "0"})

    await _first_contact(ig)

    # The first send (the privacy notice) is refused once, then retried: each message once.
    assert [m.status for m in await outgoing(ig)] == ["sent", "sent", "sent"]
    assert len(graph.all_calls()) == 4
    assert texts_without_notice(m["text"] for m in graph.sent_to(ALICE)) == [
        "écho : salut",
        "Tu veux un rendez-vous ?",
    ]


async def test_repeated_5xx_leave_the_message_undelivered(
    ig: Client, graph: FakeGraphState
) -> None:
    graph.fail_next(500, times=3)

    await _first_contact(ig)

    first, *then = await outgoing(ig)  # the privacy notice, then Rasa's two replies
    assert is_notice(first.text)
    assert (first.status, first.failure_reason) == ("undelivered", "platform_error")
    assert [m.status for m in then] == ["sent", "sent"]  # the next messages go through again
    assert len(graph.all_calls()) == 5


@pytest.mark.parametrize(
    ("status", "code", "subcode", "reason"),
    [
        (401, 190, None, "token_invalid"),
        (400, 10, 2534022, "outside_24h_window"),
        (400, 100, 2534022, "outside_24h_window"),
        (400, 551, None, "user_unavailable"),
        (400, 100, None, "platform_refused"),
        (403, 200, None, "platform_refused"),
    ],
)
async def test_a_refusal_is_not_retried_and_recorded_with_its_reason(
    ig: Client, graph: FakeGraphState, status: int, code: int, subcode: int | None, reason: str
) -> None:
    await _first_contact(ig)
    calls = len(graph.all_calls())
    graph.fail_next(status, code=code, subcode=subcode)

    message, _ = await push(ig, "Un message")

    assert (message.status, message.failure_reason) == ("undelivered", reason)
    assert len(graph.all_calls()) == calls + 1


# --- the shape of what is sent -----------------------------------------------------------------


async def test_buttons_become_quick_replies_on_the_last_piece(
    ig: Client, graph: FakeGraphState
) -> None:
    await _first_contact(ig)
    buttons = [
        Button("C'est quoi le CEJ ?", "/ask_cej"),
        Button("J'ai droit à quoi ?", "/check_eligibility"),
        Button("Où vous trouver ?", "/ask_mission_locale"),
        Button("Parler à quelqu'un", "/request_human"),
    ]

    message, _ = await push(ig, "Salut 👋", buttons)

    assert message.status == "sent"
    assert graph.sent_to(ALICE)[-1] == {
        "text": "Salut 👋",
        "quick_replies": [
            {"content_type": "text", "title": b.title, "payload": b.payload} for b in buttons
        ],
    }


async def test_long_titles_are_cut_and_the_options_listed_in_full(
    ig: Client, graph: FakeGraphState
) -> None:
    await _first_contact(ig)
    buttons = [
        Button("Je cherche une formation qualifiante", "/formation"),
        Button("Un job", "/job"),
    ]

    message, _ = await push(ig, "Tu cherches quoi ?", buttons)

    sent = graph.sent_to(ALICE)[-1]
    assert message.status == "sent"
    assert [q["title"] for q in sent["quick_replies"]] == ["Je cherche une…", "Un job"]
    assert all(len(q["title"]) <= 20 for q in sent["quick_replies"])
    assert sent["text"] == (
        "Tu cherches quoi ?\n\n1. Je cherche une formation qualifiante\n2. Un job"
    )


async def test_more_than_13_buttons_keep_13_quick_replies_and_list_them_all(
    ig: Client, graph: FakeGraphState
) -> None:
    await _first_contact(ig)
    buttons = [Button(f"Ville {n}", f"/town_{n}") for n in range(1, 16)]

    message, _ = await push(ig, "Ta ville ?", buttons)

    sent = graph.sent_to(ALICE)[-1]
    assert message.status == "sent"
    assert len(sent["quick_replies"]) == 13
    assert "15. Ville 15" in sent["text"]


async def test_a_long_text_is_split_under_1000_characters_at_paragraphs(
    ig: Client, graph: FakeGraphState
) -> None:
    await _first_contact(ig)
    before = len(graph.sent_to(ALICE))
    paragraphs = [f"Paragraphe {n} : " + "le CEJ, c'est un accompagnement. " * 12 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(text) > 2000

    message, _ = await push(ig, text, [Button("Oui", "/affirm")])

    pieces = graph.sent_to(ALICE)[before:]
    assert message.status == "sent"
    assert len(pieces) >= 3
    assert all(len(p["text"]) < 1000 and len(p["text"].encode()) <= 1000 for p in pieces)
    assert all(p["text"].startswith("Paragraphe") for p in pieces)
    assert [("quick_replies" in p) for p in pieces] == [False] * (len(pieces) - 1) + [True]
    assert " ".join(p["text"] for p in pieces).split() == text.split()


def test_pieces_count_bytes_not_only_characters() -> None:
    text = "éèà 🙂 " * 400  # 2 400 characters, about 4 800 bytes
    message = OutgoingMessage(1, 1, Author.BOT, text, (), datetime(2026, 1, 1, tzinfo=UTC))

    parts = render(message)

    assert all(len(p["text"].encode()) <= 1000 for p in parts)
    assert "".join(p["text"] for p in parts).replace(" ", "") == text.replace(" ", "")


def test_an_empty_text_with_buttons_still_sends_something() -> None:
    message = OutgoingMessage(
        1, 1, Author.BOT, "", (Button("Oui", "/affirm"),), datetime(2026, 1, 1, tzinfo=UTC)
    )

    [part] = render(message)

    assert part["text"] == "…"
    assert part["quick_replies"][0]["payload"] == "/affirm"


async def test_a_payload_too_long_for_meta_travels_as_a_key_to_the_stored_button(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    await _first_contact(ig)
    long_payload = '/inform{"choice": "' + "x" * 1200 + '"}'

    message, _ = await push(ig, "Choisis", [Button("Choix", long_payload)])
    key = graph.sent_to(ALICE)[-1]["quick_replies"][0]["payload"]
    assert key == f"~{message.id}.0"

    await post_signed(ig, notification(quick_reply_event(ALICE, "mid.key", key)))

    assert rasa_state.received[-1]["message"] == long_payload


# --- the channel alone: Retry-After, connection failures ----------------------------------------


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _channel(
    http: aiohttp.ClientSession, base_url: str, clock: FixedClock, slept: list[float]
) -> InstagramChannel:
    settings = load_settings(
        {"RASA_MANAGED": "0", **instagram_env(base_url)}, project_dir=PROJECT_DIR
    )
    assert settings.instagram is not None

    async def sleep(delay: float) -> None:
        slept.append(delay)

    return InstagramChannel(http, settings.instagram, clock, sleep=sleep)


def _message() -> OutgoingMessage:
    return OutgoingMessage(7, 1, Author.BOT, "Bonjour", (), datetime(2026, 1, 1, tzinfo=UTC))


def _recipient(clock: FixedClock) -> Recipient:
    return Recipient("instagram", ALICE, clock.now() - timedelta(minutes=5))


async def test_retry_after_is_honoured_with_exponential_backoff(
    http: aiohttp.ClientSession, graph: FakeGraphState, graph_url: str, clock: FixedClock
) -> None:
    slept: list[float] = []
    channel = _channel(http, graph_url, clock, slept)
    graph.fail_next(503)
    graph.fail_next(429, code=4, headers={"Retry-After": "3"})

    await channel.send(_recipient(clock), _message())

    assert slept == [0.5, 3.0]
    assert graph.sent_to(ALICE) == [{"text": "Bonjour"}]


async def test_a_long_retry_after_gives_up_at_once(
    http: aiohttp.ClientSession, graph: FakeGraphState, graph_url: str, clock: FixedClock
) -> None:
    slept: list[float] = []
    channel = _channel(http, graph_url, clock, slept)
    graph.fail_next(429, code=4, headers={"Retry-After": "3600"})

    with pytest.raises(DeliveryFailed) as failure:
        await channel.send(_recipient(clock), _message())

    assert failure.value.reason == "rate_limited"
    assert slept == []


async def test_rate_limiting_codes_are_retried_then_reported(
    http: aiohttp.ClientSession, graph: FakeGraphState, graph_url: str, clock: FixedClock
) -> None:
    slept: list[float] = []
    channel = _channel(http, graph_url, clock, slept)
    graph.fail_next(400, code=613, times=3)

    with pytest.raises(DeliveryFailed) as failure:
        await channel.send(_recipient(clock), _message())

    assert failure.value.reason == "rate_limited"
    assert slept == [0.5, 1.0]
    assert len(graph.all_calls()) == 3


async def test_an_unreachable_graph_api_is_retried_then_reported(
    http: aiohttp.ClientSession, clock: FixedClock
) -> None:
    from tests.integration.stack import free_port

    slept: list[float] = []
    channel = _channel(http, f"http://127.0.0.1:{free_port()}", clock, slept)

    with pytest.raises(DeliveryFailed) as failure:
        await channel.send(_recipient(clock), _message())

    assert failure.value.reason == "platform_unreachable"
    assert slept == [0.5, 1.0]


async def test_no_window_no_call(
    http: aiohttp.ClientSession, graph: FakeGraphState, graph_url: str, clock: FixedClock
) -> None:
    channel = _channel(http, graph_url, clock, [])

    with pytest.raises(DeliveryFailed) as failure:
        await channel.send(Recipient("instagram", ALICE, None), _message())

    assert failure.value.reason == "outside_24h_window"
    assert graph.all_calls() == []


async def test_a_timed_out_send_is_not_retried_so_never_sent_twice(
    http: aiohttp.ClientSession,
    clock: FixedClock,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    arrived: list[int] = []

    async def slow(request: web.Request) -> web.Response:
        arrived.append(1)  # Meta got it, but its answer comes too late
        await asyncio.sleep(2)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/{version}/{account}/messages", slow)
    server = await aiohttp_server(app)
    settings = load_settings(
        {"RASA_MANAGED": "0", **instagram_env(str(server.make_url("")).rstrip("/"))},
        project_dir=PROJECT_DIR,
    )
    assert settings.instagram is not None
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    channel = InstagramChannel(http, settings.instagram, clock, sleep=sleep, request_timeout=0.2)

    with pytest.raises(DeliveryFailed) as failure:
        await channel.send(_recipient(clock), _message())

    assert failure.value.reason == "timed_out"
    assert arrived == [1]
    assert slept == []

"""Instagram webhook: every rejection path leaves no trace; good batches are answered once."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.channels.instagram import PATH
from bot.channels.instagram.signature import sign
from bot.content.texts import load_texts
from bot.settings import Settings
from bot.storage import sources
from bot.storage.models import Contact, Message, OutreachSource, ReceivedEvent
from bot.wiring import CLOCK, SESSIONS
from tests.channels.instagram.conftest import (
    ALICE,
    BOB,
    CLARA,
    Client,
    count,
    nothing_stored,
    post_raw,
    post_signed,
    settle,
)
from tests.channels.notice import without_notice
from tests.fake_graph import (
    VERIFY_TOKEN,
    FakeGraphState,
    attachment_event,
    echo_event,
    encoded,
    notification,
    postback_event,
    quick_reply_event,
    reaction_event,
    read_event,
    referral_event,
    signed_headers,
    text_event,
)
from tests.fake_rasa import FakeRasaState


def _answers(graph: FakeGraphState, recipient: str) -> list[dict[str, Any]]:
    """What a new young person was sent, less the privacy notice (checked: there once)."""
    return without_notice(graph.sent_to(recipient), lambda message: message.get("text"))


# --- GET: Meta's subscription check ------------------------------------------------------------


async def test_the_verification_echoes_the_challenge(ig: Client) -> None:
    response = await ig.get(
        PATH,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )

    assert response.status == 200
    assert response.content_type == "text/plain"
    assert await response.text() == "1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN[:-1], "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {},
    ],
)
async def test_a_wrong_verification_gets_403(ig: Client, params: dict[str, str]) -> None:
    response = await ig.get(PATH, params=params)

    assert response.status == 403
    assert "1" not in await response.text()


# --- POST: signature, then parsing ---------------------------------------------------------------


def _batch() -> bytes:
    return encoded(notification(text_event(ALICE, "mid.forged", "salut, ça va ?")))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha256=zz",
        "sha1=" + "0" * 40,
        sign("another-app-secret", _batch()),
        sign("instagram-app-secret-for-tests", _batch()).removeprefix("sha256="),
        sign("instagram-app-secret-for-tests", _batch() + b" "),
        sign("instagram-app-secret-for-tests", _batch())[:-1] + "0",
    ],
)
async def test_a_missing_or_wrong_signature_gets_403_and_leaves_no_trace(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState, header: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header

    status, _ = await post_raw(ig, _batch(), headers)
    await settle(ig)

    assert status == 403
    await nothing_stored(ig)
    assert rasa_state.received == []
    assert graph.all_calls() == []


async def test_a_signature_over_re_serialised_json_is_refused(
    ig: Client, rasa_state: FakeRasaState
) -> None:
    """Meta signs the bytes it sends (é escaped as \\u00e9): a check over json.dumps of the parsed
    body would accept a different body, or refuse Meta's own."""
    raw = _batch()
    assert b"\\u00e7" in raw
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()

    status, _ = await post_raw(ig, raw, signed_headers(reserialised))
    await settle(ig)

    assert status == 403
    await nothing_stored(ig)
    assert rasa_state.received == []


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'"instagram"',
        b'{"object": "page", "entry": []}',
        b'{"object": "instagram"}',
        b'{"object": "instagram", "entry": {}}',
    ],
)
async def test_a_signed_but_malformed_body_gets_400_and_leaves_no_trace(
    ig: Client, body: bytes
) -> None:
    status, _ = await post_raw(ig, body, signed_headers(body))
    await settle(ig)

    assert status == 400
    await nothing_stored(ig)


async def test_a_body_over_the_limit_gets_413(ig: Client) -> None:
    body = encoded(notification(text_event(ALICE, "mid.big", "x" * (1024 * 1024))))

    status, _ = await post_raw(ig, body, signed_headers(body))

    assert status == 413
    await nothing_stored(ig)


async def test_a_batch_larger_than_the_apps_64_kib_limit_is_accepted(
    ig: Client, rasa_state: FakeRasaState
) -> None:
    # 20 messages each from four people: under each one's flood limit (30 a minute).
    senders = [f"91000000000001{n:02d}" for n in range(4)]
    events = [text_event(senders[n % 4], f"mid.large.{n}", "blabla " * 150) for n in range(80)]
    body = encoded(notification(*events))
    assert len(body) > 64 * 1024

    status, text = await post_raw(ig, body, signed_headers(body))
    await settle(ig)

    assert (status, text) == (200, "EVENT_RECEIVED")
    assert len(rasa_state.received) == 80


async def test_the_batch_is_acknowledged_before_it_is_processed(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    rasa_state.delay = 1.0  # Rasa is slow: Meta does not wait for it
    body = encoded(notification(text_event(ALICE, "mid.slow", "salut")))

    status, text = await post_raw(ig, body, signed_headers(body))

    assert (status, text) == (200, "EVENT_RECEIVED")
    assert graph.all_calls() == []
    await settle(ig)
    assert len(_answers(graph, ALICE)) == 2


# --- what a good batch does ------------------------------------------------------------------


async def test_a_text_gets_its_replies_with_quick_replies(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    assert await post_signed(ig, notification(text_event(ALICE, "mid.1", "  slt cv  "))) == 200

    assert _answers(graph, ALICE) == [
        {"text": "écho : slt cv"},
        {
            "text": "Tu veux un rendez-vous ?",
            "quick_replies": [{"content_type": "text", "title": "Oui", "payload": "/affirm"}],
        },
    ]
    calls = graph.all_calls()
    assert len(calls) == 3  # the privacy notice, then the two replies
    for call in calls:
        assert call.path == "/v25.0/17841400000000001/messages"
        assert call.authorization == "Bearer IGAA-test-access-token"
        assert call.body["messaging_type"] == "RESPONSE"
    assert rasa_state.received[0]["message"] == "slt cv"
    assert rasa_state.received[0]["metadata"] == {"channel": "instagram"}
    async with ig.app[SESSIONS]() as session:
        rows = (await session.scalars(select(Message).order_by(Message.id))).all()
    assert [(m.direction, m.status) for m in rows] == [
        ("in", "processed"),
        ("out", "sent"),
        ("out", "sent"),
        ("out", "sent"),
    ]
    assert rows[0].external_id == "mid.1"


async def test_every_entry_and_event_of_a_batch_is_handled_in_order_per_sender(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    batch = notification(
        text_event(ALICE, "mid.a1", "un"),
        text_event(BOB, "mid.b1", "bonjour"),
        text_event(ALICE, "mid.a2", "deux"),
        text_event(CLARA, "mid.c1", "coucou"),
        text_event(ALICE, "mid.a3", "trois"),
        text_event(BOB, "mid.b2", "merci"),
        entries=3,
    )
    assert len(batch["entry"]) == 3

    assert await post_signed(ig, batch) == 200

    by_sender: dict[str, list[str]] = {}
    for received in rasa_state.received:
        by_sender.setdefault(received["sender"], []).append(received["message"])
    assert sorted(by_sender.values()) == [["bonjour", "merci"], ["coucou"], ["un", "deux", "trois"]]
    assert [m["text"] for m in _answers(graph, ALICE)][::2] == [
        "écho : un",
        "écho : deux",
        "écho : trois",
    ]
    assert len(_answers(graph, BOB)) == 4
    assert len(_answers(graph, CLARA)) == 2
    assert await count(ig, Contact) == 3


async def test_echoes_reads_reactions_standby_and_deleted_messages_are_ignored(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    unsent = text_event(ALICE, "mid.del", "oups")
    unsent["message"]["is_deleted"] = True
    own_echo_seen_as_other = text_event(ALICE, "mid.echo2", "écho", is_echo=True)
    batch = notification(
        echo_event(ALICE, "mid.echo"),
        own_echo_seen_as_other,
        read_event(ALICE, "mid.x"),
        reaction_event(ALICE, "mid.x"),
        unsent,
        {"sender": {"id": ALICE}, "message": {"mid": "m.u", "is_unsupported": True}},
    )
    batch["entry"].append({"id": "1", "time": 1, "standby": [text_event(BOB, "mid.sb", "allô")]})

    assert await post_signed(ig, batch) == 200

    assert rasa_state.received == []
    assert graph.all_calls() == []
    await nothing_stored(ig)


async def test_a_duplicate_mid_is_answered_once_also_after_a_restart(
    ig: Client,
    ig_settings: Settings,
    graph: FakeGraphState,
    rasa_state: FakeRasaState,
    make_client: Callable[[Settings], Awaitable[Client]],
) -> None:
    batch = notification(text_event(ALICE, "mid.dup", "salut"))
    assert await post_signed(ig, batch) == 200
    assert await post_signed(ig, notification(*batch["entry"][0]["messaging"] * 2)) == 200
    await ig.close()  # the bot restarts on the same database
    restarted = await make_client(ig_settings)

    assert await post_signed(restarted, batch) == 200

    assert len(rasa_state.received) == 1
    assert len(_answers(graph, ALICE)) == 2
    assert await count(restarted, ReceivedEvent) == 1


async def test_the_same_batch_posted_twice_at_once_is_answered_once(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    body = encoded(notification(text_event(ALICE, "mid.twice", "salut")))

    first, _ = await post_raw(ig, body, signed_headers(body))
    second, _ = await post_raw(ig, body, signed_headers(body))
    await settle(ig)

    assert first == second == 200
    assert len(rasa_state.received) == 1
    assert len(_answers(graph, ALICE)) == 2


async def test_a_long_mid_is_stored_as_a_digest(ig: Client, graph: FakeGraphState) -> None:
    mid = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAxOTYyNzg5MDY3" * 4
    assert len(mid) > 128

    await post_signed(ig, notification(text_event(ALICE, mid, "salut")))
    await post_signed(ig, notification(text_event(ALICE, mid, "salut")))

    assert len(_answers(graph, ALICE)) == 2
    async with ig.app[SESSIONS]() as session:
        stored = await session.scalar(select(Message.external_id).where(Message.direction == "in"))
    assert stored is not None
    assert stored.startswith("sha256:")
    assert len(stored) <= 128


@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("image", {}, "photo"),
        ("image", {"sticker_id": 369239263222822}, "sticker"),
        ("video", {}, "video"),
        ("ig_reel", {}, "video"),
        ("audio", {}, "voice"),
        ("file", {}, "document"),
        ("story_mention", {}, "other"),
        ("share", {}, "other"),
        ("something_new", {}, "other"),
    ],
)
async def test_a_non_text_message_gets_a_kind_reply_without_rasa(
    ig: Client,
    graph: FakeGraphState,
    rasa_state: FakeRasaState,
    kind: str,
    extra: dict[str, object],
    expected: str,
) -> None:
    await post_signed(ig, notification(attachment_event(ALICE, "mid.att", kind, **extra)))

    assert _answers(graph, ALICE) == [{"text": load_texts().attachment_reply(expected)}]
    assert rasa_state.received == []
    async with ig.app[SESSIONS]() as session:
        payload = await session.scalar(select(Message.payload).where(Message.direction == "in"))
    assert payload == f"[{expected}]"  # the kind only, never the media's URL


async def test_quick_reply_taps_and_postbacks_reach_rasa_as_payloads(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    batch = notification(
        quick_reply_event(ALICE, "mid.qr", "/affirm", title="Oui"),
        postback_event(ALICE, "mid.pb", "/ask_cej", title="C'est quoi le CEJ ?"),
    )

    await post_signed(ig, batch)

    assert [r["message"] for r in rasa_state.received] == ["/affirm", "/ask_cej"]
    assert len(_answers(graph, ALICE)) == 4


# --- attribution (ig.me/m/<account>?ref=<code>) --------------------------------------------------


async def _add_source(client: Client, code: str) -> int:
    async with client.app[SESSIONS]() as session, session.begin():
        source = await sources.add_source(
            session, code, f"Affiche {code}", "poster", client.app[CLOCK].now()
        )
        return source.id


async def _source_code(client: Client, sender: str = ALICE) -> str | None:
    from bot.storage.models import ChannelIdentity

    async with client.app[SESSIONS]() as session:
        return await session.scalar(
            select(OutreachSource.code)
            .join(Contact, Contact.source_id == OutreachSource.id)
            .join(ChannelIdentity, ChannelIdentity.contact_id == Contact.id)
            .where(ChannelIdentity.external_id == sender)
        )


async def test_a_referral_greets_a_newcomer_and_records_the_source_once(
    ig: Client, graph: FakeGraphState, rasa_state: FakeRasaState
) -> None:
    await _add_source(ig, "affiche-ig")
    await _add_source(ig, "flyer-ig")

    await post_signed(ig, notification(referral_event(ALICE, "affiche-ig")))
    await post_signed(ig, notification(referral_event(ALICE, "affiche-ig")))  # resent by Meta
    await post_signed(ig, notification(referral_event(ALICE, "flyer-ig", timestamp=2)))  # known

    assert [r["message"] for r in rasa_state.received] == ["/greet"]
    assert len(_answers(graph, ALICE)) == 2
    assert await _source_code(ig) == "affiche-ig"


async def test_a_referral_on_a_message_or_an_ice_breaker_records_the_source(
    ig: Client, rasa_state: FakeRasaState
) -> None:
    await _add_source(ig, "affiche-ig")
    await _add_source(ig, "asso-ig")
    on_message = text_event(
        ALICE, "mid.r1", "salut", referral={"ref": "affiche-ig", "source": "SHORTLINKS"}
    )

    await post_signed(
        ig,
        notification(on_message, postback_event(BOB, "mid.r2", "/ask_cej", ref="asso-ig")),
    )

    assert sorted(r["message"] for r in rasa_state.received) == ["/ask_cej", "salut"]
    assert await _source_code(ig, ALICE) == "affiche-ig"
    assert await _source_code(ig, BOB) == "asso-ig"


async def test_an_unknown_referral_code_still_greets_without_a_source(
    ig: Client, rasa_state: FakeRasaState
) -> None:
    await post_signed(ig, notification(referral_event(ALICE, "n'importe-quoi!")))

    assert [r["message"] for r in rasa_state.received] == ["/greet"]
    async with ig.app[SESSIONS]() as session:
        contact = await session.scalar(select(Contact))
    assert contact is not None
    assert contact.source_id is None

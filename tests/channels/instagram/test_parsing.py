"""Reading a webhook batch: what becomes a message, what is skipped, malformed events alone."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.instagram.webhook import MalformedBatch, Received, Referral, parse_batch
from bot.core.messages import Attachment
from tests.fake_graph import ACCOUNT_ID, notification, referral_event, text_event

ALICE = "9100000000000001"


def _only(data: dict[str, Any]) -> Received | Referral:
    [event] = parse_batch(data, ACCOUNT_ID)
    return event


@pytest.mark.parametrize(
    "garbage",
    [
        "not an event",
        {"sender": {}, "message": {"mid": "m", "text": "x"}},
        {"sender": {"id": "a b"}, "message": {"mid": "m", "text": "x"}},
        {"sender": {"id": True}, "message": {"mid": "m", "text": "x"}},
        {"sender": {"id": ALICE}, "message": "text"},
        {"sender": {"id": ALICE}, "message": {"text": "no mid"}},
        {"sender": {"id": ALICE}, "message": {"mid": "m", "text": "   "}},
        {"sender": {"id": ALICE}, "postback": {"mid": "m", "payload": ""}},
        {"sender": {"id": ALICE}, "referral": {"source": "SHORTLINKS"}},
    ],
)
def test_a_malformed_event_is_skipped_and_the_rest_of_the_batch_kept(garbage: Any) -> None:
    data = notification(garbage, text_event(ALICE, "mid.ok", "salut"))

    [event] = parse_batch(data, ACCOUNT_ID)

    assert isinstance(event, Received)
    assert event.incoming.text == "salut"


def test_a_numeric_sender_id_is_read_as_text() -> None:
    event = _only(notification({"sender": {"id": 91}, "message": {"mid": "m", "text": "x"}}))

    assert event.sender_id == "91"


def test_a_sticker_is_recognised_by_its_id() -> None:
    event = _only(notification({"sender": {"id": ALICE}, "message": {"mid": "m", "sticker_id": 1}}))

    assert isinstance(event, Received)
    assert event.incoming.attachment is Attachment.STICKER


def test_a_standalone_referral_is_kept_with_its_code_and_a_key_without_the_sender() -> None:
    event = _only(notification(referral_event(ALICE, "  affiche-ig ")))

    assert isinstance(event, Referral)
    assert event.ref == "affiche-ig"
    assert ALICE not in event.event_id


def test_an_entry_without_messaging_is_skipped() -> None:
    data = {"object": "instagram", "entry": [{"id": ACCOUNT_ID, "changes": []}, "x"]}

    assert parse_batch(data, ACCOUNT_ID) == []


@pytest.mark.parametrize("data", [{}, {"object": "page"}, {"object": "instagram", "entry": 3}])
def test_a_batch_that_is_not_instagram_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(MalformedBatch):
        parse_batch(data, ACCOUNT_ID)

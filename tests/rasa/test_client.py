"""Parsing Rasa's REST answers, and the client's failure modes."""

from __future__ import annotations

import aiohttp
import pytest

from bot.core.messages import BotReply, Button
from bot.errors import RasaProtocolError, RasaUnavailable
from bot.rasa.client import RasaHttpClient, parse_rest_replies


def test_text_and_buttons_become_replies_and_the_rest_is_skipped() -> None:
    replies = parse_rest_replies(
        [
            {"recipient_id": "x", "text": "Salut"},
            {"recipient_id": "x", "text": "Choisis", "buttons": [{"title": "A", "payload": "/a"}]},
            {"recipient_id": "x", "custom": {"foo": 1}},
            {"recipient_id": "x", "text": "   "},
        ]
    )

    assert replies.replies == (BotReply("Salut"), BotReply("Choisis", (Button("A", "/a"),)))
    assert replies.signals == frozenset()


def test_signals_are_read_from_custom_payloads() -> None:
    turn = parse_rest_replies([{"recipient_id": "x", "custom": {"signal": "erase_contact"}}])

    assert turn.signals == frozenset({"erase_contact"})
    assert turn.replies == ()


@pytest.mark.parametrize("data", [{"text": "x"}, ["x"], None])
def test_unexpected_shapes_are_protocol_errors(data: object) -> None:
    with pytest.raises(RasaProtocolError):
        parse_rest_replies(data)


async def test_nothing_listening_is_unavailable() -> None:
    async with aiohttp.ClientSession() as session:
        client = RasaHttpClient(session, "http://127.0.0.1:9", timeout=1)

        with pytest.raises(RasaUnavailable):
            await client.send_message("s", "salut", {})
        assert not await client.is_ready()

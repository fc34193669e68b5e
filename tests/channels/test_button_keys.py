"""One format for a button too long for its platform (#9)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.channels.button_keys import ButtonKey, key_or_payload, read_key
from bot.core.messages import Author, OutgoingMessage

MESSAGE = OutgoingMessage(42, 7, Author.BOT, "Choisis", (), datetime(2026, 12, 4, tzinfo=UTC))


def test_a_long_payload_travels_as_a_key_and_is_read_back() -> None:
    assert key_or_payload(MESSAGE, 3, "/ask_cej", fits=True) == "/ask_cej"
    key = key_or_payload(MESSAGE, 3, "/inform" + "x" * 80, fits=False)
    assert key == "~42.3"
    assert read_key(key) == ButtonKey(42, 3)


def test_a_payload_that_looks_like_a_key_is_never_sent_as_itself() -> None:
    assert key_or_payload(MESSAGE, 1, "~9.9", fits=True) == "~42.1"
    assert read_key("/ask_cej") is None
    assert read_key(None) is None

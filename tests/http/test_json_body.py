"""The one JSON body reader: what cannot be stored is dropped, what cannot be read is a 400."""

from __future__ import annotations

import pytest

from bot.http.json_body import BodyRejected, parse_json


def test_what_no_database_stores_is_dropped_and_the_rest_kept() -> None:
    body = b'{"text": "salut\\u0000 \\ud800\\ud83d\\ude00", "k\\udfff": ["\\u0000x"]}'

    # NUL (PostgreSQL refuses it) and a lone surrogate go; a valid pair is one emoji.
    assert parse_json(body) == {"text": "salut 😀", "k": ["x"]}


@pytest.mark.parametrize(
    "body",
    [b"\xed\xa0\x80", b"[" * 100_000, b"1" * 5000, b"\xff", b"", b"{"],
    ids=["raw-surrogate", "deep", "digits", "latin-1", "empty", "truncated"],
)
def test_unreadable_bodies_are_rejected(body: bytes) -> None:
    with pytest.raises(BodyRejected) as rejected:
        parse_json(body)
    assert (rejected.value.code, rejected.value.status) == ("invalid_json", 400)

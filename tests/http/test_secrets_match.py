"""A secret sent as bytes that are not UTF-8 is a mismatch, never a 500."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.http.secrets_match import secret_matches

Client = TestClient[web.Request, web.Application]


def test_a_secret_matches_only_itself() -> None:
    assert secret_matches("s3cret-token", "s3cret-token")
    assert not secret_matches("s3cret-tokem", "s3cret-token")
    # What aiohttp makes of the header bytes b"\xff\xfe" (surrogateescape).
    assert not secret_matches(b"\xff\xfe".decode("utf-8", "surrogateescape"), "s3cret-token")


async def test_non_utf8_bearer_tokens_are_refused(client: Client) -> None:
    headers = {"Authorization": b"Bearer \xff\xfe".decode("latin-1")}

    staff = await client.get("/api/staff/appointments", headers=headers)
    actions = await client.post("/actions", json={}, headers=headers)

    assert (staff.status, actions.status) == (403, 401)

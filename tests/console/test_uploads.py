"""Campaign images (#11): PNG or JPEG by their signature, 8 MB at most, campaign staff only with
the CSRF header; served at a public URL with an unguessable token; a feed post needs a JPEG."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient
from yarl import URL

from bot.core.vocabulary import StaffRole
from bot.storage.models import Upload
from tests.conftest import FixedClock, count_rows
from tests.console.test_inbox import _signed_in

Client = TestClient[web.Request, web.Application]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


def _form(data: bytes, name: str = "file") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(name, data, filename="affiche.png", content_type="image/png")
    return form


async def test_an_image_is_stored_and_served_at_its_public_address(client: Client) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)

    uploaded = await client.post("/console/api/uploads", data=_form(PNG), headers=com)
    body = await uploaded.json()
    served = await client.get(URL(body["url"]).path)

    assert uploaded.status == 201
    assert body["url"].endswith(".png")
    assert served.status == 200
    assert served.headers["Content-Type"] == "image/png"
    assert await served.read() == PNG
    assert (await client.get("/media/" + "x" * 43 + ".png")).status == 404


async def test_what_is_not_a_png_or_jpeg_or_too_big_or_unchecked_is_refused(
    client: Client,
) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    counsellor = await _signed_in(client, "c@ml.fr", "C", StaffRole.COUNSELLOR)

    gif = await client.post("/console/api/uploads", data=_form(b"GIF89a" + b"0" * 50), headers=com)
    svg = await client.post("/console/api/uploads", data=_form(b"<svg onload=x>"), headers=com)
    big = await client.post(
        "/console/api/uploads", data=_form(JPEG + b"0" * (8 * 1024 * 1024)), headers=com
    )
    forged = await client.post(
        "/console/api/uploads", data=_form(PNG), headers={"Cookie": com["Cookie"]}
    )
    wrong_role = await client.post("/console/api/uploads", data=_form(PNG), headers=counsellor)

    assert (gif.status, svg.status, big.status) == (400, 400, 413)
    assert (forged.status, wrong_role.status) == (403, 403)
    app = client.app
    assert app is not None
    assert await count_rows(app, Upload) == 0


async def test_an_instagram_feed_post_needs_a_jpeg(client: Client, clock: FixedClock) -> None:
    clock.current = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    png = await (await client.post("/console/api/uploads", data=_form(PNG), headers=com)).json()
    jpeg = await (await client.post("/console/api/uploads", data=_form(JPEG), headers=com)).json()
    campaign = {"title": "Atelier CV", "text": "Atelier CV jeudi", "targets": ["instagram_feed"]}

    refused = await client.post(
        "/console/api/campaigns", json={**campaign, "image_id": png["id"]}, headers=com
    )
    accepted = await client.post(
        "/console/api/campaigns", json={**campaign, "image_id": jpeg["id"]}, headers=com
    )

    assert refused.status == 400
    assert "JPEG" in (await refused.json())["error"]["message"]
    assert accepted.status == 201

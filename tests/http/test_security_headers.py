"""Security headers on every answer (#12): a strict CSP everywhere; only the web chat's page may
be framed, and only by the sites the Mission Locale names; errors carry them too."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.conftest import FixedClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


def _ancestors(policy: str) -> str:
    [directive] = [d.strip() for d in policy.split(";") if d.strip().startswith("frame-ancestors")]
    return directive.removeprefix("frame-ancestors ").strip()


@pytest.mark.parametrize(
    "path",
    ["/confidentialite", "/webchat/api/messages?user_id=x", "/healthz", "/console/login", "/nope"],
)
async def test_no_page_but_the_chat_can_be_framed(client: Client, path: str) -> None:
    response = await client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert _ancestors(policy) == "'none'"
    assert "script-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_the_chat_is_framed_only_by_the_mission_locales_own_site(
    settings: Settings, clock: FixedClock, aiohttp_client: MakeClient
) -> None:
    default = await aiohttp_client(create_app(settings, clock=clock))
    response = await default.get("/")
    assert _ancestors(response.headers["Content-Security-Policy"]) == "'self'"
    assert "X-Frame-Options" not in response.headers  # it would forbid the embedding sites

    embedded = dataclasses.replace(settings, webchat_frame_ancestors=("https://www.ml-exemple.fr",))
    client = await aiohttp_client(create_app(embedded, clock=clock))
    response = await client.get("/")
    assert _ancestors(response.headers["Content-Security-Policy"]) == (
        "'self' https://www.ml-exemple.fr"
    )


async def test_https_deployments_get_strict_transport_security(
    settings: Settings, clock: FixedClock, aiohttp_client: MakeClient
) -> None:
    plain = await aiohttp_client(create_app(settings, clock=clock))
    assert "Strict-Transport-Security" not in (await plain.get("/healthz")).headers

    public = dataclasses.replace(settings, public_url="https://chat.ml-exemple.fr")
    client = await aiohttp_client(create_app(public, clock=clock))
    assert (
        (await client.get("/healthz")).headers["Strict-Transport-Security"].startswith("max-age=")
    )


@pytest.mark.parametrize(
    "value",
    ["*", "https://ml.fr/page", "https://ml.fr; script-src *", "javascript:alert(1)", "ml.fr"],
)
def test_only_plain_origins_may_frame_the_chat(value: str) -> None:
    with pytest.raises(ConfigError):
        load_settings({"WEBCHAT_FRAME_ANCESTORS": value})


def test_several_origins_are_read() -> None:
    settings = load_settings(
        {"WEBCHAT_FRAME_ANCESTORS": "https://www.ml.fr, https://ml.fr:8443 http://localhost:8000"}
    )
    assert settings.webchat_frame_ancestors == (
        "https://www.ml.fr",
        "https://ml.fr:8443",
        "http://localhost:8000",
    )

"""The console's campaign pages (#11): the list, the composer and one campaign's page, for
campaign staff and admins only; every composer field labelled; what staff typed is escaped;
the console's strict CSP; the navigation offers each role only the pages it may open."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.core.vocabulary import StaffRole
from bot.settings import Settings
from tests.conftest import FixedClock
from tests.console.test_inbox import _signed_in

Client = TestClient[web.Request, web.Application]
DAYTIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
TITLE = "Job-dating <mardi> & « CEJ »"
CAMPAIGN = {
    "title": TITLE,
    "text": "Job-dating mardi 14 h à la Mission Locale ! #emploi",
    "targets": ["telegram_dm", "webchat"],
    "audience": {"age_band": "18-21"},
    "send_at": "2026-12-01T15:00:00+01:00",
    "buttons": [{"kind": "book", "title": "Prendre rendez-vous"}],
}
PAGES = ("/console/campaigns", "/console/campaigns/new")


def _browser(headers: dict[str, str]) -> dict[str, str]:
    return {"Cookie": headers["Cookie"]}


async def _created(client: Client, staff: dict[str, str]) -> int:
    created = await client.post("/console/api/campaigns", json=CAMPAIGN, headers=staff)
    assert created.status == 201, await created.text()
    return int((await created.json())["id"])


async def test_campaign_staff_and_admins_open_the_pages_others_do_not(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    counsellor = await _signed_in(client, "c@ml.fr", "Samia", StaffRole.COUNSELLOR)
    campaign_id = await _created(client, com)

    for path in (*PAGES, f"/console/campaigns/{campaign_id}"):
        for who in (com, admin):
            shown = await client.get(path, headers=_browser(who))
            assert shown.status == 200, path
            policy = shown.headers["Content-Security-Policy"]
            assert "script-src 'self'" in policy
            assert "style-src 'self'" in policy
            assert shown.headers["Cache-Control"] == "no-store"
        refused = await client.get(path, headers=_browser(counsellor))
        anonymous = await client.get(path, allow_redirects=False)
        assert refused.status == 403, path
        assert anonymous.status == 303, path
        assert anonymous.headers["Location"] == "/console/login"
    missing = await client.get("/console/campaigns/999999", headers=_browser(com))
    wrong = await client.get("/console/campaigns/abc", headers=_browser(com))
    assert (missing.status, wrong.status) == (404, 404)


async def test_the_composer_labels_every_field(client: Client) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    html = await (await client.get("/console/campaigns/new", headers=_browser(com))).text()

    for label in (
        "Canal Telegram",
        "Fil Instagram",
        "Messages Telegram",
        "Messages Instagram",
        "Chat du site",
        "Envoyer maintenant",
    ):
        assert f">{label}</label>" in html
    fields = re.findall(r'<(?:input|textarea|select)\b[^>]*\bid="([^"]+)"', html)
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert {"title", "text", "image", "send-at", "f-site", "f-department", "f-age"} <= set(fields)
    assert {"f-source", "f-outcome", "f-active", "f-appointment", "button-kind-1"} <= set(fields)
    assert set(fields) <= labelled, set(fields) - labelled
    assert 'type="datetime-local"' in html
    assert 'data-zone="Europe/Paris"' in html
    assert re.search(r'data-offset="[+-]\d\d:\d\d"', html)
    assert '<meta name="csrf-token"' in html
    assert 'src="/console/static/campaigns.js"' in html
    assert "<script>" not in html
    assert "style=" not in html


async def test_the_list_and_the_detail_show_a_campaign_escaped(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    campaign_id = await _created(client, com)

    listed = await (await client.get("/console/campaigns", headers=_browser(com))).text()
    detail = await (
        await client.get(f"/console/campaigns/{campaign_id}", headers=_browser(com))
    ).text()

    escaped = "Job-dating &lt;mardi&gt; &amp; « CEJ »"
    assert escaped in listed
    assert TITLE not in listed
    assert f'href="/console/campaigns/{campaign_id}"' in listed
    assert "prévue" in listed
    assert "mar. 1 déc. 15:00" in listed  # the site's local time (Paris)
    assert "Nouvelle campagne" in listed
    assert escaped in detail
    assert TITLE not in detail
    assert "prévue" in detail
    assert "Messages Telegram, Chat du site" in detail
    assert "Âge : 18-21 ans" in detail
    assert ">Pause</button>" in detail
    assert "Annuler la campagne" in detail
    assert ">Valider</button>" not in detail  # no approval asked


async def test_the_navigation_offers_each_role_its_own_pages(client: Client) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    counsellor = await _signed_in(client, "c@ml.fr", "Samia", StaffRole.COUNSELLOR)

    for_com = await (await client.get("/console/campaigns", headers=_browser(com))).text()
    for_admin = await (await client.get("/console/campaigns", headers=_browser(admin))).text()
    for_counsellor = await (await client.get("/console/", headers=_browser(counsellor))).text()
    home = await (await client.get("/console/", headers=_browser(com))).text()

    assert ">Campagnes</a>" in for_com
    assert ">Conversations</a>" not in for_com
    assert ">Agenda</a>" not in for_com
    assert ">Campagnes</a>" in for_admin
    assert ">Conversations</a>" in for_admin
    assert ">Agenda</a>" in for_admin
    assert ">Campagnes</a>" not in for_counsellor
    assert ">Agenda</a>" in for_counsellor
    assert 'href="/console/campaigns"' in home


async def test_an_admin_is_offered_to_approve_a_campaign_awaiting_approval(
    settings: Settings,
    clock: FixedClock,
    aiohttp_client: Callable[..., Awaitable[Client]],
) -> None:
    clock.current = DAYTIME
    client = await aiohttp_client(
        create_app(replace(settings, campaign_approval=True), clock=clock)
    )
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    campaign_id = await _created(client, com)
    path = f"/console/campaigns/{campaign_id}"

    for_com = await (await client.get(path, headers=_browser(com))).text()
    for_admin = await (await client.get(path, headers=_browser(admin))).text()
    composer = await (await client.get("/console/campaigns/new", headers=_browser(com))).text()

    assert "à valider" in for_com
    assert ">Valider</button>" not in for_com
    assert ">Valider</button>" in for_admin
    assert f'action="/console/api/campaigns/{campaign_id}/approve"' in for_admin
    assert "Envoyer pour validation" in composer

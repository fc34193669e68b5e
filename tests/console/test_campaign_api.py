"""Campaigns in the console's JSON API (#11): campaign staff and admins only, CSRF on every
change; a campaign is checked before anything is stored; the live audience count hides small
groups; pause, resume, cancel, and approval by an admin when CAMPAIGN_APPROVAL=1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import update

from bot.app import create_app
from bot.core.vocabulary import StaffRole
from bot.settings import Settings
from bot.storage.models import Campaign, Contact
from bot.wiring import CAMPAIGNS, SESSIONS
from tests.booking.factories import make_identity
from tests.conftest import FixedClock, count_rows
from tests.console.test_inbox import _signed_in

Client = TestClient[web.Request, web.Application]
DAYTIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 10:00 in Paris
GOOD = {
    "title": "Job-dating mardi",
    "text": "Job-dating mardi 14 h à la Mission Locale ! #emploi",
    "targets": ["telegram_dm", "webchat"],
    "audience": {},
    "send_at": "2026-12-01T15:00:00+01:00",
    "buttons": [{"kind": "book", "title": "Prendre rendez-vous"}],
}


async def _opted_in(client: Client, n: int) -> None:
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session, session.begin():
        for _ in range(n):
            identity = await make_identity(session, DAYTIME, channel="telegram")
            await session.execute(
                update(Contact)
                .where(Contact.id == identity.contact_id)
                .values(news_opt_in_at=DAYTIME)
            )


async def test_campaign_staff_create_and_follow_a_campaign(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    await _opted_in(client, 7)

    counted = await client.post("/console/api/audience/count", json={"audience": {}}, headers=com)
    created = await client.post("/console/api/campaigns", json=GOOD, headers=com)
    body = await created.json()
    listed = await (await client.get("/console/api/campaigns", headers=com)).json()
    paused = await client.post(f"/console/api/campaigns/{body['id']}/pause", headers=com)
    resumed = await client.post(f"/console/api/campaigns/{body['id']}/resume", headers=com)
    cancelled = await client.post(f"/console/api/campaigns/{body['id']}/cancel", headers=com)
    again = await client.post(f"/console/api/campaigns/{body['id']}/cancel", headers=com)
    detail = await (await client.get(f"/console/api/campaigns/{body['id']}", headers=com)).json()

    figures = await counted.json()
    assert (figures["count"], figures["label"]) == (7, "7")
    assert "24 h" in figures["instagram"]["why"]  # why some cannot be reached now
    assert created.status == 201
    assert body["status"] == "scheduled"
    assert body["audience_count"] == 7
    assert [c["title"] for c in listed["campaigns"]] == ["Job-dating mardi"]
    assert (paused.status, resumed.status, cancelled.status, again.status) == (200, 200, 200, 409)
    assert (await resumed.json())["status"] == "scheduled"  # it had not started yet
    assert detail["status"] == "cancelled"
    assert detail["send_at"] == "2026-12-01T14:00:00+00:00"


async def test_small_audiences_are_shown_as_less_than_five(client: Client) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    await _opted_in(client, 3)
    counted = await client.post("/console/api/audience/count", json={"audience": {}}, headers=com)
    figures = await counted.json()
    assert (figures["count"], figures["label"]) == (None, "moins de 5")


async def test_a_bad_campaign_is_refused_in_french_and_nothing_is_stored(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    counsellor = await _signed_in(client, "c@ml.fr", "C", StaffRole.COUNSELLOR)
    bad = [
        ({**GOOD, "targets": ["fax"]}, "Destination inconnue"),
        ({**GOOD, "send_at": "2026-11-30T10:00:00+01:00"}, "passée"),
        ({**GOOD, "send_at": "2026-12-01T23:00:00+01:00"}, "Heures calmes"),
        ({**GOOD, "text": ""}, "vide"),
        ({**GOOD, "targets": ["instagram_feed"]}, "image"),
        ({**GOOD, "text": "x" * 4097}, "4096"),
        ({**GOOD, "audience": {"age": 17}}, "Filtre inconnu"),
    ]
    for payload, words in bad:
        refused = await client.post("/console/api/campaigns", json=payload, headers=com)
        assert refused.status == 400, payload
        assert words in (await refused.json())["error"]["message"]
    forged = await client.post(
        "/console/api/campaigns", json=GOOD, headers={"Cookie": com["Cookie"]}
    )
    wrong_role = await client.post("/console/api/campaigns", json=GOOD, headers=counsellor)
    anonymous = await client.get("/console/api/campaigns")
    assert (forged.status, wrong_role.status, anonymous.status) == (403, 403, 401)
    app = client.app
    assert app is not None
    assert await count_rows(app, Campaign) == 0


async def test_with_approval_an_admin_approves_before_it_can_go(
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

    created = await (await client.post("/console/api/campaigns", json=GOOD, headers=com)).json()
    by_staff = await client.post(f"/console/api/campaigns/{created['id']}/approve", headers=com)
    by_admin = await client.post(f"/console/api/campaigns/{created['id']}/approve", headers=admin)

    assert created["status"] == "awaiting_approval"
    assert by_staff.status == 403
    assert (await by_admin.json())["status"] == "scheduled"


async def test_a_test_send_reaches_my_own_web_chat_and_is_not_counted(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    created = await (await client.post("/console/api/campaigns", json=GOOD, headers=com)).json()
    me = "MyOwnWebChatUserId_0123456789"

    sent = await client.post(
        f"/console/api/campaigns/{created['id']}/test",
        json={"channel": "webchat", "user_id": me},
        headers=com,
    )
    bad = await client.post(
        f"/console/api/campaigns/{created['id']}/test",
        json={"channel": "webchat", "user_id": "x"},
        headers=com,
    )
    seen = await client.get("/webchat/api/messages", params={"user_id": me})
    detail = await (await client.get(f"/console/api/campaigns/{created['id']}", headers=com)).json()

    assert (await sent.json())["status"] == "sent"
    assert bad.status == 400
    [message] = (await seen.json())["messages"]
    assert message["text"].startswith("🧪 Test — Job-dating mardi")
    assert detail["counts"] == {}  # a test is not a delivery
    assert detail["results"]["delivered"] == {"count": 0, "label": "0"}


async def test_a_campaign_is_edited_until_it_starts(client: Client, clock: FixedClock) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    created = await (await client.post("/console/api/campaigns", json=GOOD, headers=com)).json()
    url = f"/console/api/campaigns/{created['id']}"

    edited = await client.put(url, json={**GOOD, "title": "Job-dating jeudi"}, headers=com)
    refused = await client.put(url, json={**GOOD, "text": ""}, headers=com)
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session, session.begin():
        await session.execute(
            update(Campaign).values(started_at=DAYTIME, status="running")
        )  # it has started
    too_late = await client.put(url, json={**GOOD, "title": "Autre"}, headers=com)
    detail = await (await client.get(url, headers=com)).json()

    assert edited.status == 200
    assert refused.status == 400
    assert too_late.status == 409
    assert detail["title"] == "Job-dating jeudi"


async def test_the_composer_is_told_which_channel_posts_cannot_go(client: Client) -> None:
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    counsellor = await _signed_in(client, "c@ml.fr", "C", StaffRole.COUNSELLOR)

    status = await (await client.get("/console/api/targets", headers=com)).json()
    refused = await client.get("/console/api/targets", headers=counsellor)

    assert status["targets"]["telegram_channel"]["ready"] is False
    assert "TELEGRAM_CHANNEL_ID" in status["targets"]["telegram_channel"]["why"]
    assert status["targets"]["instagram_feed"]["ready"] is False
    assert refused.status == 403


async def test_cancelling_a_running_campaign_skips_who_has_not_got_it_yet(
    client: Client, clock: FixedClock
) -> None:
    clock.current = DAYTIME
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    await _opted_in(client, 6)
    created = await (
        await client.post("/console/api/campaigns", json={**GOOD, "send_at": None}, headers=com)
    ).json()
    app = client.app
    assert app is not None
    await app[CAMPAIGNS].sweep(budget=0)  # started: one row per recipient, none sent yet

    cancelled = await client.post(f"/console/api/campaigns/{created['id']}/cancel", headers=com)
    detail = await (await client.get(f"/console/api/campaigns/{created['id']}", headers=com)).json()

    assert cancelled.status == 200
    assert detail["counts"] == {"skipped": 6}
    assert detail["failures"] == {"cancelled": 6}
    assert detail["remaining"] == 0

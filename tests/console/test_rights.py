"""A young person's rights from the console (#12): the export holds everything stored about
them (and never a platform id); the erasure, once confirmed, leaves no row about them in the
bot's database nor in Rasa's tracker, and touches nobody else; a counsellor acts only for the
young people whose conversation they hold, an admin for anyone, campaign staff never; every
refusal erases nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from bot.core.vocabulary import StaffRole
from tests.console.people import (
    PERSONAL_TABLES,
    Person,
    footprint,
    make_person,
    rows_about,
    tracker_rows,
)
from tests.console.test_inbox import _signed_in

Client = TestClient[Request, Application]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _app(client: Client) -> Application:
    assert client.app is not None
    return client.app


async def _two_people(client: Client, tracker_file: Path) -> tuple[Person, Person]:
    lina = await make_person(_app(client), tracker_file, "je cherche un stage au Lamentin")
    other = await make_person(_app(client), tracker_file, "bonjour pour le CEJ")
    return lina, other


async def _take(client: Client, person: Person, headers: dict[str, str]) -> None:
    taken = await client.post(
        f"/console/api/conversations/{person.conversation_id}/take", headers=headers
    )
    assert taken.status == 200, await taken.text()


async def test_export_then_erasure_leave_nothing_about_the_person(
    rights_client: Client, tracker_file: Path
) -> None:
    client, app = rights_client, _app(rights_client)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    lina, other = await _two_people(client, tracker_file)
    await _take(client, lina, samia)
    noted = await client.post(
        f"/console/api/conversations/{lina.conversation_id}/notes",
        json={"text": "cherche un stage en mécanique"},
        headers=samia,
    )
    assert noted.status == 201

    detail = await client.get(f"/console/api/conversations/{lina.conversation_id}", headers=samia)
    assert (await detail.json())["conversation"]["contact_id"] == lina.contact_id

    exported = await client.get(f"/console/api/contacts/{lina.contact_id}/export", headers=samia)
    assert exported.status == 200
    assert exported.headers["Cache-Control"] == "no-store"
    raw = await exported.text()
    data: dict[str, Any] = json.loads(raw)
    assert data["contact_id"] == lina.contact_id
    assert data["source"] == {"label": "Affiche boulangerie", "kind": "poster"}
    assert [c["channel"] for c in data["channels"]] == ["webchat"]
    assert lina.public_id not in raw  # channel identities: the channel only, never an id
    [conversation] = data["conversations"]
    assert conversation["messages"][0]["text"] == lina.words
    assert [t["kind"] for t in conversation["team"]] == ["taken", "note"]
    assert conversation["team"][1]["note"] == "cherche un stage en mécanique"
    assert "Samia" not in raw  # what the team did, not who of the team
    assert data["questionnaire"]["town"] == "Le Lamentin"
    assert data["questionnaire"]["allowance_min"] == "545.00"
    [appointment] = data["appointments"]
    assert appointment["first_name"] == "Lina"
    assert len(appointment["reminders"]) == 1
    assert [(c["kind"], c["channel"]) for c in data["consents"]] == [
        ("opt_in", "webchat"),
        ("opt_out", "webchat"),
    ]
    assert data["news"]["opted_in_at"] is None
    assert data["news"]["unsubscribed_at"] is not None
    assert [d["campaign"] for d in data["campaign_deliveries"]] == ["Forum de l'emploi"]
    download = await client.get(
        f"/console/api/contacts/{lina.contact_id}/export?download=1", headers=samia
    )
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="jeune-{lina.contact_id}.json"'
    )

    before = await footprint(app, lina)
    found_before = await rows_about(app, before, lina.words)
    assert set(found_before) >= PERSONAL_TABLES  # the check sees every personal table
    assert all(found_before[name] > 0 for name in PERSONAL_TABLES), found_before
    other_before = await rows_about(app, await footprint(app, other), other.words)

    erased = await client.post(
        f"/console/api/contacts/{lina.contact_id}/erase", json={"confirm": True}, headers=samia
    )
    assert erased.status == 200, await erased.text()
    assert await erased.json() == {"contact_id": lina.contact_id, "erased": True}

    assert await rows_about(app, before, lina.words) == dict.fromkeys(found_before, 0)
    assert tracker_rows(tracker_file, lina.public_id) == 0
    # Nobody else was touched.
    assert tracker_rows(tracker_file, other.public_id) == 2
    assert await rows_about(app, await footprint(app, other), other.words) == other_before

    again = await client.post(
        f"/console/api/contacts/{lina.contact_id}/erase", json={"confirm": True}, headers=samia
    )
    gone = await client.get(f"/console/api/contacts/{lina.contact_id}/export", headers=samia)
    assert (again.status, gone.status) == (404, 404)


async def test_without_confirmation_nothing_is_erased(
    rights_client: Client, tracker_file: Path
) -> None:
    client, app = rights_client, _app(rights_client)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    lina, _ = await _two_people(client, tracker_file)
    before = await footprint(app, lina)
    counts = await rows_about(app, before, lina.words)
    url = f"/console/api/contacts/{lina.contact_id}/erase"

    answers = [
        await client.post(url, headers=admin),
        await client.post(url, json={}, headers=admin),
        await client.post(url, json={"confirm": False}, headers=admin),
        await client.post(url, json={"confirm": "non"}, headers=admin),
    ]

    assert [a.status for a in answers] == [400, 400, 400, 400]
    assert (await answers[1].json())["error"]["code"] == "confirm_required"
    assert await rows_about(app, before, lina.words) == counts
    assert tracker_rows(tracker_file, lina.public_id) == 2


async def test_a_counsellor_acts_only_for_the_conversations_they_hold(
    rights_client: Client, tracker_file: Path
) -> None:
    client, app = rights_client, _app(rights_client)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    lina, other = await _two_people(client, tracker_file)
    await _take(client, lina, samia)
    export = f"/console/api/contacts/{lina.contact_id}/export"
    erase = f"/console/api/contacts/{lina.contact_id}/erase"
    before = await footprint(app, lina)
    counts = await rows_about(app, before, lina.words)
    no_csrf = {"Cookie": samia["Cookie"]}

    statuses = {
        "karim export": (await client.get(export, headers=karim)).status,
        "karim erase": (await client.post(erase, json={"confirm": True}, headers=karim)).status,
        "campaign export": (await client.get(export, headers=com)).status,
        "campaign erase": (await client.post(erase, json={"confirm": True}, headers=com)).status,
        "no session export": (await client.get(export)).status,
        "no session erase": (
            await client.post(erase, json={"confirm": True}, headers={"X-CSRF-Token": "x"})
        ).status,
        "no csrf erase": (await client.post(erase, json={"confirm": True}, headers=no_csrf)).status,
        "wrong csrf erase": (
            await client.post(
                erase, json={"confirm": True}, headers={**no_csrf, "X-CSRF-Token": "faux"}
            )
        ).status,
        "samia, someone else": (
            await client.get(f"/console/api/contacts/{other.contact_id}/export", headers=samia)
        ).status,
        "samia export": (await client.get(export, headers=samia)).status,
        "admin export": (await client.get(export, headers=admin)).status,
        "admin other": (
            await client.get(f"/console/api/contacts/{other.contact_id}/export", headers=admin)
        ).status,
        "admin unknown": (
            await client.get("/console/api/contacts/999999/export", headers=admin)
        ).status,
        "admin unknown erase": (
            await client.post(
                "/console/api/contacts/999999/erase", json={"confirm": True}, headers=admin
            )
        ).status,
        "not a number": (
            await client.get("/console/api/contacts/abc/export", headers=admin)
        ).status,
    }

    assert statuses == {
        "karim export": 403,
        "karim erase": 403,
        "campaign export": 403,
        "campaign erase": 403,
        "no session export": 401,
        "no session erase": 401,
        "no csrf erase": 403,
        "wrong csrf erase": 403,
        "samia, someone else": 403,
        "samia export": 200,
        "admin export": 200,
        "admin other": 200,
        "admin unknown": 404,
        "admin unknown erase": 404,
        "not a number": 404,
    }
    assert await rows_about(app, before, lina.words) == counts  # every refusal erased nothing
    assert tracker_rows(tracker_file, lina.public_id) == 2

    # Handed back to the bot, the conversation is no longer Samia's: nor is the export.
    released = await client.post(
        f"/console/api/conversations/{lina.conversation_id}/release", headers=samia
    )
    assert released.status == 200
    assert (await client.get(export, headers=samia)).status == 403
    # An admin may erase anyone.
    by_admin = await client.post(erase, json={"confirm": True}, headers=admin)
    assert by_admin.status == 200
    assert tracker_rows(tracker_file, lina.public_id) == 0


async def test_the_person_page_shows_consents_and_erases_with_a_form(
    rights_client: Client, tracker_file: Path
) -> None:
    client, app = rights_client, _app(rights_client)
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    lina, _ = await _two_people(client, tracker_file)
    await _take(client, lina, samia)
    cookie = {"Cookie": samia["Cookie"]}
    person = f"/console/contacts/{lina.contact_id}"

    page = f"/console/conversations/{lina.conversation_id}"
    conversation = await client.get(page, headers=cookie)
    assert f'href="{person}"' in await conversation.text()
    seen_by_karim = await client.get(page, headers={"Cookie": karim["Cookie"]})
    assert f'href="{person}"' not in await seen_by_karim.text()

    shown = await client.get(person, headers=cookie)
    html = await shown.text()
    assert shown.status == 200
    assert "script-src 'self'" in shown.headers["Content-Security-Policy"]
    assert "a accepté de recevoir les nouvelles" in html
    assert "a demandé l&#39;arrêt des nouvelles" in html
    assert "Ne reçoit plus les nouvelles depuis le" in html
    assert f"/console/api/contacts/{lina.contact_id}/export?download=1" in html
    assert 'name="confirm"' in html
    readable = await client.get(f"{person}/export", headers=cookie)
    readable_html = await readable.text()
    assert readable.status == 200
    assert lina.words in readable_html
    assert "Le Lamentin" in readable_html
    assert "Forum de l&#39;emploi" in readable_html

    assert (await client.get(person, headers={"Cookie": karim["Cookie"]})).status == 403
    assert (await client.get("/console/contacts/999999", headers=cookie)).status == 404
    anonymous = await client.get(person, allow_redirects=False)
    assert (anonymous.status, anonymous.headers["Location"]) == (303, "/console/login")

    token = CSRF.search(html)
    assert token is not None
    before = await footprint(app, lina)
    counts = await rows_about(app, before, lina.words)
    unconfirmed = await client.post(
        f"/console/api/contacts/{lina.contact_id}/erase",
        data={"csrf_token": token[1]},
        headers=cookie,
        allow_redirects=False,
    )
    assert unconfirmed.status == 400
    assert "Confirme l&#39;effacement" in await unconfirmed.text()
    assert await rows_about(app, before, lina.words) == counts

    confirmed = await client.post(
        f"/console/api/contacts/{lina.contact_id}/erase",
        data={"csrf_token": token[1], "confirm": "yes"},
        headers=cookie,
        allow_redirects=False,
    )
    assert (confirmed.status, confirmed.headers["Location"]) == (303, "/console/contacts/erased")
    done = await client.get("/console/contacts/erased", headers=cookie)
    assert "Données effacées" in await done.text()
    assert await rows_about(app, before, lina.words) == dict.fromkeys(counts, 0)
    assert tracker_rows(tracker_file, lina.public_id) == 0
    assert (await client.get(person, headers=cookie)).status == 404

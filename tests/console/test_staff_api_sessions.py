"""The existing /api/staff/* routes accept a console session as well as STAFF_API_TOKEN (#10),
with the role checked per part and the CSRF token on a change."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from bot.core.vocabulary import StaffRole
from tests.console.test_inbox import _signed_in

Client = TestClient[Request, Application]


async def test_a_console_session_opens_the_part_of_its_role(client: Client) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    com = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)

    agenda = await client.get("/api/staff/appointments", headers=samia)
    outreach_for_counsellor = await client.get("/api/staff/sources", headers=samia)
    outreach = await client.get("/api/staff/sources", headers=com)
    agenda_for_campaign = await client.get("/api/staff/appointments", headers=com)
    no_csrf = await client.post(
        "/api/staff/appointments/1/outcome",
        json={"outcome": "attended"},
        headers={"Cookie": samia["Cookie"]},
    )
    with_csrf = await client.post(
        "/api/staff/appointments/99999/outcome", json={"outcome": "attended"}, headers=samia
    )
    nobody = await client.get("/api/staff/appointments")

    assert (agenda.status, outreach.status) == (200, 200)
    assert (outreach_for_counsellor.status, agenda_for_campaign.status) == (403, 403)
    assert no_csrf.status == 403
    assert with_csrf.status == 404  # let through: no such appointment
    assert nobody.status == 401

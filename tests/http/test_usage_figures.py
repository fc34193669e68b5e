"""The anonymised monthly figures in the staff API (#12): no count below 5 is shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request

from bot.storage.models import CountedMonth, UsageAggregate
from bot.wiring import SESSIONS, SETTINGS

Client = TestClient[Request, Application]


async def _figures(client: Client) -> None:
    async with client.app[SESSIONS]() as session, session.begin():
        session.add(
            CountedMonth(month=date(2026, 9, 1), counted_at=datetime(2026, 10, 8, tzinfo=UTC))
        )
        await session.flush()
        for outcome, count in (("cej", 3), ("pacea", 12), ("school", 5)):
            session.add(
                UsageAggregate(
                    month=date(2026, 9, 1),
                    source_kind="poster",
                    source_code="affiche-gare",
                    channel="telegram",
                    metric="questionnaires",
                    outcome=outcome,
                    count=count,
                )
            )


def _token(client: Client) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.app[SETTINGS].staff_token}"}


async def test_counts_below_5_are_not_shown(client: Client) -> None:
    await _figures(client)

    response = await client.get("/api/staff/usage?from=2026-09&to=2026-10", headers=_token(client))

    assert response.status == 200
    body = await response.json()
    shown = {f["outcome"]: (f["count"], f["under_5"], f["shown"]) for f in body["figures"]}
    assert shown == {
        "cej": (None, True, "moins de 5"),
        "pacea": (12, False, "12"),
        "school": (5, False, "5"),
    }
    assert body["figures"][0]["month"] == "2026-09"
    assert all(f["count"] != 3 for f in body["figures"])


async def test_the_last_twelve_months_by_default(client: Client) -> None:
    await _figures(client)

    body = await (await client.get("/api/staff/usage", headers=_token(client))).json()

    assert (body["from"], body["to"]) == ("2025-11", "2026-11")  # the test clock: 2026-11-23
    assert len(body["figures"]) == 3


async def test_refusals(client: Client) -> None:
    nobody = await client.get("/api/staff/usage")
    wrong = await client.get("/api/staff/usage", headers={"Authorization": "Bearer nope"})
    bad = await client.get("/api/staff/usage?from=2026-13", headers=_token(client))
    reversed_ = await client.get("/api/staff/usage?from=2026-10&to=2026-01", headers=_token(client))

    assert (nobody.status, wrong.status, bad.status, reversed_.status) == (401, 403, 400, 400)

"""Staff API under generated hostile input: never a 5xx; reads store nothing, a refused outcome
changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from sqlalchemy import select

from bot.storage.demo import DEMO_SOURCES
from bot.storage.models import Appointment
from bot.wiring import SESSIONS, SETTINGS
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site
from tests.fuzz_http import exchange, explore, row_counts
from tests.fuzz_requests import bearer, content_types, day_texts, path_segments, query_strings
from tests.fuzzing import UNICODE_DIGITS, json_bodies
from tests.raw_http import Client, Request

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)  # the `clock` fixture's time
CODES = [code for code, _, _ in DEMO_SOURCES]


@pytest.fixture
async def staff(fuzz_client: Client) -> Client:
    """The app with an agenda: past, cancelled and future appointments."""
    client = fuzz_client
    async with client.app[SESSIONS]() as session, session.begin():
        site = await make_site(session, NOW)
        counsellor = await make_counsellor(session, site, NOW)
        for hours, status in [(-2, "booked"), (-30, "booked"), (-4, "cancelled"), (48, "booked")]:
            identity = await make_identity(session, NOW)
            await make_appointment(
                session, identity, counsellor, NOW + timedelta(hours=hours), NOW, status=status
            )
    return client


async def appointment_states(client: Client) -> list[tuple[Any, ...]]:
    async with client.app[SESSIONS]() as session:
        rows = await session.execute(
            select(
                Appointment.id, Appointment.status, Appointment.outcome_at, Appointment.updated_at
            ).order_by(Appointment.id)
        )
        return [tuple(row) for row in rows]


def auth(client: Client) -> SearchStrategy[bytes | None]:
    return bearer(client.app[SETTINGS].staff_token)


def reads(client: Client, path: SearchStrategy[str], query: SearchStrategy[str]) -> Any:
    return st.builds(
        lambda p, q, a: Request("GET", p + q, [(b"Authorization", a)]), path, query, auth(client)
    )


async def check_read(client: Client, request: Request) -> None:
    before = await row_counts(client.app)
    done = await exchange(client, request)

    done.never_5xx()
    done.nothing_logged()
    done.unchanged(before, await row_counts(client.app))
    if done.refused:
        done.json_error()


async def test_the_outreach_figures_never_fail(staff: Client) -> None:
    query = query_strings({"since": day_texts()})

    async def check(request: Request) -> None:
        await check_read(staff, request)

    await explore(reads(staff, st.just("/api/staff/sources"), query), check, max_examples=80)


async def test_the_qr_codes_never_fail(staff: Client) -> None:
    code = path_segments(st.sampled_from(CODES))
    path = st.builds(
        lambda c, f: f"/api/staff/sources/{c}/qr.{f}", code, st.sampled_from(["png", "svg"])
    )
    query = query_strings({"target": st.sampled_from(["webchat", "telegram", "instagram"])})

    async def check(request: Request) -> None:
        await check_read(staff, request)

    await explore(reads(staff, path, query), check, max_examples=60)


async def test_the_agenda_never_fails(staff: Client) -> None:
    query = query_strings({"from": day_texts(), "to": day_texts()})

    async def check(request: Request) -> None:
        await check_read(staff, request)

    await explore(reads(staff, st.just("/api/staff/appointments"), query), check, max_examples=120)


async def test_an_outcome_never_fails_and_a_refused_one_changes_nothing(staff: Client) -> None:
    ids = [str(state[0]) for state in await appointment_states(staff)]
    appointment = path_segments(
        st.one_of(
            st.sampled_from(ids),
            st.sampled_from(["0", "999999", "999999999", "2147483648", "1" + "0" * 9]),
            st.sampled_from(UNICODE_DIGITS),
        )
    )
    outcome = st.sampled_from(["attended", "missed"])
    body = outcome.flatmap(
        lambda o: json_bodies({"outcome": o}, st.sampled_from(["attended", "missed", "booked"]))
    )
    requests = st.builds(
        lambda a, b, c, t: Request(
            "POST",
            f"/api/staff/appointments/{a}/outcome",
            [(b"Authorization", t), (b"Content-Type", c)],
            b,
        ),
        appointment,
        body,
        content_types(),
        auth(staff),
    )

    async def check(request: Request) -> None:
        before = await row_counts(staff.app), await appointment_states(staff)
        done = await exchange(staff, request)

        done.never_5xx()
        done.nothing_logged()
        done.refused_unless_json()
        if done.refused:
            done.json_error()
            done.unchanged(before[1], await appointment_states(staff), "appointment changed")
            done.unchanged(before[0], await row_counts(staff.app))
        else:
            assert done.answer.json()["status"] in ("attended", "missed"), done.report()

    await explore(requests, check, max_examples=150)

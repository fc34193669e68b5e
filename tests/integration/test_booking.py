"""Booking through the web chat with the real Rasa: slots offered, picked and booked at once
with the confirmation (time, place, calendar link), then the first name; the reminder arriving
through the web chat's GET endpoint; cancelling from the reminder; a slot taken meanwhile told
kindly.

The bot runs with the demo Mission Locale (two counsellors, a permanence), reminders swept every
second and no quiet hours (this test may run at night). To make a reminder due now without
waiting hours, the test moves its due time in the database: what is tested is that the bot's
scheduler claims it there and delivers it once, in the channel the young person used.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from tests.integration.stack import Stack, start_stack
from tests.integration.webchat import new_user, query, say, text_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("booking"),
        extra_env={"REMINDER_SWEEP_SECONDS": "1", "REMINDER_QUIET_HOURS": "off"},
    )
    yield running
    running.stop_all()


def _slot_buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [
        b
        for m in replies
        for b in m["buttons"]
        if '"slot=' in b["payload"] and not b["payload"].endswith(('slot=more"}', 'slot=first"}'))
    ]


async def _pick_first_slot(
    http: aiohttp.ClientSession, stack: Stack, user: str
) -> tuple[str, list[dict[str, Any]]]:
    offer = await say(http, stack, user, text="slt je voudrais prendre un rdv")
    assert "Voici les prochains créneaux" in text_of(offer), text_of(offer)
    buttons = _slot_buttons(offer)
    assert 3 <= len(buttons) <= 5
    assert any(
        b["payload"] == '/inform{"choice": "slot=more"}' for m in offer for b in m["buttons"]
    )
    asked = await say(http, stack, user, payload=buttons[0]["payload"])
    return buttons[0]["payload"], asked


async def _messages_after(
    http: aiohttp.ClientSession, stack: Stack, user: str, after: int
) -> list[dict[str, Any]]:
    async with http.get(
        f"{stack.bot_url}/webchat/api/messages", params={"user_id": user, "after": str(after)}
    ) as response:
        assert response.status == 200
        messages: list[dict[str, Any]] = (await response.json())["messages"]
        return messages


async def test_book_get_reminded_through_the_web_chat_then_cancel(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    _, confirmation = await _pick_first_slot(http, stack, user)

    text = text_of(confirmation)
    assert "C'est réservé ✅" in text
    assert "Tu t'appelles comment" in text  # after booking, and optional
    assert re.search(r"📅 \w+ \d+ \w+ à \d+h(\d\d)?", text), text
    assert "Antenne du centre-ville" in text or "permanence" in text
    assert "69001 Lyon" in text or "69008 Lyon" in text
    link = re.search(r"(http://\S+/rdv/[\w-]+\.ics)", text)
    assert link is not None
    async with http.get(link.group(1).replace("http://127.0.0.1:8080", stack.bot_url)) as ics:
        assert ics.status == 200
        assert ics.headers["Content-Type"].startswith("text/calendar")
        assert "Sarah" not in await ics.text()  # no personal data in a file that gets forwarded
    [(appointment_id, status, first_name)] = query(
        stack.database_file, "SELECT id, status, first_name FROM appointments"
    )
    assert (status, first_name) == ("booked", None)
    thanks = await say(http, stack, user, text="moi c Sarah")
    assert "Merci Sarah" in text_of(thanks)
    assert query(stack.database_file, "SELECT first_name FROM appointments") == [("Sarah",)]

    last_id = max(m["id"] for m in thanks)
    due = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S.%f")
    updated = query(
        stack.database_file,
        "UPDATE appointment_reminders SET due_at = ? WHERE appointment_id = ? "
        "AND status = 'scheduled' AND lead_minutes = (SELECT MIN(lead_minutes) "
        "FROM appointment_reminders WHERE appointment_id = ? AND status = 'scheduled') "
        "RETURNING id",
        due,
        appointment_id,
        appointment_id,
    )
    assert len(updated) == 1
    reminders = await _wait_for_messages(http, stack, user, last_id)
    [reminder] = reminders
    assert "rendez-vous" in reminder["text"]
    titles = [b["title"] for b in reminder["buttons"]]
    assert titles == ["Je serai là ✅", "Annuler", "Décaler"]
    await asyncio.sleep(2.5)  # more sweeps: still one reminder
    assert await _messages_after(http, stack, user, last_id) == reminders

    cancel = next(b for b in reminder["buttons"] if b["title"] == "Annuler")
    question = await say(http, stack, user, payload=cancel["payload"])
    assert "Tu veux annuler ton rendez-vous" in text_of(question)
    yes = next(b for m in question for b in m["buttons"] if b["title"] == "Oui, annuler")
    done = await say(http, stack, user, payload=yes["payload"])

    assert "C'est annulé" in text_of(done)
    assert query(stack.database_file, "SELECT status FROM appointments") == [("cancelled",)]
    assert query(stack.database_file, "SELECT COUNT(*) FROM appointment_units") == [(0,)]


async def _wait_for_messages(
    http: aiohttp.ClientSession, stack: Stack, user: str, after: int
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        messages = await _messages_after(http, stack, user, after)
        if messages:
            return messages
        await asyncio.sleep(0.5)
    raise AssertionError("no reminder arrived through the web chat")


async def test_a_slot_taken_by_someone_else_meanwhile_is_told_kindly(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first, second = new_user(), new_user()
    offer = await say(http, stack, second, text="je veux un rendez vous")
    chosen, booked = await _pick_first_slot(http, stack, first)
    assert chosen in [b["payload"] for b in _slot_buttons(offer)]
    assert "C'est réservé ✅" in text_of(booked)

    lost = await say(http, stack, second, payload=chosen)

    assert "Ce créneau n'est plus libre" in text_of(lost)
    again = _slot_buttons(lost)
    assert again
    assert chosen not in [b["payload"] for b in again]
    retried = await say(http, stack, second, payload=again[0]["payload"])
    assert "C'est réservé ✅" in text_of(retried)
    await say(http, stack, first, text="Yanis")
    await say(http, stack, second, text="non")  # the first name is optional
    names = query(
        stack.database_file,
        "SELECT first_name FROM appointments WHERE status = 'booked' ORDER BY id",
    )
    assert names == [("Yanis",), (None,)]


async def test_moving_an_appointment_in_the_chat(stack: Stack, http: aiohttp.ClientSession) -> None:
    user = new_user()
    await _pick_first_slot(http, stack, user)
    await say(http, stack, user, text="Lina")

    offer = await say(http, stack, user, text="je peux decaler mon rdv ?")
    assert "On décale ton rendez-vous" in text_of(offer)
    moved = await say(http, stack, user, payload=_slot_buttons(offer)[-1]["payload"])

    assert "C'est décalé ✅" in text_of(moved)
    statuses = query(
        stack.database_file,
        "SELECT status FROM appointments WHERE first_name = 'Lina' ORDER BY id",
    )
    assert statuses == [("rescheduled",), ("booked",)]

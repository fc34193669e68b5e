"""Counsellors on Instagram (#10): inside 24 h a normal reply; from 24 h to 7 days only with
INSTAGRAM_HUMAN_AGENT=1 and then with Meta's HUMAN_AGENT tag; otherwise the console says why and
stores nothing. The bot's own messages are never tagged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.core.messages import Author
from bot.core.reply_window import reply_window
from bot.core.vocabulary import StaffRole
from bot.settings import Settings
from bot.storage.models import Conversation, Message
from bot.wiring import SESSIONS
from tests.channels.instagram.conftest import ALICE, Client, post_signed, push
from tests.conftest import FixedClock
from tests.console.test_inbox import _signed_in
from tests.fake_graph import FakeGraphState, notification, text_event


async def _taken_two_days_later(ig: Client, clock: FixedClock) -> tuple[str, dict[str, str]]:
    assert await post_signed(ig, notification(text_event(ALICE, "mid.1", "salut"))) == 200
    clock.advance(days=2)
    samia = await _signed_in(ig, "samia@ml.fr", "Samia", StaffRole.ADMIN)
    async with ig.app[SESSIONS]() as session:
        conversation_id = await session.scalar(select(Conversation.id))
    base = f"/console/api/conversations/{conversation_id}"
    assert (await ig.post(f"{base}/take", headers=samia)).status == 200
    return base, samia


async def test_after_24_hours_a_counsellor_answers_with_the_human_agent_tag(
    ig_settings: Settings,
    make_client: Callable[[Settings], Awaitable[Client]],
    graph: FakeGraphState,
    clock: FixedClock,
) -> None:
    assert ig_settings.instagram is not None
    with_tag = replace(ig_settings, instagram=replace(ig_settings.instagram, human_agent=True))
    ig = await make_client(with_tag)
    base, samia = await _taken_two_days_later(ig, clock)

    answered = await ig.post(f"{base}/messages", json={"text": "Je te réponds"}, headers=samia)
    _, report = await push(ig, "Rappel du bot", author=Author.BOT)

    assert answered.status == 201
    assert (await answered.json())["delivery"] == "sent"
    tagged = [c.body for c in graph.all_calls() if c.body.get("_accepted")][-1]
    assert (tagged["messaging_type"], tagged["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")
    assert report.undelivered == 1  # the bot is never tagged


async def test_without_the_setting_the_console_says_why_and_stores_nothing(
    ig: Client, clock: FixedClock
) -> None:
    base, samia = await _taken_two_days_later(ig, clock)

    refused = await ig.post(f"{base}/messages", json={"text": "Je te réponds"}, headers=samia)

    assert refused.status == 409
    assert "24 h" in (await refused.json())["error"]["message"]
    async with ig.app[SESSIONS]() as session:
        stored = await session.scalar(
            select(Message.id).where(Message.author == Author.COUNSELLOR.value)
        )
    assert stored is None


def test_the_window_rule() -> None:
    last = datetime(2026, 12, 1, 12, tzinfo=UTC)
    counsellor, bot = Author.COUNSELLOR, Author.BOT

    def at(delta: timedelta, author: Author, agent: bool) -> tuple[bool, str | None]:
        window = reply_window("instagram", last, last + delta, author, human_agent=agent)
        return window.open, window.tag

    assert at(timedelta(hours=23), bot, False) == (True, None)
    assert at(timedelta(hours=25), bot, True) == (False, None)
    assert at(timedelta(hours=25), counsellor, False) == (False, None)
    assert at(timedelta(hours=25), counsellor, True) == (True, "HUMAN_AGENT")
    assert at(timedelta(days=7, minutes=1), counsellor, True) == (False, None)
    assert reply_window("telegram", None, last, bot, human_agent=False).open

"""Instagram (#12): a new young person's first answer carries the privacy notice, once, before
the answer whose quick replies stay last (Instagram shows only the last message's)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.settings import Settings
from bot.wiring import privacy_notice
from tests.channels.instagram.conftest import ALICE, Client, post_signed
from tests.fake_graph import FakeGraphState, notification, text_event


async def test_the_first_answer_carries_the_notice_and_the_second_not(
    ig_settings: Settings,
    make_client: Callable[[Settings], Awaitable[Client]],
    graph: FakeGraphState,
) -> None:
    ig = await make_client(ig_settings)
    page = privacy_notice(ig_settings).page_url

    assert await post_signed(ig, notification(text_event(ALICE, "mid.1", "slt"))) == 200
    first = graph.sent_to(ALICE)
    assert await post_signed(ig, notification(text_event(ALICE, "mid.2", "cv"))) == 200
    second = graph.sent_to(ALICE)[len(first) :]

    assert len(first) == 3
    assert "assistant automatique de la Mission Locale" in first[0]["text"]
    assert page in first[0]["text"]
    assert "quick_replies" in first[-1]
    assert [m["text"] for m in second] == ["écho : cv", "Tu veux un rendez-vous ?"]

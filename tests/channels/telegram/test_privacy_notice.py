"""Telegram (#12): a new young person's first answer carries the privacy notice, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.settings import Settings
from bot.wiring import privacy_notice
from tests.channels.telegram.conftest import CHAT, Client, post_update, ready, settle, until
from tests.fake_telegram import FakeTelegramState, text_update


async def test_the_first_answer_carries_the_notice_and_the_second_not(
    tg_settings: Settings,
    make_client: Callable[[Settings], Awaitable[Client]],
    telegram: FakeTelegramState,
) -> None:
    tg = await ready(await make_client(tg_settings))
    page = privacy_notice(tg_settings).page_url

    assert (await post_update(tg, text_update(10, CHAT, "slt"))).status == 200
    await until(lambda: len(telegram.of("sendMessage")) >= 3)
    await settle(tg)
    assert (await post_update(tg, text_update(11, CHAT, "cv"))).status == 200
    await until(lambda: len(telegram.of("sendMessage")) >= 5)

    texts = [call.params["text"] for call in telegram.of("sendMessage")]
    assert "assistant automatique de la Mission Locale" in texts[0]
    assert page in texts[0]
    assert texts[1:] == ["écho : slt", "Tu veux un rendez-vous ?", "écho : cv",
                         "Tu veux un rendez-vous ?"]  # fmt: skip
    assert "reply_markup" in telegram.of("sendMessage")[2].params  # buttons stay last

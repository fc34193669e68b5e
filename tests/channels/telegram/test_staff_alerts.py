"""The team's Telegram group hears of each hand-over (#10): « Nouvelle demande (urgent :
hébergement) — <link> », with no word of the young person, once per hand-over."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.channels.telegram.staff_alerts import alert_text
from bot.core.live import LiveEvent, LiveKind
from bot.settings import Settings
from tests.channels.telegram.conftest import (
    Client,
    post_update,
    ready,
    settle,
    telegram_settings,
    until,
)
from tests.fake_telegram import FakeTelegramState, text_update

STAFF_GROUP = -1001234567890


async def test_distress_alerts_the_staff_group_once_without_the_young_persons_words(
    sqlite_url: str,
    fake_rasa_url: str,
    telegram_url: str,
    telegram: FakeTelegramState,
    make_client: Callable[[Settings], Awaitable[Client]],
) -> None:
    settings = telegram_settings(
        sqlite_url, fake_rasa_url, telegram_url, TELEGRAM_STAFF_CHAT_ID=str(STAFF_GROUP)
    )
    tg = await ready(await make_client(settings))

    await post_update(tg, text_update(1, 4242, "je dors dehors ce soir, Karim Dupont"))
    await post_update(tg, text_update(2, 4242, "toujours dehors"))
    await settle(tg)

    def alerts() -> list[str]:
        return [
            str(c.params["text"])
            for c in telegram.of("sendMessage")
            if str(c.params.get("chat_id")) == str(STAFF_GROUP)
        ]

    await until(lambda: len(alerts()) == 1)
    [alert] = alerts()
    assert alert.startswith("Nouvelle demande (urgent : hébergement) — http")
    assert "/console/conversations/" in alert
    assert "dehors" not in alert
    assert "Karim" not in alert


def test_the_alert_names_why_without_words() -> None:
    asked = LiveEvent(3, LiveKind.STATE, "waiting_for_counsellor", False, "asked")
    down = LiveEvent(4, LiveKind.STATE, "waiting_for_counsellor", False, "rasa_down")
    assert alert_text(asked, "https://ml.example/") == (
        "Nouvelle demande (a demandé à parler à quelqu'un) — "
        "https://ml.example/console/conversations/3"
    )
    assert "(assistant en panne)" in alert_text(down, "https://ml.example")

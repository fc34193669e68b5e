"""Alerts to the team's Telegram group when a conversation goes to the counsellors (#10):
« Nouvelle demande (urgent : hébergement) — <link to the console> ». Never a word of the young
person, never who they are: the link opens the console, which checks who may read it.

Only the process that made the hand-over sends the alert (bot/core/live.py, Announcer hooks),
so several bot processes never alert twice."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from bot.console.inbox import REASON_LABELS, reasons_label
from bot.core.live import LiveEvent
from bot.core.vocabulary import HandoffReason

logger = logging.getLogger(__name__)


def alert_text(event: LiveEvent, public_url: str) -> str:
    """« Nouvelle demande (urgent : hébergement) — https://…/console/conversations/12 »."""
    link = f"{public_url.rstrip('/')}/console/conversations/{event.conversation_id}"
    if event.urgent:
        kinds = reasons_label(event.kinds)
        what = f"urgent : {kinds}" if kinds else "urgent"
    elif event.reason is not None:
        what = REASON_LABELS[HandoffReason(event.reason)]
    else:
        return f"Nouvelle demande — {link}"
    return f"Nouvelle demande ({what}) — {link}"


class StaffAlerts:
    """Sends the alert; a failure is logged (the console still shows the conversation)."""

    def __init__(self, bot: Bot, chat_id: int, public_url: str) -> None:
        self._bot, self._chat_id, self._public_url = bot, chat_id, public_url

    async def __call__(self, event: LiveEvent) -> None:
        try:
            await self._bot.send_message(self._chat_id, alert_text(event, self._public_url))
        except TelegramError as error:
            logger.warning(
                "staff alert for conversation %s not sent: %s",
                event.conversation_id,
                type(error).__name__,
            )

"""Help beyond employment (housing, mobility, health, money): the answer for the topic named."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.content.texts import reply_text

TOPICS = ("logement", "mobilite", "sante", "argent")


class ActionOtherSupport(Action):
    def name(self) -> str:
        return "action_other_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = next(tracker.get_latest_entity_values("support_topic"), None)
        if topic in TOPICS:
            dispatcher.utter_message(
                text=reply_text("other_support", str(topic)),
                buttons=[
                    {"title": reply_text("other_support", "button_rdv"),
                     "payload": "/book_appointment"},
                ],
            )  # fmt: skip
            return []
        dispatcher.utter_message(
            text=reply_text("other_support", "menu"),
            buttons=[
                {
                    "title": reply_text("other_support", f"button_{name}"),
                    "payload": f'/ask_other_support{{"support_topic": "{name}"}}',
                }
                for name in TOPICS
            ],
        )
        return []

"""Not understood (low confidence or out of scope): a question about a subject is answered after
all (bot/core/topics.py); otherwise ask to rephrase once, then offer a human."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import say_booked_elsewhere
from actions.check_in import check_in, distress_close
from actions.forms import bot_action_before_message
from actions.topics import answer_topic, remembered, simple_french, topic_question
from bot.booking.reading import booked_elsewhere
from bot.content.texts import reply_text
from bot.core.distress import normalize
from bot.core.messages import GENERIC_SIGNAL
from bot.rasa.payloads import payload

NAME = "action_not_understood"
# « tu sers à quoi ? », « tu fais quoi toi ? »: what the bot is for (its greeting says it).
_WHAT_FOR = re.compile(
    r"\b(?:tu sers|tu sert|ca sert|t es la pour|tu es la pour|tu fais|tu peux faire) "
    r"(?:a quoi|quoi|koi)\b|\bt es qui\b|\bc est quoi ce bot\b"
)


def _previous_turn_was_not_understood(tracker: Tracker) -> bool:
    """Whether the bot's last answer before this message was also this action."""
    return bot_action_before_message(tracker) == NAME


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        simple = await simple_french(dispatcher, tracker)
        if simple is not None:
            return simple
        if distress_close(tracker):
            # « je sais plus quoi faire de ma vie » read as noise: asked, not « pas compris ».
            check_in(dispatcher)
            return []
        text = str((tracker.latest_message or {}).get("text") or "")
        if booked_elsewhere(text):  # « je l'avais pris par téléphone »
            await say_booked_elsewhere(dispatcher)
            return []
        if _WHAT_FOR.search(normalize(text)):
            dispatcher.utter_message(response="utter_greet")  # what the bot is for
            return []
        question = topic_question(tracker)
        if question is not None:
            # Understood after all: a point about a subject (« ca dure cmb » after the PACEA).
            events = await answer_topic(dispatcher, tracker, domain, *question)
            return [*events, *remembered(tracker)]
        if _previous_turn_was_not_understood(tracker):
            dispatcher.utter_message(
                text=reply_text("not_understood", "again"),
                buttons=[
                    {
                        "title": reply_text("not_understood", "button_human"),
                        "payload": payload("request_human"),
                    },
                    {
                        "title": reply_text("not_understood", "button_cej"),
                        "payload": payload("ask_cej"),
                    },
                ],
            )
            dispatcher.utter_message(json_message={"signal": GENERIC_SIGNAL})
            return []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        key = "out_of_scope" if intent == "out_of_scope" else "first"
        dispatcher.utter_message(
            text=reply_text("not_understood", key),
            buttons=[
                {
                    "title": reply_text("not_understood", "button_cej"),
                    "payload": payload("ask_cej"),
                },
                {
                    "title": reply_text("not_understood", "button_job"),
                    "payload": payload("look_for_job"),
                },
            ],
        )
        dispatcher.utter_message(json_message={"signal": GENERIC_SIGNAL})
        return []

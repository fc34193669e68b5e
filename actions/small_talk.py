"""Hello, yes, no, « t'es un robot ? »: their own answer (domain.yml `utter_<intent>`), unless
the words ask a point about the subject of the conversation. Short follow-ups are often read as
one of these intents (« c pour qui ? » as affirm, « et c'est qui qui paie ? » as bot_challenge):
the question is answered in its subject instead of a menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.check_in import check_in, distress_close
from actions.topics import answer_topic, topic_question
from bot.core.topics import read_point

NAME = "action_short_reply"
INTENTS = frozenset({"greet", "affirm", "deny", "bot_challenge"})


class ActionShortReply(Action):
    def name(self) -> str:
        return NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        text = str(latest.get("text") or "")
        intent = str((latest.get("intent") or {}).get("name") or "")
        if distress_close(tracker):
            check_in(dispatcher)
            return []
        question = topic_question(tracker)
        if question is not None and not text.startswith("/") and read_point(text) is not None:
            return await answer_topic(dispatcher, tracker, domain, *question)
        dispatcher.utter_message(response=f"utter_{intent if intent in INTENTS else 'affirm'}")
        return []

"""A young person asks for a human: the conversation waits for a counsellor; the bot goes quiet."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import NAME as NOT_UNDERSTOOD
from actions.forms import bot_action_before_message
from actions.topics import answer_topic, topic_question
from bot.content.texts import reply_text
from bot.core import handoff
from bot.core.action_services import services
from bot.core.team_hours import reopening_if_closed
from bot.core.topics import read_topic
from bot.core.vocabulary import HandoffReason
from bot.storage import conversations as store


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = services()
        now = context.clock.now()
        # After « pas compris » (its second time offers a human): the bot failed, not asked.
        reason = (
            HandoffReason.NOT_UNDERSTOOD
            if bot_action_before_message(tracker) == NOT_UNDERSTOOD
            else HandoffReason.ASKED
        )
        event = None
        async with context.sessions() as session, session.begin():
            reopens = await reopening_if_closed(session, now)
            conversation = await store.open_conversation_of_sender(session, tracker.sender_id, now)
            if conversation is not None:
                event = await handoff.hand_over(session, conversation, reason, now)
        if context.announcer is not None:
            await context.announcer.announce(event)
        if reopens is None:
            dispatcher.utter_message(text=reply_text("request_human", "open"))
        else:
            dispatcher.utter_message(text=reply_text("request_human", "closed", reopening=reopens))
        text = str((tracker.latest_message or {}).get("text") or "")
        if not text.startswith("/") and read_topic(text) is not None:
            # « je veux parler à quelqu'un de ma sexualité » out of hours: what helps meanwhile
            # (Fil Santé Jeunes, anonymous), while the request waits for the team.
            question = topic_question(tracker)
            if question is not None:
                return await answer_topic(dispatcher, tracker, domain, *question)
        return []

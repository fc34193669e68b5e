"""Distress recognised by Rasa's NLU: the emergency numbers for what was said, and the urgent flag.

When the bot's own keyword detection already answered (metadata `distress_handled`), this action
stays silent, so the numbers are never sent twice. When only the NLU read distress in a message
that laughs (« au bout de ma vie mdr »), or in a follow-up question about the subject of the
conversation (« et pour moi ? jsui mineur »), it asks instead of assuming, with a button for the
numbers and one for a human, and answers the question.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.check_in import check_in
from actions.confirmation import in_crisis_context
from actions.topics import answer_topic, follow_up_question
from bot.core.action_services import services
from bot.core.distress import DistressKind, classify, laughs, load_distress_content
from bot.core.messages import DISTRESS_SIGNAL
from bot.storage import conversations as store

UNSPECIFIED = "unspecified"


class ActionDistress(Action):
    def name(self) -> str:
        return "action_distress"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        if (latest.get("metadata") or {}).get("distress_handled"):
            return []
        text = str(latest.get("text") or "")
        content = load_distress_content()
        if laughs(text):
            # Only the NLU read distress, in a message that laughs: asked, not assumed.
            check_in(dispatcher)
            return []
        follow_up = None if in_crisis_context(tracker) else follow_up_question(tracker)
        if follow_up is not None:
            # « et pour moi ? jsui mineur » right after the CEJ amounts, read as distress by the
            # NLU alone (the net found nothing): asked, and the question answered.
            check_in(dispatcher)
            return await answer_topic(dispatcher, tracker, domain, *follow_up)
        kinds: frozenset[DistressKind] = classify(text)
        reply = content.reply(kinds)
        dispatcher.utter_message(
            text=reply.text,
            buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons],
        )
        dispatcher.utter_message(json_message={"signal": DISTRESS_SIGNAL})
        context = services()
        now = context.clock.now()
        async with context.sessions() as session, session.begin():
            conversation = await store.open_conversation_of_sender(session, tracker.sender_id, now)
            if conversation is not None:
                reasons = [k.value for k in kinds] or [UNSPECIFIED]
                await store.flag_urgent(session, conversation, reasons, now)
        return []

"""Distress recognised by Rasa's NLU: the emergency numbers for what was said, and the urgent flag.

When the bot's own keyword detection already answered (metadata `distress_handled`), this action
stays silent, so the numbers are never sent twice. When only the NLU read distress in a message
that laughs (« au bout de ma vie mdr »), it asks instead of assuming, with a button for the numbers
and one for a human.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.action_services import services
from bot.core.distress import DistressKind, classify, laughs, load_distress_content
from bot.core.messages import DISTRESS_SIGNAL
from bot.storage import conversations as store

UNSPECIFIED = "unspecified"
# When distress is not the NLU's reading but comes close behind (its confidence in the ranking at
# least this), a generic answer starts by asking « ça ne va pas ? » (no numbers, no urgent flag).
# Measured on bench/distress/dev.yml (python -m bench.eval_distress --set dev, 2026-12-04): 0.25
# asks 3 more of the 105 distress messages the NLU missed, and 12 of 1 062 ordinary ones.
CHECK_IN_SCORE = 0.25


def distress_close(tracker: Tracker) -> bool:
    """Distress is the NLU's runner-up, close enough to ask (and the bot has not answered it)."""
    latest = tracker.latest_message or {}
    if (latest.get("metadata") or {}).get("distress_handled"):
        return False
    if str(latest.get("text") or "").startswith("/"):
        return False
    ranking = latest.get("intent_ranking") or []
    score = next(
        (float(r.get("confidence") or 0) for r in ranking if r.get("name") == "distress"), 0.0
    )
    return (latest.get("intent") or {}).get("name") != "distress" and score >= CHECK_IN_SCORE


def check_in(dispatcher: CollectingDispatcher) -> None:
    """« Je ne suis pas sûr de bien comprendre… » with « Ça ne va pas » and a human."""
    reply = load_distress_content().check_in_reply()
    dispatcher.utter_message(
        text=reply.text, buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons]
    )


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

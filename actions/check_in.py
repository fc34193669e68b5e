"""« Ça ne va pas ? »: asked, not assumed, when distress is only a close second reading of a
message, or the NLU's reading of a follow-up question (no numbers, no urgent flag; a button gives
them)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.core.distress import load_distress_content

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

"""The crisis context: after distress, the next turns of the conversation stay in it.

For a day after a conversation was flagged urgent, every bot turn ends with the numbers of what
was said and a human offered again; a generic answer (not understood, « c'est noté », the menu)
is dropped rather than bounce a young person in crisis back to a menu.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.distress import DistressContent
from bot.core.messages import DISTRESS_SIGNAL, GENERIC_SIGNAL, BotReply, EngineTurn

CRISIS_CONTEXT = timedelta(hours=24)


def crisis_reasons(
    urgent_at: datetime | None, urgent_reasons: str | None, now: datetime
) -> frozenset[str] | None:
    """The situations of a crisis still in context (kinds, or « unspecified »); None if none."""
    if urgent_at is None or now - urgent_at > CRISIS_CONTEXT:
        return None
    return frozenset(filter(None, (urgent_reasons or "").split(","))) or frozenset({"unspecified"})


def crisis_turn(
    turn: EngineTurn, reasons: frozenset[str], content: DistressContent
) -> list[BotReply]:
    """Rasa's answer within a crisis context."""
    if DISTRESS_SIGNAL in turn.signals:
        return list(turn.replies)  # the numbers were just given in full
    kept = [] if GENERIC_SIGNAL in turn.signals else list(turn.replies)
    return [*kept, content.follow_up(reasons)]


# The payload mark of a button that confirms a destructive action (erase, unsubscribe, cancel):
# bot/rasa/payloads.py writes `{"confirm": "oui"}`.
_CONFIRMS = '"confirm": "oui"'


def without_destructive_questions(replies: list[BotReply]) -> list[BotReply]:
    """A message that carries distress never leads to « tu veux tout effacer ? » (« envie de
    tout supprimer, moi avec »): such questions are dropped from Rasa's answer."""
    return [r for r in replies if not any(_CONFIRMS in b.payload for b in r.buttons)]

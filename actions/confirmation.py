"""When a destructive or silencing action (unsubscribe, erase, cancel) may run: on a tapped
button that carries the confirmation, or an exact stop command; never on a message read with
some uncertainty, and never on a message that carries distress."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.forms import bot_action_before_message
from bot.core.distress import normalize

CONFIRMED = "oui"
# Commands that mean « stop your information messages » and nothing else, once folded (lower
# case, no accents or punctuation). Anything longer or different is asked back first.
STOP_COMMANDS = frozenset(
    {
        "stop", "stopp", "arret", "arrete", "arreter", "unsubscribe", "desabonner",
        "me desabonner", "desabonne moi", "desabonnement", "desinscription", "desinscrire",
        "me desinscrire", "stop infos", "stop info", "stop messages", "stop les messages",
        "stop sms", "stop pub", "stop notifications", "stop les infos", "plus de messages",
    }
)  # fmt: skip


def _latest(tracker: Tracker) -> dict[str, Any]:
    return tracker.latest_message or {}


def carries_distress(tracker: Tracker) -> bool:
    """The bot's own net recognised danger in the latest message (it answered with the
    numbers before Rasa was asked)."""
    return bool((_latest(tracker).get("metadata") or {}).get("distress_handled"))


def in_crisis_context(tracker: Tracker) -> bool:
    """The conversation had distress in the last day (bot/core/crisis.py): a bare « STOP »
    may mean « leave me alone », so it is asked back rather than obeyed."""
    return bool((_latest(tracker).get("metadata") or {}).get("crisis_context"))


def confirmed_by_button(tracker: Tracker) -> bool:
    """The latest message is a tapped button whose payload confirms (`{"confirm": "oui"}`):
    typed text never fills this entity, whatever the entity extractor thinks."""
    latest = _latest(tracker)
    if not str(latest.get("text") or "").startswith("/"):
        return False
    entities = latest.get("entities") or ()
    return any(e.get("entity") == "confirm" and e.get("value") == CONFIRMED for e in entities)


# A plain yes, typed right after the bot asked « tu veux que j'efface tout ? ».
PLAIN_YES = frozenset(
    {
        "oui", "ouais", "ouai", "oui oui", "ui", "wi", "yes", "ok", "okay", "oui stp", "oui svp",
        "oui vas y", "vas y", "d accord", "daccord", "oui efface", "oui efface tout",
        "oui supprime", "oui supprime tout", "efface", "efface tout", "supprime tout", "c bon",
        "oui c bon", "oui je suis sur", "oui je suis sure", "je confirme", "oui je confirme",
    }
)  # fmt: skip


def confirmed_in_words(tracker: Tracker, question: str) -> bool:
    """The latest message is a plain yes (nothing else) and the bot's last words were the
    question `question` (a response name): a confirmation as certain as the button."""
    if normalize(str(_latest(tracker).get("text") or "")) not in PLAIN_YES:
        return False
    if carries_distress(tracker) or in_crisis_context(tracker):
        return False  # within a crisis, only the button erases or cancels
    return bot_action_before_message(tracker) == question


def is_stop_command(tracker: Tracker) -> bool:
    """The latest message is exactly a stop command (« STOP », « me désabonner »…)."""
    return normalize(str(_latest(tracker).get("text") or "")) in STOP_COMMANDS

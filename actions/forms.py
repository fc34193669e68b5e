"""Reading the tracker, for forms' validators and actions: whether the latest message answers
the form's question, what the bot did just before it, and the `choice` entity a button carries."""

from __future__ import annotations

from rasa_sdk import Tracker

REQUESTED_SLOT = "requested_slot"
# Actions Rasa runs on its own between a message and the form; anything else means the form is
# not reading an answer (it is starting, or coming back after another question).
_TRANSPARENT_ACTIONS = frozenset({"action_listen", "action_extract_slots", None})


def is_reading_an_answer(tracker: Tracker, form: str) -> bool:
    """Whether the latest message answers the question `form` asked (not the form starting,
    nor the form resuming after a question about something else)."""
    if (tracker.active_loop or {}).get("name") != form or not tracker.get_slot(REQUESTED_SLOT):
        return False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "active_loop":
            return False
        if kind == "action" and event.get("name") not in _TRANSPARENT_ACTIONS | {form}:
            return False
    return False


def bot_action_before_message(tracker: Tracker) -> str | None:
    """What the bot did last before the latest message (an action or response name)."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_message:
                return None
            seen_message = True
        elif seen_message and event.get("event") == "action":
            name = event.get("name")
            if name not in ("action_listen", None):
                return str(name)
    return None


def choice_of(tracker: Tracker) -> str | None:
    """The `choice` entity of the latest message (a button's « <question>=<value> »)."""
    latest = tracker.latest_message or {}
    return next(
        (str(e.get("value")) for e in latest.get("entities") or () if e.get("entity") == "choice"),
        None,
    )


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def latest_text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")

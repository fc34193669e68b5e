"""Trackers as Rasa sends them to custom actions, built with Tracker.from_dict."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.eligibility.questionnaire import FORM as ELIGIBILITY_FORM

Events = list[dict[str, Any]]


def form_tracker(
    sender: str,
    text: str,
    slots: dict[str, Any] | None = None,
    requested: str | None = "elig_age",
    intent: str = "inform",
    confidence: float = 0.9,
    entities: list[dict[str, Any]] | None = None,
    since_message: Events | None = None,
    form: str = ELIGIBILITY_FORM,
) -> Tracker:
    """The tracker Rasa sends to a form's validator after a message (or, with
    `since_message`, after other actions ran since the message)."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "metadata": {},
    }
    events: Events = [
        {"event": "action", "name": form},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest},
        *(since_message or []),
        {"event": "slot", "name": "requested_slot", "value": requested},
        {"event": "action", "name": form},
    ]
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": {**(slots or {}), "requested_slot": requested},
            "latest_message": latest,
            "events": events,
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": form},
            "latest_action_name": form,
        }
    )


def slots_of(events: Events) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def message_tracker(
    sender: str,
    text: str,
    intent: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    slots: dict[Any, Any] | None = None,
) -> Tracker:
    """The tracker an action outside a form gets right after a message."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.95},
        "entities": entities or [],
        "metadata": {},
    }
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": dict(slots or {}),
            "latest_message": latest,
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": latest},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def choice(value: str) -> list[dict[str, Any]]:
    """The `choice` entity a button's payload carries."""
    return [{"entity": "choice", "value": value}]

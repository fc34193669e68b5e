"""Button payloads as Rasa reads them: an intent and its entities, `/intent{"entity": "value"}`."""

from __future__ import annotations

import json


def payload(intent: str, **entities: str) -> str:
    """`/intent` alone, or `/intent{"entity": "value", …}` (JSON, as Rasa parses it)."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def appointment_choice(appointment_id: int) -> str:
    """The `choice` entity that names one appointment on a button: « rdv=<id> »."""
    return f"rdv={appointment_id}"

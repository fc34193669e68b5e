"""What staff read about a source: its figures and links, as JSON (CLI and staff API alike)."""

from __future__ import annotations

from datetime import datetime

from bot.outreach.links import links_for
from bot.settings import Settings
from bot.storage.sources import SourceFigures


def figures_json(settings: Settings, figures: SourceFigures) -> dict[str, object]:
    return {
        "code": figures.code,
        "label": figures.label,
        "kind": figures.kind,
        "active": figures.active,
        "contacts": figures.contacts,
        "by_channel": figures.by_channel,
        "first_contact_at": _iso(figures.first_contact_at),
        "last_contact_at": _iso(figures.last_contact_at),
        "appointments_booked": figures.appointments_booked,
        "appointments_attended": figures.appointments_attended,
        "links": links_for(settings, figures.code).as_dict(),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None

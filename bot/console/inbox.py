"""The console's inbox (#10): which conversations a counsellor sees, in which order, and how a
row reads (« Jeune n° 12 », « 16-17 ans », « attend depuis 12 min »)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.distress import DistressKind
from bot.core.messages import ConversationState
from bot.core.vocabulary import HandoffReason
from bot.storage import inbox as store
from bot.storage.inbox import InboxQuery, InboxRow
from bot.storage.models import StaffAccount

PREVIEW_CHARS = 80
OPEN_STATES = (
    ConversationState.WAITING_FOR_COUNSELLOR,
    ConversationState.WITH_COUNSELLOR,
    ConversationState.BOT,
)


class InboxFilter(StrEnum):
    WAITING = "waiting"  # waiting for someone, or urgent and held by nobody
    MINE = "mine"
    UNASSIGNED = "unassigned"  # open, held by nobody (with the bot or waiting)
    ALL = "all"  # every open conversation
    CLOSED = "closed"


FILTER_LABELS = {
    InboxFilter.ALL: "Toutes",
    InboxFilter.WAITING: "En attente",
    InboxFilter.MINE: "Les miennes",
    InboxFilter.UNASSIGNED: "Sans conseiller",
    InboxFilter.CLOSED: "Closes",
}
STATE_LABELS = {
    ConversationState.BOT: "avec l'assistant",
    ConversationState.WAITING_FOR_COUNSELLOR: "en attente",
    ConversationState.WITH_COUNSELLOR: "prise en charge",
    ConversationState.CLOSED: "close",
}
REASON_LABELS = {
    HandoffReason.ASKED: "a demandé à parler à quelqu'un",
    HandoffReason.NOT_UNDERSTOOD: "l'assistant n'a pas compris",
    HandoffReason.DISTRESS: "détresse",
    HandoffReason.RASA_DOWN: "assistant en panne",
}
URGENT_LABELS: dict[str, str] = {
    DistressKind.IMMEDIATE_DANGER: "danger immédiat",
    DistressKind.SUICIDE: "idées suicidaires",
    DistressKind.SHELTER: "hébergement",
    DistressKind.CHILD_DANGER: "mineur en danger",
    DistressKind.PARTNER_VIOLENCE: "violences conjugales",
    DistressKind.VIOLENCE: "violence",
    DistressKind.HUNGER: "faim",
}
CHANNEL_LABELS = {"webchat": "Web", "telegram": "Telegram", "instagram": "Instagram"}


async def conversations_for(
    session: AsyncSession, viewer: StaffAccount, which: InboxFilter, site_id: int | None = None
) -> list[InboxRow]:
    """Urgent first, then waiting (oldest first), then the viewer's own, then the others (most
    recently active first)."""
    query = {
        InboxFilter.WAITING: InboxQuery(
            [ConversationState.WAITING_FOR_COUNSELLOR], viewer.id, or_urgent=True
        ),
        InboxFilter.MINE: InboxQuery(OPEN_STATES, viewer.id, assigned_to=viewer.id),
        InboxFilter.UNASSIGNED: InboxQuery(OPEN_STATES, viewer.id, unassigned=True),
        InboxFilter.ALL: InboxQuery(OPEN_STATES, viewer.id),
        InboxFilter.CLOSED: InboxQuery([ConversationState.CLOSED], viewer.id),
    }[which]
    if site_id is not None:
        query = InboxQuery(
            query.states,
            query.viewer_id,
            query.or_urgent,
            query.assigned_to,
            query.unassigned,
            site_id,
        )
    return await store.inbox_rows(session, query)


def preview(text: str | None) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1] + "…"


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    if age < 16:
        return "moins de 16 ans"
    if age < 18:
        return "16-17 ans"
    if age <= 25:
        return "18-25 ans"
    return "plus de 25 ans"


def waited(since: datetime, now: datetime) -> str:
    """« 5 min », « 2 h 10 », « 3 j »."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60:02d}"
    return f"{minutes // (24 * 60)} j"


def reasons_label(reasons: str | None) -> str:
    """Distress kinds as words (kinds only: never the young person's own words)."""
    kinds = [k for k in (reasons or "").split(",") if k]
    return ", ".join(URGENT_LABELS.get(kind, kind) for kind in kinds)


@dataclass(frozen=True, slots=True)
class RowView:
    """One inbox row as the page and the JSON API show it."""

    row: InboxRow
    now: datetime

    @property
    def who(self) -> str:
        return self.row.first_name or f"Jeune n° {self.row.contact_id}"

    @property
    def waiting(self) -> bool:
        return self.row.state == ConversationState.WAITING_FOR_COUNSELLOR

    @property
    def waited(self) -> str:
        return waited(self.row.state_since, self.now)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[ConversationState(self.row.state)]

    @property
    def reason_label(self) -> str | None:
        reason = self.row.handoff_reason
        return None if reason is None else REASON_LABELS[HandoffReason(reason)]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.row.channel, self.row.channel)

    def json(self) -> dict[str, object]:
        row = self.row
        return {
            "id": row.id,
            "contact_id": row.contact_id,
            "state": row.state,
            "urgent": row.urgent,
            "urgent_reasons": [k for k in (row.urgent_reasons or "").split(",") if k],
            "handoff_reason": row.handoff_reason,
            "channel": row.channel,
            "assigned_to": row.assigned_name,
            "who": self.who,
            "age_band": age_band(row.age),
            "source": row.source,
            "site": row.site,
            "waiting_since": row.state_since.isoformat() if self.waiting else None,
            "last_message_at": row.last_message_at.isoformat() if row.last_message_at else None,
            "preview": preview(row.preview),
            "unanswered": row.unanswered,
        }

"""One conversation as a counsellor sees it (#10): the handoff packet at the top (why it was
handed over, what the bot understood, the questionnaire, appointments, first contact and
source, the channel and its reply window), then the transcript with what the team did."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.staff_view import appointment_json
from bot.console.inbox import CHANNEL_LABELS, REASON_LABELS, STATE_LABELS, age_band, reasons_label
from bot.core.messages import Author, ConversationState, Reading
from bot.core.ports import TrackerReader
from bot.core.reply_window import ReplyWindow, reply_window
from bot.core.vocabulary import ConversationEventKind, HandoffReason, Orientation
from bot.storage import appointments, transcripts
from bot.storage.models import EligibilityProfile
from bot.storage.outbox import recipient_of

ORIENTATION_LABELS = {
    Orientation.SCHOOL: "moins de 16 ans : école",
    Orientation.KEEP_STUDYING: "poursuivre ses études ou sa formation",
    Orientation.CEJ: "Contrat d'engagement jeune (CEJ)",
    Orientation.PACEA: "PACEA",
    Orientation.FRANCE_TRAVAIL: "France Travail (au-delà de l'âge)",
}
ANSWER_LABELS = {
    "age": "Âge",
    "birth_year": "Année de naissance",
    "town": "Commune",
    "activity": "Situation",
    "contract": "Contrat",
    "weekly_hours": "Heures par semaine",
    "followed_by": "Déjà suivi par",
    "rqth": "RQTH",
    "tax_situation": "Situation fiscale",
    "monthly_income": "Revenus par mois",
}
EVENT_LABELS = {
    ConversationEventKind.TAKEN: "prise en charge par {staff}",
    ConversationEventKind.REASSIGNED: "confiée à {target} par {staff}",
    ConversationEventKind.RELEASED: "rendue à l'assistant par {staff}",
    ConversationEventKind.CLOSED: "close par {staff}",
    ConversationEventKind.NOTE: "note privée de {staff}",
}
AUTHOR_LABELS = {
    Author.YOUNG_PERSON: "Jeune",
    Author.BOT: "Assistant",
    Author.COUNSELLOR: "Conseiller",
    Author.SYSTEM: "Service",
}
GONE = "compte supprimé"


@dataclass(frozen=True, slots=True)
class ConversationView:
    """The page's and the JSON's content (`json()`); None fields are simply not shown."""

    header: transcripts.Header
    readings: list[Reading]
    appointments: list[dict[str, object]]
    window: ReplyWindow
    lines: list[transcripts.Line]

    @property
    def state(self) -> ConversationState:
        return ConversationState(self.header.conversation.state)

    @property
    def who(self) -> str:
        """The first name the young person gave when booking, else « Jeune n° … »."""
        for appointment in self.appointments:
            if appointment.get("first_name"):
                return str(appointment["first_name"])
        return f"Jeune n° {self.header.contact_id}"

    def packet(self) -> dict[str, object]:
        conversation, profile = self.header.conversation, self.header.profile
        reason = conversation.handoff_reason
        return {
            "reason": reason,
            "reason_label": None if reason is None else REASON_LABELS[HandoffReason(reason)],
            "urgent": conversation.urgent,
            "urgent_label": reasons_label(conversation.urgent_reasons) or None,
            "understood": [
                {
                    "intent": r.intent,
                    "confidence": None if r.confidence is None else round(r.confidence, 2),
                    "at": None if r.at is None else r.at.isoformat(),
                }
                for r in self.readings
            ],
            "questionnaire": _questionnaire(profile),
            "appointments": self.appointments,
            "first_contact_at": self.header.first_contact_at.isoformat(),
            "source": self.header.source,
            "channel": self.header.channel,
            "channel_label": CHANNEL_LABELS.get(self.header.channel, self.header.channel),
            "reply_window": {
                "open": self.window.open,
                "until": None if self.window.until is None else self.window.until.isoformat(),
                "tag": self.window.tag,
                "why": self.window.why,
            },
        }

    def conversation(self) -> dict[str, object]:
        conversation = self.header.conversation
        return {
            "id": conversation.id,
            "contact_id": self.header.contact_id,
            "state": conversation.state,
            "state_label": STATE_LABELS[self.state],
            "urgent": conversation.urgent,
            "channel": self.header.channel,
            "assigned_to": self.header.holder_name,
            "assigned_to_id": self.header.holder_id,
            "updated_at": conversation.updated_at.isoformat(),
        }

    def messages(self) -> list[dict[str, object]]:
        return [
            {
                "id": line.id,
                "author": line.author,
                "label": line_label(line),
                "text": line.text,
                "created_at": line.created_at.isoformat(),
                "event": line.event,
                "status": line.status,
            }
            for line in self.lines
        ]

    def json(self) -> dict[str, object]:
        return {
            "conversation": self.conversation(),
            "packet": self.packet(),
            "messages": self.messages(),
        }


def line_label(line: transcripts.Line) -> str:
    """« Jeune », « Assistant », or for the team's lines « prise en charge par Samia »."""
    if line.event is None:
        return AUTHOR_LABELS.get(Author(line.author), line.author)
    return EVENT_LABELS[ConversationEventKind(line.event)].format(
        staff=line.staff or GONE, target=line.target or GONE
    )


def _questionnaire(profile: EligibilityProfile | None) -> dict[str, object] | None:
    if profile is None:
        return None
    answers = {
        label: getattr(profile, column)
        for column, label in ANSWER_LABELS.items()
        if getattr(profile, column) is not None
    }
    orientation = profile.orientation
    allowance = None
    if profile.allowance_min is not None:
        low, high = profile.allowance_min, profile.allowance_max or profile.allowance_min
        allowance = f"{low:.0f} €" if low == high else f"{low:.0f} à {high:.0f} €"
    return {
        "answers": {k: str(v) for k, v in answers.items()},
        "age_band": age_band(profile.age),
        "orientation": orientation,
        "orientation_label": None
        if orientation is None
        else ORIENTATION_LABELS[Orientation(orientation)],
        "allowance": allowance,
        "completed": profile.completed_at is not None,
    }


async def conversation_view(
    session: AsyncSession,
    conversation_id: int,
    now: datetime,
    tracker: TrackerReader,
    *,
    human_agent: bool,
) -> ConversationView | None:
    header = await transcripts.header(session, conversation_id)
    if header is None:
        return None
    recipient = await recipient_of(session, conversation_id)
    window = reply_window(
        header.channel,
        None if recipient is None else recipient.last_incoming_at,
        now,
        Author.COUNSELLOR,
        human_agent=human_agent,
    )
    return ConversationView(
        header=header,
        readings=await tracker.recent_readings(header.public_id),
        appointments=[
            appointment_json(a) for a in await appointments.of_contact(session, header.contact_id)
        ],
        window=window,
        lines=await transcripts.transcript(session, conversation_id),
    )

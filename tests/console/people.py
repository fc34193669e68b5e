"""A young person with something in every table that can refer to them (#12), and how to count
what is left about them in the bot's database and in Rasa's tracker."""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from aiohttp import web
from sqlalchemy import ColumnElement, func, or_, select

from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.storage import consents
from bot.storage import conversations as store
from bot.storage.models import (
    AppointmentReminder,
    Base,
    Campaign,
    CampaignDelivery,
    Contact,
    Conversation,
    EligibilityProfile,
    Message,
    OutreachSource,
)
from bot.wiring import CLOCK, SESSIONS
from tests.booking.factories import make_appointment, make_counsellor, make_site


@dataclass(frozen=True, slots=True)
class Person:
    contact_id: int
    conversation_id: int
    public_id: str
    words: str  # what they wrote: found nowhere once erased


async def make_person(app: web.Application, tracker_file: Path, words: str) -> Person:
    """A contact waiting for a counsellor, who wrote `words`, with questionnaire answers, an
    appointment and its reminder, a yes then a stop to the news, a campaign delivery, an
    outreach source, and events in Rasa's tracker."""
    now = app[CLOCK].now()
    async with app[SESSIONS]() as session, session.begin():
        identity = await store.get_or_create_identity(
            session, "webchat", secrets.token_hex(16), now
        )
        conversation = await store.open_conversation(session, identity, now)
        await store.insert_messages(
            session,
            [
                store.message_row(
                    conversation_id=conversation.id,
                    direction=Direction.IN,
                    author=Author.YOUNG_PERSON,
                    status=MessageStatus.HELD,
                    now=now,
                    text=words,
                )
            ],
        )
        await store.set_conversation_state(
            session, conversation.id, ConversationState.WAITING_FOR_COUNSELLOR, now
        )
        source = OutreachSource(
            code=secrets.token_hex(4), label="Affiche boulangerie", kind="poster", created_at=now
        )
        session.add(source)
        await session.flush()
        contact = await session.get_one(Contact, identity.contact_id)
        contact.source_id = source.id
        session.add(
            EligibilityProfile(
                contact_id=identity.contact_id,
                age=19,
                town="Le Lamentin",
                activity="none",
                allowance_min=Decimal("545.00"),
                updated_at=now,
            )
        )
        site = await make_site(session, now)
        counsellor = await make_counsellor(session, site, now, name="Agenda")
        appointment = await make_appointment(
            session, identity, counsellor, now + timedelta(days=2), now, first_name="Lina"
        )
        session.add(
            AppointmentReminder(
                appointment_id=appointment.id,
                lead_minutes=1440,
                due_at=appointment.starts_at - timedelta(days=1),
                status="scheduled",
            )
        )
        await consents.opt_in(session, identity.public_id, now)
        await consents.opt_out(session, identity.public_id, now + timedelta(hours=1))
        campaign = Campaign(
            title="Forum de l'emploi",
            text="Viens au forum",
            targets=["webchat"],
            status="done",
            send_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(campaign)
        await session.flush()
        session.add(
            CampaignDelivery(
                campaign_id=campaign.id,
                channel_identity_id=identity.id,
                state="sent",
                updated_at=now,
            )
        )
        person = Person(identity.contact_id, conversation.id, identity.public_id, words)
    with sqlite3.connect(tracker_file) as connection:
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (person.public_id, "user", now.timestamp(), "ask_cej", json.dumps({"text": words})),
                (person.public_id, "bot", now.timestamp(), None, json.dumps({"text": "Salut"})),
            ],
        )
    return person


def tracker_rows(tracker_file: Path, public_id: str) -> int:
    with sqlite3.connect(tracker_file) as connection:
        row = connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (public_id,)
        ).fetchone()
    return int(row[0])


# Kept on purpose: the audit log records the erasure itself, by plain numbers (no foreign key,
# no personal data), and is purged after 12 months.
KEPT = {"audit_entries"}
# Columns by which a row refers to a person, directly or through what is theirs.
REFERS = {
    "contact_id": "contacts",
    "channel_identity_id": "channel_identities",
    "conversation_id": "conversations",
    "appointment_id": "appointments",
    "message_id": "messages",
    "reply_to_id": "messages",
}
OWNED = ("contacts", "channel_identities", "conversations", "messages", "appointments")


@dataclass(frozen=True, slots=True)
class Footprint:
    """The ids of everything that is the person's, read before the erasure."""

    ids: dict[str, set[int]]

    def total(self) -> int:
        return sum(len(v) for v in self.ids.values())


async def footprint(app: web.Application, person: Person) -> Footprint:
    tables = Base.metadata.tables
    contacts, identities = tables["contacts"], tables["channel_identities"]
    conversations, messages = tables["conversations"], tables["messages"]
    appointments = tables["appointments"]
    async with app[SESSIONS]() as session:
        identity_ids = set(
            await session.scalars(
                select(identities.c.id).where(identities.c.contact_id == person.contact_id)
            )
        )
        conversation_ids = set(
            await session.scalars(
                select(conversations.c.id).where(
                    conversations.c.channel_identity_id.in_(identity_ids)
                )
            )
        )
        message_ids = set(
            await session.scalars(
                select(messages.c.id).where(messages.c.conversation_id.in_(conversation_ids))
            )
        )
        appointment_ids = set(
            await session.scalars(
                select(appointments.c.id).where(appointments.c.contact_id == person.contact_id)
            )
        )
        known = await session.scalar(
            select(func.count()).select_from(contacts).where(contacts.c.id == person.contact_id)
        )
    assert known == 1
    return Footprint(
        {
            "contacts": {person.contact_id},
            "channel_identities": identity_ids,
            "conversations": conversation_ids,
            "messages": message_ids,
            "appointments": appointment_ids,
        }
    )


async def rows_about(app: web.Application, print_: Footprint, words: str) -> dict[str, int]:
    """For every table of the bot's database (except KEPT), how many rows refer to the person
    (by one of their ids) or hold their words."""
    found: dict[str, int] = {}
    async with app[SESSIONS]() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in KEPT:
                continue
            conditions: list[ColumnElement[bool]] = []
            if table.name in OWNED:
                conditions.append(table.c.id.in_(print_.ids[table.name]))
            for column, owner in REFERS.items():
                if column in table.c:
                    conditions.append(table.c[column].in_(print_.ids[owner]))
            if table.name == "messages":
                conditions.append(Message.text.contains(words))
            if not conditions:
                continue
            count = await session.scalar(
                select(func.count()).select_from(table).where(or_(*conditions))
            )
            found[table.name] = int(count or 0)
    return found


# Every table that can hold something about a young person: the check above must see them all.
PERSONAL_TABLES = {
    "contacts",
    "channel_identities",
    "conversations",
    "messages",
    "conversation_events",
    "conversation_assignments",
    "eligibility_profiles",
    "appointments",
    "appointment_units",
    "appointment_reminders",
    "consent_events",
    "campaign_deliveries",
}


async def conversation_exists(app: web.Application, conversation_id: int) -> bool:
    async with app[SESSIONS]() as session:
        return await session.get(Conversation, conversation_id) is not None

"""SQLAlchemy 2.0 models of the bot's database (one place; Alembic migrations mirror it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.core.vocabulary import (
    AppointmentKind,
    AppointmentStatus,
    ExceptionReason,
    Orientation,
    ReminderStatus,
    SourceKind,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Primary keys are INTEGER columns (int4 on PostgreSQL): a larger id from outside names no row,
# and would make PostgreSQL refuse the query.
MAX_ID = 2**31 - 1


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


def _in(column: str, values: Iterable[StrEnum]) -> str:
    """The CHECK that keeps a column to the values of its enum (bot/core/: the only source)."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class MissionLocale(Base):
    __tablename__ = "mission_locales"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    sites: Mapped[list[Site]] = relationship(back_populates="mission_locale", order_by="Site.id")


class Site(Base):
    """A place where young people are received: address, phone, time zone, opening hours."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_locale_id: Mapped[int] = mapped_column(
        ForeignKey("mission_locales.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    timezone: Mapped[str] = mapped_column(String(64))
    # Public holidays of the site's place, as the `holidays` library names French subdivisions
    # ("972" Martinique, "974" La Réunion, "57" Moselle…); None: metropolitan France.
    holiday_region: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    mission_locale: Mapped[MissionLocale] = relationship(back_populates="sites")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="site",
        order_by="(OpeningHours.weekday, OpeningHours.opens_at)",
        cascade="all, delete-orphan",
    )


class OpeningHours(Base):
    """One opening period of a site on a weekday (0 = Monday), in the site's local time."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    site: Mapped[Site] = relationship(back_populates="opening_hours")


class OutreachSource(Base):
    """An outreach action (a poster in a bakery, a flyer, a Snapchat story…) and its short code.

    The code rides on the links and QR codes of the action (`?start=`, `?src=`, `?ref=`); a
    contact whose first message carries it is counted for that action.
    """

    __tablename__ = "outreach_sources"
    __table_args__ = (CheckConstraint(_in("kind", SourceKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]


class Contact(Base):
    """A young person, whatever the channels they use (minimum data: no name, no birth date)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    unsubscribed_at: Mapped[datetime | None]
    # The outreach action that brought them, recorded on their first contact only.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_sources.id", ondelete="SET NULL"), index=True
    )

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )
    eligibility: Mapped[EligibilityProfile | None] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelIdentity(Base):
    """How a contact is known on one channel; `public_id` is the opaque Rasa sender id."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identities_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime]

    contact: Mapped[Contact] = relationship(back_populates="identities")


class Conversation(Base):
    """A thread on one channel identity; at most one is open (not closed) per identity."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint(_in("state", ConversationState), name="state_known"),
        Index(
            "uq_conversations_one_open",
            "channel_identity_id",
            unique=True,
            sqlite_where=text("state != 'closed'"),
            postgresql_where=text("state != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(32), default="bot")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # When distress was first recognised, and which situations (kinds, never the words).
    urgent_at: Mapped[datetime | None]
    urgent_reasons: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Message(Base):
    """One message in or out of a conversation, with its processing status."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(_in("direction", Direction), name="direction_known"),
        CheckConstraint(_in("author", Author), name="author_known"),
        CheckConstraint(_in("status", MessageStatus), name="status_known"),
        CheckConstraint("text IS NOT NULL OR payload IS NOT NULL", name="has_content"),
        # A platform's message id (or a web chat client's) is answered once: retries are no-ops.
        Index(
            "uq_messages_external_id",
            "conversation_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(String(2000))
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(128))
    # Outgoing on a push channel: when a sender took it (so a retry never sends it twice), and
    # why it could not be delivered (a short code, never the platform's whole answer).
    claimed_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class ReceivedEvent(Base):
    """A platform event already taken in (Telegram update_id, Instagram mid): platforms resend.

    Kept a few days (platforms stop retrying within hours) and then pruned.
    """

    __tablename__ = "received_events"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)


class EligibilityProfile(Base):
    """A contact's questionnaire answers and estimated outcome, for the counsellor to see.

    Minimum data: an age or a birth year (never a birth date), a town as typed (or « unknown »).
    Answers are written as they come (a stopped questionnaire keeps them); the outcome when it
    is computed. Deleted with the contact.
    """

    __tablename__ = "eligibility_profiles"
    __table_args__ = (
        CheckConstraint(
            f"orientation IS NULL OR {_in('orientation', Orientation)}",
            name="orientation_known",
        ),
        CheckConstraint("age IS NULL OR age BETWEEN 0 AND 120", name="age_range"),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    age: Mapped[int | None]
    birth_year: Mapped[int | None]
    rqth: Mapped[str | None] = mapped_column(String(16))
    activity: Mapped[str | None] = mapped_column(String(32))
    contract: Mapped[str | None] = mapped_column(String(32))
    weekly_hours: Mapped[str | None] = mapped_column(String(16))
    followed_by: Mapped[str | None] = mapped_column(String(32))
    tax_situation: Mapped[str | None] = mapped_column(String(32))
    monthly_income: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(100))
    orientation: Mapped[str | None] = mapped_column(String(32))
    # Estimated monthly CEJ allowance (€): one amount, or a range when the tax situation is unknown.
    allowance_min: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    allowance_max: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    rules_applied_from: Mapped[date | None]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(back_populates="eligibility")


# --- Appointments (issue #6) ---------------------------------------------------------------------

# Appointments take whole quarters of an hour of their counsellor's time (see AppointmentUnit).
UNIT_MINUTES = 15


class Counsellor(Base):
    """A counsellor who receives young people; `display_name` is what young people see (a first
    name), `site_id` where they receive on site and whose time zone their hours are in."""

    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_locale_id: Mapped[int] = mapped_column(
        ForeignKey("mission_locales.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    site: Mapped[Site] = relationship()
    hours: Mapped[list[CounsellorHours]] = relationship(
        back_populates="counsellor",
        order_by="(CounsellorHours.weekday, CounsellorHours.starts_at)",
        cascade="all, delete-orphan",
    )


class CounsellorHours(Base):
    """A weekly block when a counsellor takes appointments (local time of their site), and the
    kinds of appointment they take in it (comma-separated: on_site,phone,video)."""

    __tablename__ = "counsellor_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    kinds: Mapped[str] = mapped_column(String(64))

    counsellor: Mapped[Counsellor] = relationship(back_populates="hours")


class AvailabilityException(Base):
    """A time when appointments cannot be taken: a counsellor's leave or training, or a whole
    site closed (a local holiday, a team day). National public holidays come from the `holidays`
    library and need no row."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(_in("reason", ExceptionReason), name="reason_known"),
        CheckConstraint(
            "counsellor_id IS NOT NULL OR site_id IS NOT NULL", name="counsellor_or_site"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(16))


class Permanence(Base):
    """A dated session somewhere young people live (a community room in a housing estate), held
    by one counsellor, cut into slots of `slot_minutes`."""

    __tablename__ = "permanences"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(f"slot_minutes % {UNIT_MINUTES} = 0", name="slot_in_units"),
        CheckConstraint("slot_minutes BETWEEN 15 AND 240", name="slot_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_locale_id: Mapped[int] = mapped_column(
        ForeignKey("mission_locales.id", ondelete="CASCADE"), index=True
    )
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    slot_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]

    counsellor: Mapped[Counsellor] = relationship()


class AppointmentLength(Base):
    """How an appointment takes place and how long it lasts (staff can change the lengths)."""

    __tablename__ = "appointment_kinds"
    __table_args__ = (
        CheckConstraint(_in("code", AppointmentKind), name="code_known"),
        CheckConstraint(f"duration_minutes % {UNIT_MINUTES} = 0", name="duration_in_units"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 240", name="duration_range"),
    )

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)


class Appointment(Base):
    """A young person's appointment with a counsellor.

    Minimum data: a first name when the young person gives it (asked after booking, and
    optional), a phone number only for a phone appointment, and the channel identity to remind
    them on. Deleted with the contact.
    """

    __tablename__ = "appointments"
    __table_args__ = (
        CheckConstraint(_in("kind", AppointmentKind), name="kind_known"),
        CheckConstraint(_in("status", AppointmentStatus), name="status_known"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(
            f"(kind = '{AppointmentKind.PERMANENCE.value}') = (permanence_id IS NOT NULL)",
            name="permanence_kind",
        ),
        CheckConstraint(
            f"kind != '{AppointmentKind.PHONE.value}' OR phone IS NOT NULL",
            name="phone_for_phone_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # Where reminders go: the identity the young person booked from.
    channel_identity_id: Mapped[int | None] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="SET NULL"), index=True
    )
    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    permanence_id: Mapped[int | None] = mapped_column(
        ForeignKey("permanences.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str | None] = mapped_column(String(60))  # None: not given
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, phone appointments only
    # The questionnaire's orientation when there was one (cej, pacea…), for the counsellor.
    topic: Mapped[str | None] = mapped_column(String(32))
    # The appointment this one replaces (rescheduled from the chat).
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL")
    )
    # Unguessable key of the calendar (.ics) link sent with the confirmation.
    calendar_key: Mapped[str] = mapped_column(String(43), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    outcome_at: Mapped[datetime | None]

    counsellor: Mapped[Counsellor] = relationship()
    site: Mapped[Site | None] = relationship()
    permanence: Mapped[Permanence | None] = relationship()


class AppointmentUnit(Base):
    """Each quarter hour a live appointment takes of its counsellor's time.

    The primary key (counsellor, quarter) is what makes double booking impossible, for
    appointments of any length: two bookings that overlap by one quarter cannot both commit.
    Rows are deleted with the appointment's cancellation, in the same transaction.
    """

    __tablename__ = "appointment_units"

    counsellor_id: Mapped[int] = mapped_column(
        ForeignKey("counsellors.id", ondelete="CASCADE"), primary_key=True
    )
    starts_at: Mapped[datetime] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )


class AppointmentReminder(Base):
    """A reminder due before an appointment. The database is the record of what is due: the
    scheduler only wakes up to claim due rows. `queued` means its message row was written (in
    the same transaction as the claim) and handed to delivery: it is never written twice."""

    __tablename__ = "appointment_reminders"
    __table_args__ = (
        CheckConstraint(_in("status", ReminderStatus), name="status_known"),
        UniqueConstraint("appointment_id", "lead_minutes", name="uq_appointment_reminders_lead"),
        Index("ix_appointment_reminders_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(
        ForeignKey("appointments.id", ondelete="CASCADE"), index=True
    )
    lead_minutes: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    skipped_reason: Mapped[str | None] = mapped_column(String(32))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    queued_at: Mapped[datetime | None]

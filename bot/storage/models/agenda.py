"""Counsellors, their hours and absences, permanences, appointments and their reminders (#6)."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.vocabulary import AppointmentKind, AppointmentStatus, ExceptionReason, ReminderStatus
from bot.storage.models.base import Base, one_of

if TYPE_CHECKING:
    from bot.storage.models.places import Site


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
        CheckConstraint(one_of("reason", ExceptionReason), name="reason_known"),
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
        CheckConstraint(one_of("code", AppointmentKind), name="code_known"),
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
        CheckConstraint(one_of("kind", AppointmentKind), name="kind_known"),
        CheckConstraint(one_of("status", AppointmentStatus), name="status_known"),
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
        CheckConstraint(one_of("status", ReminderStatus), name="status_known"),
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

"""Appointments (issue #6): counsellors and their weekly hours, exceptions, permanences,
appointment kinds and their lengths, appointments, the quarters they take (no double booking),
reminders; sites get their public-holiday region.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Default lengths, in minutes (staff can change them in the table).
DEFAULT_DURATIONS = {"on_site": 45, "permanence": 30, "phone": 30, "video": 30}


def upgrade() -> None:
    op.create_table(
        "appointment_kinds",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "code IN ('on_site', 'permanence', 'phone', 'video')",
            name=op.f("ck_appointment_kinds_code_known"),
        ),
        sa.CheckConstraint(
            "duration_minutes % 15 = 0", name=op.f("ck_appointment_kinds_duration_in_units")
        ),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 15 AND 240", name=op.f("ck_appointment_kinds_duration_range")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_appointment_kinds")),
    )
    op.bulk_insert(
        sa.table(
            "appointment_kinds",
            sa.column("code", sa.String),
            sa.column("duration_minutes", sa.Integer),
        ),
        [
            {"code": code, "duration_minutes": minutes}
            for code, minutes in DEFAULT_DURATIONS.items()
        ],
    )
    op.create_table(
        "counsellors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_locale_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_locale_id"],
            ["mission_locales.id"],
            name=op.f("fk_counsellors_mission_locale_id_mission_locales"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_counsellors_site_id_sites"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsellors")),
    )
    with op.batch_alter_table("counsellors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counsellors_mission_locale_id"), ["mission_locale_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_counsellors_site_id"), ["site_id"], unique=False)

    op.create_table(
        "availability_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "reason IN ('leave', 'holiday', 'closure', 'training', 'other')",
            name=op.f("ck_availability_exceptions_reason_known"),
        ),
        sa.CheckConstraint(
            "counsellor_id IS NOT NULL OR site_id IS NOT NULL",
            name=op.f("ck_availability_exceptions_counsellor_or_site"),
        ),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_availability_exceptions_starts_before_ends")
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_availability_exceptions_counsellor_id_counsellors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_availability_exceptions_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_availability_exceptions")),
    )
    with op.batch_alter_table("availability_exceptions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_availability_exceptions_counsellor_id"), ["counsellor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_availability_exceptions_site_id"), ["site_id"], unique=False
        )

    op.create_table(
        "counsellor_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("kinds", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "starts_at < ends_at", name=op.f("ck_counsellor_hours_starts_before_ends")
        ),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_counsellor_hours_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_counsellor_hours_counsellor_id_counsellors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counsellor_hours")),
    )
    with op.batch_alter_table("counsellor_hours", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_counsellor_hours_counsellor_id"), ["counsellor_id"], unique=False
        )

    op.create_table(
        "permanences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_locale_id", sa.Integer(), nullable=False),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("slot_minutes % 15 = 0", name=op.f("ck_permanences_slot_in_units")),
        sa.CheckConstraint(
            "slot_minutes BETWEEN 15 AND 240", name=op.f("ck_permanences_slot_range")
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_permanences_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_permanences_counsellor_id_counsellors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mission_locale_id"],
            ["mission_locales.id"],
            name=op.f("fk_permanences_mission_locale_id_mission_locales"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permanences")),
    )
    with op.batch_alter_table("permanences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permanences_counsellor_id"), ["counsellor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_permanences_mission_locale_id"), ["mission_locale_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_permanences_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("channel_identity_id", sa.Integer(), nullable=True),
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("permanence_id", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=60), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("topic", sa.String(length=32), nullable=True),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("calendar_key", sa.String(length=43), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'permanence') = (permanence_id IS NOT NULL)",
            name=op.f("ck_appointments_permanence_kind"),
        ),
        sa.CheckConstraint(
            "kind != 'phone' OR phone IS NOT NULL",
            name=op.f("ck_appointments_phone_for_phone_kind"),
        ),
        sa.CheckConstraint(
            "kind IN ('on_site', 'permanence', 'phone', 'video')",
            name=op.f("ck_appointments_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('booked', 'cancelled', 'rescheduled', 'attended', 'missed')",
            name=op.f("ck_appointments_status_known"),
        ),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_appointments_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["channel_identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_appointments_channel_identity_id_channel_identities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_appointments_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_appointments_counsellor_id_counsellors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["permanence_id"],
            ["permanences.id"],
            name=op.f("fk_appointments_permanence_id_permanences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaces_id"],
            ["appointments.id"],
            name=op.f("fk_appointments_replaces_id_appointments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_appointments_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint("calendar_key", name=op.f("uq_appointments_calendar_key")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointments_channel_identity_id"), ["channel_identity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_counsellor_id"), ["counsellor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointments_permanence_id"), ["permanence_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointments_starts_at"), ["starts_at"], unique=False)

    op.create_table(
        "appointment_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("lead_minutes", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skipped_reason", sa.String(length=32), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('scheduled', 'queued', 'skipped')",
            name=op.f("ck_appointment_reminders_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_reminders_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_appointment_reminders_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_reminders")),
        sa.UniqueConstraint("appointment_id", "lead_minutes", name="uq_appointment_reminders_lead"),
    )
    with op.batch_alter_table("appointment_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_reminders_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index("ix_appointment_reminders_due", ["status", "due_at"], unique=False)

    op.create_table(
        "appointment_units",
        sa.Column("counsellor_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_units_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["counsellor_id"],
            ["counsellors.id"],
            name=op.f("fk_appointment_units_counsellor_id_counsellors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("counsellor_id", "starts_at", name=op.f("pk_appointment_units")),
    )
    with op.batch_alter_table("appointment_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_units_appointment_id"), ["appointment_id"], unique=False
        )

    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.add_column(sa.Column("holiday_region", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sites", schema=None) as batch_op:
        batch_op.drop_column("holiday_region")

    with op.batch_alter_table("appointment_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_units_appointment_id"))

    op.drop_table("appointment_units")
    with op.batch_alter_table("appointment_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_reminders_due")
        batch_op.drop_index(batch_op.f("ix_appointment_reminders_appointment_id"))

    op.drop_table("appointment_reminders")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointments_starts_at"))
        batch_op.drop_index(batch_op.f("ix_appointments_permanence_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_counsellor_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_contact_id"))
        batch_op.drop_index(batch_op.f("ix_appointments_channel_identity_id"))

    op.drop_table("appointments")
    with op.batch_alter_table("permanences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permanences_starts_at"))
        batch_op.drop_index(batch_op.f("ix_permanences_mission_locale_id"))
        batch_op.drop_index(batch_op.f("ix_permanences_counsellor_id"))

    op.drop_table("permanences")
    with op.batch_alter_table("counsellor_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counsellor_hours_counsellor_id"))

    op.drop_table("counsellor_hours")
    with op.batch_alter_table("availability_exceptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_availability_exceptions_site_id"))
        batch_op.drop_index(batch_op.f("ix_availability_exceptions_counsellor_id"))

    op.drop_table("availability_exceptions")
    with op.batch_alter_table("counsellors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_counsellors_site_id"))
        batch_op.drop_index(batch_op.f("ix_counsellors_mission_locale_id"))

    op.drop_table("counsellors")
    op.drop_table("appointment_kinds")

"""Push channels and outreach attribution (issue #5).

outreach_sources and contacts.source_id: which action brought a young person; messages
claimed_at / failure_reason: an outgoing message is taken once by a sender and, when it cannot be
delivered, says why; received_events: platform events already taken in (resends are ignored).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCE_KINDS = (
    "poster",
    "flyer",
    "permanence",
    "snapchat",
    "instagram",
    "partner",
    "event",
    "website",
    "other",
)


def upgrade() -> None:
    kinds = ", ".join(repr(kind) for kind in SOURCE_KINDS)
    op.create_table(
        "outreach_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"kind IN ({kinds})", name=op.f("ck_outreach_sources_kind_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_sources")),
        sa.UniqueConstraint("code", name=op.f("uq_outreach_sources_code")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_contacts_source_id"), ["source_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_contacts_source_id_outreach_sources"),
            "outreach_sources",
            ["source_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("failure_reason", sa.String(length=64), nullable=True))
    op.create_table(
        "received_events",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "event_id", name=op.f("pk_received_events")),
    )
    op.create_index(
        op.f("ix_received_events_received_at"), "received_events", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_received_events_received_at"), table_name="received_events")
    op.drop_table("received_events")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("failure_reason")
        batch_op.drop_column("claimed_at")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_contacts_source_id_outreach_sources"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_contacts_source_id"))
        batch_op.drop_column("source_id")
    op.drop_table("outreach_sources")

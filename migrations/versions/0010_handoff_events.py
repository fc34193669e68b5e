"""The counsellors' side of a conversation (#10): why it was handed over, what the team did in
it (taken, reassigned, handed back, closed, private notes), and the canned replies.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HANDOFF_REASONS = "'asked', 'not_understood', 'distress', 'rasa_down'"
EVENT_KINDS = "'taken', 'reassigned', 'released', 'closed', 'note'"


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handoff_reason", sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_conversations_handoff_reason_known"),
            f"handoff_reason IS NULL OR handoff_reason IN ({HANDOFF_REASONS})",
        )
    op.create_table(
        "conversation_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("target_account_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"kind IN ({EVENT_KINDS})", name=op.f("ck_conversation_events_kind_known")
        ),
        sa.CheckConstraint(
            "kind != 'note' OR text IS NOT NULL",
            name=op.f("ck_conversation_events_note_has_text"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_conversation_events_account_id_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["target_account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_conversation_events_target_account_id_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_events_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversation_events")),
    )
    op.create_index(
        op.f("ix_conversation_events_conversation_id"), "conversation_events", ["conversation_id"]
    )
    op.create_index(
        op.f("ix_conversation_events_account_id"), "conversation_events", ["account_id"]
    )
    op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_replies")),
        sa.UniqueConstraint("shortcut", name=op.f("uq_canned_replies_shortcut")),
    )


def downgrade() -> None:
    op.drop_table("canned_replies")
    op.drop_index(op.f("ix_conversation_events_account_id"), table_name="conversation_events")
    op.drop_index(op.f("ix_conversation_events_conversation_id"), table_name="conversation_events")
    op.drop_table("conversation_events")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_conversations_handoff_reason_known"), type_="check")
        batch_op.drop_column("handoff_reason")

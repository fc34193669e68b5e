"""Retention (#12): anonymised monthly usage figures, counted before the purge deletes the rows
they come from, and the months already counted.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METRICS = "'new_contacts', 'conversations', 'questionnaires', 'appointments', 'campaign_messages'"


def upgrade() -> None:
    op.create_table(
        "usage_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_usage_months")),
    )
    op.create_table(
        "usage_aggregates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("source_kind", sa.String(length=16), nullable=True),
        sa.Column("source_code", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"metric IN ({METRICS})", name=op.f("ck_usage_aggregates_metric_known")),
        sa.CheckConstraint("count > 0", name=op.f("ck_usage_aggregates_count_positive")),
        sa.ForeignKeyConstraint(
            ["month"],
            ["usage_months.month"],
            name=op.f("fk_usage_aggregates_month_usage_months"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_usage_aggregates_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_aggregates")),
    )
    with op.batch_alter_table("usage_aggregates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_aggregates_month"), ["month"], unique=False)


def downgrade() -> None:
    op.drop_table("usage_aggregates")
    op.drop_table("usage_months")

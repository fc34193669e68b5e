"""eligibility_profiles: a contact's questionnaire answers and estimated outcome (issue #4).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "eligibility_profiles",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("rqth", sa.String(length=16), nullable=True),
        sa.Column("activity", sa.String(length=32), nullable=True),
        sa.Column("contract", sa.String(length=32), nullable=True),
        sa.Column("weekly_hours", sa.String(length=16), nullable=True),
        sa.Column("followed_by", sa.String(length=32), nullable=True),
        sa.Column("tax_situation", sa.String(length=32), nullable=True),
        sa.Column("monthly_income", sa.String(length=16), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("orientation", sa.String(length=32), nullable=True),
        sa.Column("allowance_min", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("allowance_max", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("rules_applied_from", sa.Date(), nullable=True),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "orientation IS NULL OR orientation IN ('school', 'keep_studying', 'cej', 'pacea', 'france_travail')",
            name=op.f("ck_eligibility_profiles_orientation_known"),
        ),
        sa.CheckConstraint(
            "age IS NULL OR age BETWEEN 0 AND 120", name=op.f("ck_eligibility_profiles_age_range")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_eligibility_profiles_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_eligibility_profiles_site_id_sites"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_eligibility_profiles")),
    )


def downgrade() -> None:
    op.drop_table("eligibility_profiles")

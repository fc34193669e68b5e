"""Distress: conversations.urgent_at and urgent_reasons; contacts.unsubscribed_at.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("urgent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("urgent_reasons", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("urgent_reasons")
        batch_op.drop_column("urgent_at")

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")

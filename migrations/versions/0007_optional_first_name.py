"""An appointment's first name is optional: the chat books as soon as the slot is picked and
asks the first name afterwards, which the young person may skip.

Going down, an appointment without a first name gets « — » (the column was required).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(length=60), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE appointments SET first_name = '—' WHERE first_name IS NULL")
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.alter_column("first_name", existing_type=sa.String(length=60), nullable=False)

"""Campaigns (#11): news consents and their history, uploaded images, campaigns, their posts on
the Mission Locale's channels and one delivery row per recipient; identities the platform says
cannot be reached.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_KINDS = (
    "'poster', 'flyer', 'permanence', 'snapchat', 'instagram', 'partner', 'event', 'website', "
    "'other'"
)
NEW_KINDS = (
    "'poster', 'flyer', 'permanence', 'snapchat', 'instagram', 'partner', 'event', 'website', "
    "'campaign', 'other'"
)


def _source_kinds(kinds: str) -> None:
    with op.batch_alter_table("outreach_sources", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_outreach_sources_kind_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_outreach_sources_kind_known"), f"kind IN ({kinds})"
        )


def upgrade() -> None:
    _source_kinds(NEW_KINDS)
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('opt_in', 'opt_out')", name=op.f("ck_consent_events_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_consent_events_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_events_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("content_type", sa.String(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["staff_accounts.id"],
            name=op.f("fk_uploads_account_id_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_uploads")),
        sa.UniqueConstraint("token", name=op.f("uq_uploads_token")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_reason", sa.String(length=16), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('awaiting_approval', 'scheduled', 'running', 'paused', 'done', 'cancelled')",
            name=op.f("ck_campaigns_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["staff_accounts.id"],
            name=op.f("fk_campaigns_approved_by_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["staff_accounts.id"],
            name=op.f("fk_campaigns_created_by_staff_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["uploads.id"],
            name=op.f("fk_campaigns_image_id_uploads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["outreach_sources.id"],
            name=op.f("fk_campaigns_source_id_outreach_sources"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_send_at"), ["send_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_status"), ["status"], unique=False)

    op.create_table(
        "campaign_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("channel_identity_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'queued', 'sent', 'failed', 'skipped', 'interrupted')",
            name=op.f("ck_campaign_deliveries_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_deliveries_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["channel_identity_id"],
            ["channel_identities.id"],
            name=op.f("fk_campaign_deliveries_channel_identity_id_channel_identities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_campaign_deliveries_message_id_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_deliveries")),
        sa.UniqueConstraint(
            "campaign_id", "channel_identity_id", name="uq_campaign_deliveries_one"
        ),
    )
    with op.batch_alter_table("campaign_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_campaign_deliveries_campaign_state", ["campaign_id", "state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_deliveries_channel_identity_id"),
            ["channel_identity_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_deliveries_message_id"), ["message_id"], unique=False
        )

    op.create_table(
        "campaign_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("container_id", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'processing', 'published', 'failed')",
            name=op.f("ck_campaign_posts_state_known"),
        ),
        sa.CheckConstraint(
            "target IN ('telegram_channel', 'instagram_feed')",
            name=op.f("ck_campaign_posts_target_known"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_posts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_posts")),
        sa.UniqueConstraint("campaign_id", "target", name="uq_campaign_posts_target"),
    )
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("news_opt_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("news_offered_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.execute("UPDATE outreach_sources SET kind = 'other' WHERE kind = 'campaign'")
    _source_kinds(OLD_KINDS)
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("news_offered_at")
        batch_op.drop_column("news_opt_in_at")

    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("unreachable_at")

    op.drop_table("campaign_posts")
    with op.batch_alter_table("campaign_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_deliveries_message_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_deliveries_channel_identity_id"))
        batch_op.drop_index("ix_campaign_deliveries_campaign_state")

    op.drop_table("campaign_deliveries")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_status"))
        batch_op.drop_index(batch_op.f("ix_campaigns_send_at"))

    op.drop_table("campaigns")
    op.drop_table("uploads")
    with op.batch_alter_table("consent_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_events_contact_id"))

    op.drop_table("consent_events")

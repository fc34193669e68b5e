"""Campaigns (#11): news consents, uploaded images, campaigns, their channel posts and one
delivery row per recipient."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.vocabulary import (
    CampaignStatus,
    ConsentKind,
    DeliveryState,
    PostState,
    PostTarget,
)
from bot.storage.models.base import Base, one_of


class ConsentEvent(Base):
    """A young person said yes (opt_in) or stop (opt_out) to the Mission Locale's news: when and
    on which channel (the history a young person or the CNIL may ask for)."""

    __tablename__ = "consent_events"
    __table_args__ = (CheckConstraint(one_of("kind", ConsentKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]


class Upload(Base):
    """An image staff uploaded for a campaign (checked PNG/JPEG), served at a public URL with an
    unguessable token (Instagram fetches it from there)."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    content_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]


class Campaign(Base):
    """What campaign staff send (a text, an image, buttons) to which targets and audience, and
    when; its status follows it from draft to done."""

    __tablename__ = "campaigns"
    __table_args__ = (CheckConstraint(one_of("status", CampaignStatus), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    targets: Mapped[list[str]] = mapped_column(JSON)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Links carry this outreach source: whatever the campaign brings is attributed to it.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_sources.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(20), index=True)
    send_at: Mapped[datetime] = mapped_column(index=True)
    # Why it is paused: « quiet_hours » (resumes by itself) or « staff ».
    paused_reason: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    approved_by: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class CampaignPost(Base):
    """One post of a campaign on a channel of the Mission Locale (Telegram channel, Instagram
    feed), with the platform's ids as they come (Instagram's container, then the media)."""

    __tablename__ = "campaign_posts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "target", name="uq_campaign_posts_target"),
        CheckConstraint(one_of("target", PostTarget), name="target_known"),
        CheckConstraint(one_of("state", PostState), name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16))
    container_id: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class CampaignDelivery(Base):
    """One recipient of a campaign's messages, written when the campaign starts (at most one per
    campaign and identity). It ends sent, failed or skipped (with a reason), or interrupted: a
    send cut by a crash, never resent because it may have gone out."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "channel_identity_id", name="uq_campaign_deliveries_one"),
        CheckConstraint(one_of("state", DeliveryState), name="state_known"),
        Index("ix_campaign_deliveries_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    channel_identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(String(64))
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime]

"""Young people, their channel identities, conversations and messages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.core.vocabulary import HandoffReason
from bot.storage.models.base import Base, one_of

if TYPE_CHECKING:
    from bot.storage.models.eligibility import EligibilityProfile


class Contact(Base):
    """A young person, whatever the channels they use (minimum data: no name, no birth date)."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    unsubscribed_at: Mapped[datetime | None]
    # Said yes to the news (campaigns, #11): when; None when they never did or said stop since.
    news_opt_in_at: Mapped[datetime | None]
    # When the news were offered (once, after a first useful answer).
    news_offered_at: Mapped[datetime | None]
    # When they said they were under 16 (#12): pointed elsewhere, asked nothing more, never
    # offered news or campaigns. Only the fact is kept, never the age.
    under_16_at: Mapped[datetime | None]
    # The outreach action that brought them, recorded on their first contact only.
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("outreach_sources.id", ondelete="SET NULL"), index=True
    )

    identities: Mapped[list[ChannelIdentity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )
    eligibility: Mapped[EligibilityProfile | None] = relationship(
        back_populates="contact", cascade="all, delete-orphan", passive_deletes=True
    )


class ChannelIdentity(Base):
    """How a contact is known on one channel; `public_id` is the opaque Rasa sender id."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identities_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime]
    # The platform says the person cannot be reached (Telegram 403: the bot was blocked).
    unreachable_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(back_populates="identities")


class Conversation(Base):
    """A thread on one channel identity; at most one is open (not closed) per identity."""

    __tablename__ = "conversations"
    __table_args__ = (
        CheckConstraint(one_of("state", ConversationState), name="state_known"),
        CheckConstraint(
            f"handoff_reason IS NULL OR {one_of('handoff_reason', HandoffReason)}",
            name="handoff_reason_known",
        ),
        Index(
            "uq_conversations_one_open",
            "channel_identity_id",
            unique=True,
            sqlite_where=text("state != 'closed'"),
            postgresql_where=text("state != 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_identity_id: Mapped[int] = mapped_column(
        ForeignKey("channel_identities.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(32), default="bot")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # When distress was first recognised, and which situations (kinds, never the words).
    urgent_at: Mapped[datetime | None]
    urgent_reasons: Mapped[str | None] = mapped_column(String(200))
    # Why it last went to the counsellors (HandoffReason); kept after, for the packet.
    handoff_reason: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]  # also when its state last changed
    closed_at: Mapped[datetime | None]


class Message(Base):
    """One message in or out of a conversation, with its processing status."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(one_of("direction", Direction), name="direction_known"),
        CheckConstraint(one_of("author", Author), name="author_known"),
        CheckConstraint(one_of("status", MessageStatus), name="status_known"),
        CheckConstraint("text IS NOT NULL OR payload IS NOT NULL", name="has_content"),
        # A platform's message id (or a web chat client's) is answered once: retries are no-ops.
        Index(
            "uq_messages_external_id",
            "conversation_id",
            "external_id",
            unique=True,
            sqlite_where=text("external_id IS NOT NULL"),
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(3))
    author: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(String(2000))
    buttons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(128))
    # Outgoing on a push channel: when a sender took it (so a retry never sends it twice), and
    # why it could not be delivered (a short code, never the platform's whole answer).
    claimed_at: Mapped[datetime | None]
    failure_reason: Mapped[str | None] = mapped_column(String(64))
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime]


class ReceivedEvent(Base):
    """A platform event already taken in (Telegram update_id, Instagram mid): platforms resend.

    Kept a few days (platforms stop retrying within hours) and then pruned.
    """

    __tablename__ = "received_events"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(index=True)

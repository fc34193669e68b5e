"""Staff accounts of the console and their sessions (#10). A password is only ever stored hashed
(argon2); a session is stored by the hash of its token, so a copy of the database opens none."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.vocabulary import AuditAction, ConversationEventKind, StaffRole
from bot.storage.models.base import Base, one_of

if TYPE_CHECKING:
    from bot.storage.models.agenda import Counsellor


class StaffAccount(Base):
    """A person of the Mission Locale who signs in to the console; a counsellor's account is
    linked to their `Counsellor` row (their agenda)."""

    __tablename__ = "staff_accounts"
    __table_args__ = (CheckConstraint(one_of("role", StaffRole), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored in lower case
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("counsellors.id", ondelete="SET NULL"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]

    counsellor: Mapped[Counsellor | None] = relationship()


class StaffSession(Base):
    """A signed-in browser: found by the SHA-256 of its cookie's token; ends at logout, when the
    account is disabled, after `idle` without a request or `absolute` after login."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]

    account: Mapped[StaffAccount] = relationship()


class ConversationAssignment(Base):
    """Who of the team holds a conversation they took. One row per conversation at most (its
    primary key): two counsellors taking it at once cannot both succeed."""

    __tablename__ = "conversation_assignments"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    taken_at: Mapped[datetime]

    account: Mapped[StaffAccount] = relationship()


class ConversationEvent(Base):
    """What the team did in a conversation (taken, reassigned, handed back, closed) and its
    private notes: shown in the console's transcript, never sent to the young person."""

    __tablename__ = "conversation_events"
    __table_args__ = (
        CheckConstraint(one_of("kind", ConversationEventKind), name="kind_known"),
        CheckConstraint("kind != 'note' OR text IS NOT NULL", name="note_has_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    # Who did it, and for a reassignment to whom (names survive as « compte supprimé »).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True
    )
    target_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class CannedReply(Base):
    """A ready-made answer counsellors insert by its shortcut (« /horaires »); admins manage
    them."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(32), unique=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """One access or action of a staff member (#12). Append-only: nothing in the console edits
    or deletes it (the database refuses an UPDATE); the retention purge removes entries older
    than 12 months. `contact_id` and `conversation_id` are plain numbers, not foreign keys: the
    entry outlives an erasure it records. `staff` is the account's e-mail at the time (or the
    login tried, for a failed login); `account_id` is set while the account exists."""

    __tablename__ = "audit_entries"
    __table_args__ = (CheckConstraint(one_of("action", AuditAction), name="action_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL"), index=True
    )
    staff: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(24))
    contact_id: Mapped[int | None] = mapped_column(index=True)
    conversation_id: Mapped[int | None] = mapped_column(index=True)
    # The account created or changed (a plain number too: it outlives that account).
    target_account_id: Mapped[int | None]

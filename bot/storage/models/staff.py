"""Staff accounts of the console and their sessions (#10). A password is only ever stored hashed
(argon2); a session is stored by the hash of its token, so a copy of the database opens none."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.vocabulary import StaffRole
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

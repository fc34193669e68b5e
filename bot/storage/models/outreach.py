"""Outreach actions (posters, flyers, stories…) and their short codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.vocabulary import SourceKind
from bot.storage.models.base import Base, one_of


class OutreachSource(Base):
    """An outreach action (a poster in a bakery, a flyer, a Snapchat story…) and its short code.

    The code rides on the links and QR codes of the action (`?start=`, `?src=`, `?ref=`); a
    contact whose first message carries it is counted for that action.
    """

    __tablename__ = "outreach_sources"
    __table_args__ = (CheckConstraint(one_of("kind", SourceKind), name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]

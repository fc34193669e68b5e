"""The Mission Locale and its sites: where young people are received, and when."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models.base import Base


class MissionLocale(Base):
    __tablename__ = "mission_locales"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    sites: Mapped[list[Site]] = relationship(back_populates="mission_locale", order_by="Site.id")


class Site(Base):
    """A place where young people are received: address, phone, time zone, opening hours."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_locale_id: Mapped[int] = mapped_column(
        ForeignKey("mission_locales.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10))
    city: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(30))
    timezone: Mapped[str] = mapped_column(String(64))
    # Public holidays of the site's place, as the `holidays` library names French subdivisions
    # ("972" Martinique, "974" La Réunion, "57" Moselle…); None: metropolitan France.
    holiday_region: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]

    mission_locale: Mapped[MissionLocale] = relationship(back_populates="sites")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="site",
        order_by="(OpeningHours.weekday, OpeningHours.opens_at)",
        cascade="all, delete-orphan",
    )


class OpeningHours(Base):
    """One opening period of a site on a weekday (0 = Monday), in the site's local time."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    site: Mapped[Site] = relationship(back_populates="opening_hours")

"""Anonymised monthly usage figures (#12): what funders need, counted before the retention purge
deletes the rows they come from. No identifier of a person: counts per month, site, outreach
source, channel, metric and outcome."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.core.vocabulary import UsageMetric
from bot.storage.models.base import Base, one_of


class CountedMonth(Base):
    """A month (UTC, its first day) whose figures are written: it is never counted again."""

    __tablename__ = "usage_months"

    month: Mapped[date] = mapped_column(primary_key=True)
    counted_at: Mapped[datetime]


class UsageAggregate(Base):
    """How many of one metric a month had, for one combination of site, outreach source (its
    kind and code, copied: the figure outlives the source), channel and outcome."""

    __tablename__ = "usage_aggregates"
    __table_args__ = (
        CheckConstraint(one_of("metric", UsageMetric), name="metric_known"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(
        ForeignKey("usage_months.month", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    source_kind: Mapped[str | None] = mapped_column(String(16))
    source_code: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    metric: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)

"""What the eligibility questionnaire keeps of a young person's answers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.core.vocabulary import Orientation
from bot.storage.models.base import Base, one_of

if TYPE_CHECKING:
    from bot.storage.models.conversations import Contact


class EligibilityProfile(Base):
    """A contact's questionnaire answers and estimated outcome, for the counsellor to see.

    Minimum data: an age or a birth year (never a birth date), a town as typed (or « unknown »).
    Answers are written as they come (a stopped questionnaire keeps them); the outcome when it
    is computed. Deleted with the contact.
    """

    __tablename__ = "eligibility_profiles"
    __table_args__ = (
        CheckConstraint(
            f"orientation IS NULL OR {one_of('orientation', Orientation)}",
            name="orientation_known",
        ),
        CheckConstraint("age IS NULL OR age BETWEEN 0 AND 120", name="age_range"),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    age: Mapped[int | None]
    birth_year: Mapped[int | None]
    rqth: Mapped[str | None] = mapped_column(String(16))
    activity: Mapped[str | None] = mapped_column(String(32))
    contract: Mapped[str | None] = mapped_column(String(32))
    weekly_hours: Mapped[str | None] = mapped_column(String(16))
    followed_by: Mapped[str | None] = mapped_column(String(32))
    tax_situation: Mapped[str | None] = mapped_column(String(32))
    monthly_income: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(100))
    orientation: Mapped[str | None] = mapped_column(String(32))
    # Estimated monthly CEJ allowance (€): one amount, or a range when the tax situation is unknown.
    allowance_min: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    allowance_max: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    rules_applied_from: Mapped[date | None]
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]

    contact: Mapped[Contact] = relationship(back_populates="eligibility")

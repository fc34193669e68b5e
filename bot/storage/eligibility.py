"""Write a contact's questionnaire answers and outcome (the counsellor reads them later), or,
for a young person under 16, only that fact."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.conversations import contact_of_sender
from bot.storage.models import Contact, EligibilityProfile

# Questionnaire slot → column. Values are stored as text where « unknown » is a valid answer.
_COLUMNS = {
    "elig_age": "age",
    "elig_birth_year": "birth_year",
    "elig_rqth": "rqth",
    "elig_activity": "activity",
    "elig_contract": "contract",
    "elig_hours": "weekly_hours",
    "elig_followed": "followed_by",
    "elig_tax": "tax_situation",
    "elig_income": "monthly_income",
    "elig_town": "town",
}
_INTEGER_COLUMNS = frozenset({"age", "birth_year"})


@dataclass(frozen=True, slots=True)
class StoredOutcome:
    orientation: str
    allowance_min: Decimal | None
    allowance_max: Decimal | None
    rules_applied_from: date | None
    site_id: int | None


def _column_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _INTEGER_COLUMNS:
        return int(value)
    return str(value)[:100]


async def save_answers(
    session: AsyncSession,
    public_id: str,
    values: Mapping[str, Any],
    now: datetime,
    outcome: StoredOutcome | None = None,
) -> bool:
    """Store the answers (all of them: a cleared one is cleared) and the outcome, if computed.

    False when the sender is unknown (erased meanwhile): nothing is written then. Call inside a
    transaction; a concurrent first write is retried as an update.
    """
    contact_id = await contact_of_sender(session, public_id)
    if contact_id is None:
        return False
    for attempt in (1, 2):
        profile = await session.get(EligibilityProfile, contact_id)
        created = profile is None
        if profile is None:
            profile = EligibilityProfile(contact_id=contact_id)
        for slot, column in _COLUMNS.items():
            setattr(profile, column, _column_value(column, values.get(slot)))
        profile.updated_at = now
        # An outcome holds only for the answers it was computed from: new answers clear it.
        profile.orientation = outcome.orientation if outcome else None
        profile.allowance_min = outcome.allowance_min if outcome else None
        profile.allowance_max = outcome.allowance_max if outcome else None
        profile.rules_applied_from = outcome.rules_applied_from if outcome else None
        profile.site_id = outcome.site_id if outcome else None
        profile.completed_at = now if outcome else None
        if not created:
            return True
        try:
            async with session.begin_nested():
                session.add(profile)
            return True
        except IntegrityError:
            if attempt == 2:
                raise
    return True


async def profile_of(session: AsyncSession, public_id: str) -> EligibilityProfile | None:
    contact_id = await contact_of_sender(session, public_id)
    return None if contact_id is None else await session.get(EligibilityProfile, contact_id)


async def record_under_16(session: AsyncSession, public_id: str, now: datetime) -> bool:
    """The young person said they are under 16 (#12): the fact is kept (`under_16_at`, first
    time only), their questionnaire answers (the age among them) are dropped. False when the
    sender is unknown. Call inside a transaction."""
    contact_id = await contact_of_sender(session, public_id)
    if contact_id is None:
        return False
    await session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.under_16_at.is_(None))
        .values(under_16_at=now)
    )
    await session.execute(
        delete(EligibilityProfile).where(EligibilityProfile.contact_id == contact_id)
    )
    return True


async def is_under_16(session: AsyncSession, public_id: str) -> bool:
    """Whether the young person said they are under 16."""
    contact_id = await contact_of_sender(session, public_id)
    if contact_id is None:
        return False
    said = await session.scalar(select(Contact.under_16_at).where(Contact.id == contact_id))
    return said is not None

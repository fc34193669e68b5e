"""The news offer (#11): once per young person, right after a first useful answer (an answer
to a question about the CEJ, the PACEA, a job, a training, papers or other help), the bot asks
whether they want the Mission Locale's news. Never to someone under 16, someone who said STOP,
someone already subscribed, in a crisis, or after an uncertain reading."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.content.texts import reply_text
from bot.core.messages import BotReply, Button, Reading
from bot.rasa.payloads import payload
from bot.storage import consents
from bot.storage.models import Contact, EligibilityProfile

USEFUL_INTENTS = frozenset(
    {
        "ask_cej",
        "ask_pacea",
        "compare_cej_pacea",
        "ask_allocation",
        "ask_mission_locale",
        "look_for_job",
        "look_for_training",
        "ask_documents",
        "ask_other_support",
    }
)
MIN_CONFIDENCE = 0.6
CONSENT_AGE = 16  # below, the Mission Locale is not the right place (and #12 keeps them out)


def useful(reading: Reading | None) -> bool:
    return (
        reading is not None
        and reading.intent in USEFUL_INTENTS
        and (reading.confidence or 0.0) >= MIN_CONFIDENCE
    )


def ends_with_a_question(said: list[BotReply]) -> bool:
    """The bot's turn waits for an answer (a form's next question, « tu veux savoir… ? »): the
    offer would come in between, so it waits for a later useful answer."""
    return bool(said) and said[-1].text.rstrip().endswith("?")


def offer() -> BotReply:
    return BotReply(
        text=reply_text("news", "offer"),
        buttons=(
            Button(reply_text("news", "button_yes"), payload("subscribe", confirm="oui")),
            Button(reply_text("news", "button_no"), payload("deny")),
        ),
    )


async def claim_offer(session: AsyncSession, contact_id: int, now: datetime) -> bool:
    """Whether to offer now; if so, it is recorded as offered (once, even across processes)."""
    row = (
        await session.execute(
            select(
                Contact.news_opt_in_at,
                Contact.unsubscribed_at,
                Contact.under_16_at,
                EligibilityProfile.age,
            )
            .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
            .where(Contact.id == contact_id, Contact.news_offered_at.is_(None))
        )
    ).one_or_none()
    if row is None:
        return False
    opted_in, stopped, under_16, age = row
    if opted_in is not None or stopped is not None or under_16 is not None:
        return False
    if age is not None and age < CONSENT_AGE:  # an age stored before #12 kept only the fact
        return False
    return await consents.mark_offered(session, contact_id, now)

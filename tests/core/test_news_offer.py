"""The news are offered once, after a first useful answer (#11): not after small talk or an
uncertain reading, never twice, never to someone who said STOP or is under 16, never in distress."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.texts import load_texts
from bot.core.dialogue import DialogueService
from bot.core.distress import load_distress_content
from bot.core.messages import BotReply, IncomingMessage, Reading
from bot.storage.models import Contact, EligibilityProfile
from tests.conftest import FakeEngine, FakeTrackerEraser, FixedClock

OFFER = "Tu veux recevoir les infos de la Mission Locale"


class FakeReadings:
    """What the NLU understood of the last message, as the test says."""

    def __init__(self) -> None:
        self.intent, self.confidence = "ask_cej", 0.93

    async def recent_readings(self, sender_id: str, limit: int = 5) -> list[Reading]:
        return [Reading(self.intent, self.confidence, None)]


def _service(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, readings: FakeReadings
) -> DialogueService:
    engine = FakeEngine()
    engine.replies = (BotReply("Le CEJ, c'est un accompagnement de 6 à 12 mois."),)
    return DialogueService(
        sessions, engine, clock, load_texts(), load_distress_content(),
        FakeTrackerEraser(), readings=readings,
    )  # fmt: skip


async def _offered(service: DialogueService, text: str, user: str = "u1") -> bool:
    result = await service.handle(IncomingMessage("webchat", user, text=text))
    return any(OFFER in reply.text for reply in result.replies)


async def test_offered_once_after_a_first_useful_answer(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    readings = FakeReadings()
    service = _service(sessions, clock, readings)

    readings.intent = "greet"
    assert not await _offered(service, "slt")
    readings.intent, readings.confidence = "ask_cej", 0.41  # an uncertain reading
    assert not await _offered(service, "c koi le truc")
    readings.confidence = 0.93
    assert await _offered(service, "c koi le cej")
    assert not await _offered(service, "et le pacea ?")  # once
    async with sessions() as session:
        contact = await session.scalar(select(Contact))
    assert contact is not None
    assert contact.news_offered_at is not None
    assert contact.news_opt_in_at is None  # offered is not subscribed


async def test_never_in_distress_after_stop_or_under_16(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    service = _service(sessions, clock, FakeReadings())

    assert not await _offered(service, "je dors dehors ce soir c koi le cej", user="crisis")
    await service.handle(IncomingMessage("webchat", "stopped", text="salut"))
    await service.handle(IncomingMessage("webchat", "young", text="salut"))
    async with sessions() as session, session.begin():
        contacts = list(await session.scalars(select(Contact).order_by(Contact.id)))
        stopped, young = contacts[1], contacts[2]
        await session.execute(
            update(Contact).where(Contact.id == stopped.id).values(unsubscribed_at=clock.now())
        )
        session.add(EligibilityProfile(contact_id=young.id, age=15, updated_at=clock.now()))
    assert not await _offered(service, "c koi le cej", user="stopped")
    assert not await _offered(service, "c koi le cej", user="young")


async def test_not_while_the_bot_waits_for_an_answer(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    """A form's next question (« Tu fais quoi en ce moment ? ») is not interrupted."""
    service = _service(sessions, clock, FakeReadings())
    service._engine.replies = (BotReply("Tu fais quoi en ce moment ?"),)  # type: ignore[attr-defined]

    assert not await _offered(service, "c koi le montant")

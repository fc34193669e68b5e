"""What the young person sees about their data (#12), in the dialogue router: the notice on a
new contact's first answer (once, after distress numbers, folded into the greeting), and a
sensitive number masked before it is stored or passed to Rasa, with a line saying so."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.texts import load_texts
from bot.core.dialogue import DialogueService, PrivacyNotice
from bot.core.distress import load_distress_content
from bot.core.messages import Attachment, BotReply, Button, IncomingMessage, Reading
from bot.settings import PrivacySettings
from bot.storage.models import Contact, Conversation, Message
from tests.conftest import FakeEngine, FakeTrackerEraser, FixedClock

PAGE = "https://chat.ml-exemple.fr/confidentialite"
WHO = "assistant automatique de la Mission Locale"
ERASE = "« supprime mes données »"
OFFER = "Tu veux recevoir les infos de la Mission Locale"


class UsefulReadings:
    async def recent_readings(self, sender_id: str, limit: int = 5) -> list[Reading]:
        return [Reading("ask_cej", 0.95, None)]


def _service(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    engine: FakeEngine,
    months: int = PrivacySettings().conversations_months,
) -> DialogueService:
    return DialogueService(
        sessions, engine, clock, load_texts(), load_distress_content(), FakeTrackerEraser(),
        readings=UsefulReadings(), privacy=PrivacyNotice(months, PAGE),
    )  # fmt: skip


def _text(text: str, user: str = "u1", channel: str = "telegram") -> IncomingMessage:
    return IncomingMessage(channel=channel, external_user_id=user, text=text)


async def _stored_texts(sessions: async_sessionmaker[AsyncSession]) -> list[str | None]:
    async with sessions() as session:
        return list((await session.scalars(select(Message.text).order_by(Message.id))).all())


async def test_the_notice_comes_once_with_the_first_answer(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    cej = BotReply("Le CEJ, c'est un accompagnement.", buttons=(Button("Et le PACEA ?", "/p"),))
    fake_engine.replies = (cej,)
    service = _service(sessions, clock, fake_engine, months=18)

    first = await service.handle(_text("c koi le cej"))
    second = await service.handle(_text("et le pacea"))

    notice, *answer = [reply.text for reply in first.replies]
    assert WHO in notice
    assert "18 mois" in notice  # the retention setting, not a figure written in the text
    for word in ("santé", "sécu", "banque"):  # what not to write here
        assert word in notice
    assert ERASE in notice
    assert PAGE in notice
    assert answer == [cej.text]
    assert first.replies[-1].buttons  # the buttons stay on the last message
    assert OFFER not in " ".join(answer)  # the first answer is long enough: the offer waits
    assert not any(PAGE in reply.text for reply in second.replies)
    assert any(OFFER in reply.text for reply in second.replies)
    assert notice in await _stored_texts(sessions)  # stored like any reply (the transcript)


async def test_each_new_contact_gets_it_whatever_the_channel(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)

    for channel in ("webchat", "telegram", "instagram"):
        result = await service.handle(_text("salut", user="same-id", channel=channel))
        assert PAGE in result.replies[0].text


async def test_the_greeting_carries_it_in_one_message(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    greeting = (
        "Salut 👋 Je suis l'assistant automatique de la Mission Locale. Je réponds sur le CEJ."
    )
    fake_engine.replies = (
        BotReply(greeting, buttons=(Button("C'est quoi le CEJ ?", "/ask_cej"),)),
    )
    service = _service(sessions, clock, fake_engine)

    [reply] = (await service.handle(_text("slt"))).replies

    assert reply.text.startswith(greeting + "\n\n🔒")
    assert reply.text.count("assistant automatique") == 1
    assert PAGE in reply.text
    assert [b.payload for b in reply.buttons] == ["/ask_cej"]


async def test_distress_numbers_come_before_the_notice(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)

    result = await service.handle(_text("je veux mourir"))

    texts = [reply.text for reply in result.replies]
    assert "3114" in texts[0]
    assert PAGE not in texts[0]
    assert any(PAGE in text for text in texts[1:])


async def test_an_attachment_or_rasa_down_still_gets_it(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)
    sticker = IncomingMessage("telegram", "u1", attachment=Attachment.STICKER)
    fake_engine.down = True

    [notice, sticker_reply] = (await service.handle(sticker)).replies
    [apology, again] = (await service.handle(_text("slt", user="u2"))).replies

    assert PAGE in notice.text
    assert sticker_reply.text == load_texts().attachment_reply("sticker")
    assert "je n'arrive pas à te répondre" in apology.text
    assert PAGE in again.text


async def test_without_privacy_settings_no_notice(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = DialogueService(
        sessions, fake_engine, clock, load_texts(), load_distress_content(), FakeTrackerEraser()
    )

    result = await service.handle(_text("slt"))

    assert [reply.text for reply in result.replies] == ["écho : slt", "Et ensuite ?"]


async def test_a_sensitive_number_is_masked_stored_and_passed_on_with_a_warning(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)
    await service.handle(_text("salut"))

    result = await service.handle(_text("mon rib FR76 3000 6000 0112 3456 7890 189 pour l'alloc"))

    masked = "mon rib •••••••••••••••••••••••0189 pour l'alloc"
    assert fake_engine.calls[-1][1] == masked
    stored = await _stored_texts(sessions)
    assert masked in stored
    assert not any("3000 6000" in (text or "") for text in stored)
    warning, *answer = [reply.text for reply in result.replies]
    assert "J'ai caché ton IBAN" in warning
    assert answer == [f"écho : {masked}", "Et ensuite ?"]


async def test_a_phone_number_is_not_masked_nor_warned_about(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)
    await service.handle(_text("salut"))

    result = await service.handle(_text("06 12 34 56 78"))

    assert fake_engine.calls[-1][1] == "06 12 34 56 78"
    assert [reply.text for reply in result.replies] == ["écho : 06 12 34 56 78", "Et ensuite ?"]


async def test_masked_even_while_a_counsellor_holds_the_conversation(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)
    first = await service.handle(_text("salut"))
    async with sessions() as session, session.begin():
        await session.execute(
            update(Conversation)
            .where(Conversation.id == first.conversation_id)
            .values(state="with_counsellor")
        )

    result = await service.handle(_text("ma secu c 1 85 05 78 006 084 91"))

    assert "ma secu c •••••••••••••91" in await _stored_texts(sessions)
    assert any("numéro de sécu" in reply.text for reply in result.replies)


async def test_no_news_offer_to_someone_under_16(
    sessions: async_sessionmaker[AsyncSession], fake_engine: FakeEngine, clock: FixedClock
) -> None:
    service = _service(sessions, clock, fake_engine)
    await service.handle(_text("salut"))
    async with sessions() as session, session.begin():
        await session.execute(update(Contact).values(under_16_at=clock.now()))

    result = await service.handle(_text("c koi le cej"))

    assert not any(OFFER in reply.text for reply in result.replies)

"""The campaign sweep (#11), on SQLite and PostgreSQL: one delivery row per recipient, each
message sent once; only young people who said yes, can be reached and are not with a
counsellor; Instagram only inside its 24 h window; paused in the quiet hours and resumed after;
a crash after writing leaves nothing unsent and nothing sent twice; two sweeps at once (two
processes) send each message once."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.delivery import DeliveryService
from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.core.vocabulary import CampaignStatus
from bot.errors import DeliveryFailed
from bot.scheduling.campaign_sweep import CampaignService
from bot.settings import SchedulingSettings
from bot.storage import campaigns as store
from bot.storage import conversations
from bot.storage.database import create_engine
from bot.storage.models import (
    Campaign,
    CampaignDelivery,
    ChannelIdentity,
    ConsentEvent,
    Contact,
    Conversation,
    Message,
)
from tests.booking.factories import make_identity, make_site
from tests.conftest import FixedClock
from tests.scheduling.test_reminder_sweep import PushChannel

Sessions = async_sessionmaker[AsyncSession]
# Tuesday 1 December 2026, 10:00 in Paris: outside the quiet hours.
DAYTIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class BlockedChannel(PushChannel):
    """Telegram where one chat blocked the bot."""

    def __init__(self, blocked: str) -> None:
        super().__init__()
        self.blocked = blocked

    async def send(self, recipient, message):  # type: ignore[no-untyped-def]
        if recipient.external_user_id == self.blocked:
            raise DeliveryFailed("blocked_by_user")
        await super().send(recipient, message)


async def _young(
    sessions: Sessions, now: datetime, channel: str, *, opted_in: bool = True, n: int = 1
) -> list[ChannelIdentity]:
    made = []
    async with sessions() as session, session.begin():
        for _ in range(n):
            identity = await make_identity(session, now, channel=channel)
            if opted_in:
                await session.execute(
                    update(Contact)
                    .where(Contact.id == identity.contact_id)
                    .values(news_opt_in_at=now)
                )
            made.append(identity)
    return made


async def _campaign(
    sessions: Sessions, now: datetime, targets: list[str], send_at: datetime | None = None
) -> int:
    async with sessions() as session, session.begin():
        await make_site(session, now)
        campaign = await store.create(
            session,
            values={
                "title": "Job-dating",
                "text": "Job-dating mardi à la Mission Locale !",
                "buttons": [{"kind": "book", "title": "Prendre rendez-vous"}],
                "targets": targets,
                "audience": {},
                "send_at": send_at or now,
            },
            status=CampaignStatus.SCHEDULED,
            account_id=None,  # type: ignore[arg-type]
            now=now,
        )
        return campaign.id


def _service(sessions: Sessions, clock: FixedClock, channel: PushChannel) -> CampaignService:
    delivery = DeliveryService(sessions, clock, {"telegram": channel})
    return CampaignService(sessions, clock, delivery, SchedulingSettings(), batch=3)


async def _states(sessions: Sessions, campaign_id: int) -> dict[str, int]:
    async with sessions() as session:
        return await store.counts(session, campaign_id)


async def test_every_opted_in_young_person_gets_it_once(sessions: Sessions) -> None:
    clock = FixedClock(DAYTIME)
    telegram = BlockedChannel(blocked="")
    yes = await _young(sessions, DAYTIME, "telegram", n=7)
    await _young(sessions, DAYTIME, "telegram", opted_in=False, n=2)
    web = await _young(sessions, DAYTIME, "webchat")
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm", "webchat"])
    service = _service(sessions, clock, telegram)

    await service.sweep(budget=5)
    await service.sweep(budget=5)  # nothing left: nothing sent again

    assert sorted(r.external_user_id for r, _ in telegram.sent) == sorted(
        i.external_id for i in yes
    )
    assert await _states(sessions, campaign_id) == {"sent": 8}
    async with sessions() as session:
        status = await session.scalar(select(Campaign.status))
        web_message = await session.scalar(
            select(Message.text)
            .join(Conversation)
            .where(Conversation.channel_identity_id == web[0].id)
        )
    assert status == CampaignStatus.DONE
    assert web_message is not None
    assert web_message.startswith("Job-dating mardi")


async def test_left_out_stopped_unreachable_with_a_counsellor_or_outside_instagrams_window(
    sessions: Sessions,
) -> None:
    clock = FixedClock(DAYTIME)
    telegram = PushChannel()
    [stopped, unreachable, held, fine] = await _young(sessions, DAYTIME, "telegram", n=4)
    [instagram] = await _young(sessions, DAYTIME, "instagram")
    async with sessions() as session, session.begin():
        await session.execute(
            update(Contact)
            .where(Contact.id == stopped.contact_id)
            .values(unsubscribed_at=DAYTIME, news_opt_in_at=None)
        )
        await session.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.id == unreachable.id)
            .values(unreachable_at=DAYTIME)
        )
        conversation = await conversations.open_conversation(session, held, DAYTIME)
        await conversations.set_conversation_state(
            session, conversation.id, ConversationState.WITH_COUNSELLOR, DAYTIME
        )
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm", "instagram_dm"])

    await _service(sessions, clock, telegram).sweep(budget=5)

    assert [r.external_user_id for r, _ in telegram.sent] == [fine.external_id]
    # Instagram: never wrote, so no open window: skipped, not sent, with the reason.
    assert await _states(sessions, campaign_id) == {"sent": 1, "skipped": 1}
    async with sessions() as session:
        assert await store.failures(session, campaign_id) == {"outside_24h_window": 1}
    assert instagram.channel == "instagram"


async def test_a_blocked_bot_fails_with_its_reason_and_marks_the_person_unreachable(
    sessions: Sessions,
) -> None:
    clock = FixedClock(DAYTIME)
    [blocked, fine] = await _young(sessions, DAYTIME, "telegram", n=2)
    telegram = BlockedChannel(blocked=blocked.external_id)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])

    await _service(sessions, clock, telegram).sweep(budget=5)

    assert await _states(sessions, campaign_id) == {"sent": 1, "failed": 1}
    async with sessions() as session:
        assert await store.failures(session, campaign_id) == {"blocked_by_user": 1}
        marked = await session.scalar(
            select(ChannelIdentity.unreachable_at).where(ChannelIdentity.id == blocked.id)
        )
    assert marked is not None
    assert fine.id != blocked.id


async def test_paused_in_the_quiet_hours_and_resumed_after(sessions: Sessions) -> None:
    evening = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)  # 21:30 in Paris
    clock = FixedClock(evening - timedelta(hours=1))
    telegram = PushChannel()
    await _young(sessions, clock.now(), "telegram", n=2)
    campaign_id = await _campaign(sessions, clock.now(), ["telegram_dm"], send_at=evening)
    service = _service(sessions, clock, telegram)

    clock.advance(hours=1)
    await service.sweep(budget=5)
    async with sessions() as session:
        paused = await session.get_one(Campaign, campaign_id)
    assert (paused.status, paused.paused_reason) == ("paused", "quiet_hours")
    assert telegram.sent == []

    clock.advance(hours=11)  # 08:30 in Paris
    await service.sweep(budget=5)
    assert len(telegram.sent) == 2
    assert await _states(sessions, campaign_id) == {"sent": 2}


async def test_a_crash_after_writing_leaves_nothing_unsent_and_nothing_twice(
    sessions: Sessions,
) -> None:
    clock = FixedClock(DAYTIME)
    telegram = PushChannel()
    await _young(sessions, DAYTIME, "telegram", n=5)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])

    class Crash(DeliveryService):
        async def deliver(self, messages, *, background=False):  # type: ignore[no-untyped-def]
            raise RuntimeError("the process stopped after its commit")

    crashing = CampaignService(
        sessions, clock, Crash(sessions, clock, {"telegram": telegram}), SchedulingSettings(),
        batch=3,
    )  # fmt: skip
    with contextlib.suppress(RuntimeError):
        await crashing.sweep(budget=5)
    assert telegram.sent == []

    await _service(sessions, clock, telegram).sweep(budget=5)  # the restarted process

    assert len(telegram.sent) == 5
    assert len({m.id for _, m in telegram.sent}) == 5
    assert await _states(sessions, campaign_id) == {"sent": 5}


async def test_two_sweeps_at_once_send_each_message_once(
    sessions: Sessions, database_url: str
) -> None:
    clock = FixedClock(DAYTIME)
    telegram = PushChannel()
    await _young(sessions, DAYTIME, "telegram", n=20)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])
    first, second = _service(sessions, clock, telegram), _service(sessions, clock, telegram)

    await asyncio.gather(first.sweep(budget=5), second.sweep(budget=5))

    assert len(telegram.sent) == 20
    assert len({r.external_user_id for r, _ in telegram.sent}) == 20
    assert await _states(sessions, campaign_id) == {"sent": 20}
    async with sessions() as session:
        out = await session.scalar(
            select(func.count())
            .select_from(Message)
            .where(
                Message.direction == Direction.OUT.value,
                Message.status == MessageStatus.SENT.value,
            )
        )
        rows = await session.scalar(select(func.count()).select_from(CampaignDelivery))
    assert (out, rows) == (20, 20)
    assert database_url


async def test_the_results_count_what_recipients_did_afterwards(sessions: Sessions) -> None:
    clock = FixedClock(DAYTIME)
    people = await _young(sessions, DAYTIME, "webchat", n=4)
    campaign_id = await _campaign(sessions, DAYTIME, ["webchat"])
    await _service(sessions, clock, PushChannel()).sweep(budget=5)
    later, too_late = DAYTIME + timedelta(hours=3), DAYTIME + timedelta(days=3)
    async with sessions() as session, session.begin():
        for identity, payload, at in [
            (people[0], "/book_appointment", later),  # tapped the button
            (people[1], None, later),  # answered in words
            (people[2], None, too_late),  # answered, but three days later
        ]:
            conversation = await conversations.open_conversation(session, identity, at)
            await conversations.insert_messages(
                session,
                [
                    conversations.message_row(
                        conversation_id=conversation.id, direction=Direction.IN,
                        author=Author.YOUNG_PERSON, status=MessageStatus.PROCESSED, now=at,
                        text=None if payload else "ok merci", payload=payload,
                    )
                ],
            )  # fmt: skip
        session.add(
            ConsentEvent(contact_id=people[3].contact_id, kind="opt_out", channel="webchat",
                         created_at=later)
        )  # fmt: skip

    async with sessions() as session:
        figures = await store.funnel(session, campaign_id, ["/book_appointment"])

    assert figures == {
        "delivered": 4,
        "unsubscribed_48h": 1,
        "tapped_48h": 1,
        "replied_48h": 2,
        "questionnaires_7d": 0,
        "appointments_7d": 0,
    }


async def test_a_sweep_out_of_time_says_messages_are_left(sessions: Sessions) -> None:
    clock = FixedClock(DAYTIME)
    telegram = PushChannel()
    await _young(sessions, DAYTIME, "telegram", n=4)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])
    service = _service(sessions, clock, telegram)

    assert await service.sweep(budget=0) is True  # started, no time left to send
    assert telegram.sent == []
    assert await service.sweep(budget=5) is False
    assert await _states(sessions, campaign_id) == {"sent": 4}


async def test_one_process_sends_at_a_time(sessions: Sessions, database_url: str) -> None:
    """Telegram's limit is per bot: on PostgreSQL a second process skips its sweep while one
    sends (an advisory lock), and sends once the first is done. SQLite has one process."""
    clock = FixedClock(DAYTIME)
    telegram = PushChannel()
    await _young(sessions, DAYTIME, "telegram", n=3)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])
    other = create_engine(database_url)
    try:
        async with store.sender_turn(other) as first:
            assert first is True
            left = await _service(sessions, clock, telegram).sweep(budget=5)
            if database_url.startswith("postgresql"):
                assert left is False
                assert telegram.sent == []
                assert await _states(sessions, campaign_id) == {}  # not even started
        await _service(sessions, clock, telegram).sweep(budget=5)
    finally:
        await other.dispose()
    assert len(telegram.sent) == 3
    assert await _states(sessions, campaign_id) == {"sent": 3}


async def test_batches_claimed_at_once_never_overlap(sessions: Sessions, database_url: str) -> None:
    """Without the sender lock too (a process that lost it mid-sweep): SKIP LOCKED."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: a second claim waits for the first")
    await _young(sessions, DAYTIME, "telegram", n=10)
    campaign_id = await _campaign(sessions, DAYTIME, ["telegram_dm"])
    await _service(sessions, FixedClock(DAYTIME), PushChannel()).sweep(budget=0)  # rows written
    async with sessions() as one, sessions() as two, one.begin(), two.begin():
        first = await store.claim_pending(one, campaign_id, 4, DAYTIME)
        second = await store.claim_pending(two, campaign_id, 4, DAYTIME)
        ids = [d.id for d, _ in first], [d.id for d, _ in second]
    assert len(ids[0]) == len(ids[1]) == 4
    assert not set(ids[0]) & set(ids[1])

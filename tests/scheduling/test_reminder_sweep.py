"""Appointment reminders fire once, on time, in the right channel (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.webchat.api import external_id
from bot.core.delivery import DeliveryReport, DeliveryService
from bot.core.messages import (
    Author,
    ConversationState,
    Direction,
    MessageStatus,
    OutgoingMessage,
    Recipient,
)
from bot.scheduling.reminder_sweep import ReminderService
from bot.settings import BookingSettings, SchedulingSettings
from bot.storage import conversations
from bot.storage import reminders as store
from bot.storage.database import create_engine, create_session_factory
from bot.storage.models import Appointment, AppointmentReminder, Conversation, Message
from bot.storage.reminders import PlannedReminder
from bot.wiring import CLOCK, REMINDERS, SCHEDULER, SESSIONS
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site
from tests.conftest import FixedClock

BOOKED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
# Tuesday 1 December 2026, 14:00 in Paris; reminders Monday 14:00 and Tuesday 12:00 (Paris).
STARTS = datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
DUE_24H = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
DUE_2H = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
PLACE = "à Antenne du centre, 12 rue de la République, 69001 Lyon"
Sessions = async_sessionmaker[AsyncSession]


@dataclass(frozen=True, slots=True)
class Booked:
    appointment_id: int
    identity_id: int
    conversation_id: int
    external_user_id: str


class PushChannel:
    """A fake Telegram: records what it was asked to send, and to whom."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, OutgoingMessage]] = []

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        await asyncio.sleep(0)  # let concurrent senders interleave
        self.sent.append((recipient, message))


class CrashingDelivery(DeliveryService):
    """The process stops after the sweep's commit, before anything is delivered."""

    async def deliver(
        self, messages: Sequence[OutgoingMessage], *, background: bool = False
    ) -> DeliveryReport:
        raise RuntimeError("process stopped")


async def book(
    sessions: Sessions,
    *,
    channel: str = "webchat",
    user: str = "",
    starts_at: datetime = STARTS,
    dues: dict[int, datetime] | None = None,
    status: str = "booked",
) -> Booked:
    """A booked appointment in Paris with its reminders (24 h and 2 h before by default)."""
    planned = [
        PlannedReminder(lead, due, None)
        for lead, due in (dues if dues is not None else {1440: DUE_24H, 120: DUE_2H}).items()
    ]
    async with sessions() as session, session.begin():
        site = await make_site(session, BOOKED_AT)
        counsellor = await make_counsellor(session, site, BOOKED_AT)
        identity = await make_identity(session, BOOKED_AT, channel=channel, external_id=user)
        appointment = await make_appointment(
            session, identity, counsellor, starts_at, BOOKED_AT, status=status
        )
        await store.insert_planned(session, appointment.id, planned, BOOKED_AT)
        conversation = await conversations.open_conversation(session, identity, BOOKED_AT)
    return Booked(appointment.id, identity.id, conversation.id, identity.external_id)


async def reminders_of(sessions: Sessions, appointment_id: int) -> dict[int, AppointmentReminder]:
    async with sessions() as session:
        rows = await session.scalars(
            select(AppointmentReminder).where(AppointmentReminder.appointment_id == appointment_id)
        )
        return {row.lead_minutes: row for row in rows}


async def outgoing(sessions: Sessions) -> list[Message]:
    async with sessions() as session:
        rows = await session.scalars(
            select(Message).where(Message.direction == Direction.OUT.value).order_by(Message.id)
        )
        return list(rows.all())


def service(
    sessions: Sessions,
    clock: FixedClock,
    channel: PushChannel | None = None,
    settings: SchedulingSettings | None = None,
) -> ReminderService:
    channels = {channel.name: channel} if channel is not None else {}
    delivery = DeliveryService(sessions, clock, channels)
    return ReminderService(sessions, clock, delivery, settings or SchedulingSettings())


@pytest.fixture
async def replica(database_url: str) -> AsyncIterator[Sessions]:
    """A second replica's own engine on the same database."""
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def test_a_reminder_fires_once_on_time_with_its_buttons(sessions: Sessions) -> None:
    booked = await book(sessions)
    clock = FixedClock(DUE_24H - timedelta(minutes=1))
    reminders = service(sessions, clock)

    assert await reminders.run_due() == 0
    assert await outgoing(sessions) == []

    clock.current = DUE_24H
    assert await reminders.run_due() == 1
    [message] = await outgoing(sessions)
    assert message.conversation_id == booked.conversation_id
    assert message.author == Author.SYSTEM.value
    assert message.status == MessageStatus.SENT.value  # the web chat page fetches it
    assert message.text == (
        f"📅 Petit rappel : ton rendez-vous avec Samia est demain à 14h, {PLACE}. Tu seras là ?"
    )
    rdv = f'{{"choice": "rdv={booked.appointment_id}"}}'
    assert message.buttons == [
        {"title": "Je serai là ✅", "payload": f"/confirm_appointment{rdv}"},
        {"title": "Annuler", "payload": f"/cancel_appointment{rdv}"},
        {"title": "Décaler", "payload": f"/reschedule_appointment{rdv}"},
    ]
    rows = await reminders_of(sessions, booked.appointment_id)
    assert (rows[1440].status, rows[1440].message_id, rows[1440].queued_at) == (
        "queued",
        message.id,
        DUE_24H,
    )
    assert rows[120].status == "scheduled"

    clock.advance(minutes=1)
    assert await reminders.run_due() == 0
    assert len(await outgoing(sessions)) == 1

    # On the day, the 2 h reminder says « aujourd'hui ».
    clock.current = DUE_2H
    assert await reminders.run_due() == 1
    assert (await outgoing(sessions))[-1].text == (
        f"⏰ C'est bientôt : ton rendez-vous est aujourd'hui à 14h, {PLACE}. Tu seras là ?"
    )
    assert await reminders.run_due() == 0


async def test_two_replicas_sweeping_at_once_send_one_reminder(
    sessions: Sessions, replica: Sessions
) -> None:
    await book(sessions, dues={1440: DUE_24H})
    clock = FixedClock(DUE_24H)
    replicas = [service(sessions, clock), service(replica, clock), service(sessions, clock)]

    counts = await asyncio.gather(*(r.run_due() for r in replicas))

    assert sorted(counts) == [0, 0, 1]
    assert len(await outgoing(sessions)) == 1


async def test_two_replicas_push_one_reminder_once(sessions: Sessions, replica: Sessions) -> None:
    await book(sessions, channel="telegram", dues={1440: DUE_24H})
    clock = FixedClock(DUE_24H)
    channel = PushChannel()

    await asyncio.gather(
        service(sessions, clock, channel).run_due(), service(replica, clock, channel).run_due()
    )

    assert len(channel.sent) == 1
    assert [m.status for m in await outgoing(sessions)] == [MessageStatus.SENT.value]


async def test_nothing_is_lost_or_sent_twice_across_a_restart(
    sessions: Sessions, replica: Sessions
) -> None:
    booked = await book(sessions)
    # The bot was down when the 24 h reminder fell due: the restarted one finds it.
    clock = FixedClock(DUE_24H + timedelta(hours=3))
    assert await service(replica, clock).run_due() == 1

    # Restarted again: the new instance finds nothing left to send.
    assert await service(sessions, FixedClock(clock.current)).run_due() == 0
    assert len(await outgoing(sessions)) == 1
    assert (await reminders_of(sessions, booked.appointment_id))[120].status == "scheduled"


async def test_a_reminder_interrupted_before_delivery_is_delivered_once(
    sessions: Sessions, replica: Sessions
) -> None:
    booked = await book(sessions, channel="telegram", user="4242", dues={1440: DUE_24H})
    clock = FixedClock(DUE_24H)
    crashed = ReminderService(
        sessions, clock, CrashingDelivery(sessions, clock, {}), SchedulingSettings()
    )
    with pytest.raises(RuntimeError, match="process stopped"):
        await crashed.run_due()
    [message] = await outgoing(sessions)
    assert (message.status, message.claimed_at) == (MessageStatus.PENDING.value, None)
    assert (await reminders_of(sessions, booked.appointment_id))[1440].status == "queued"

    clock.advance(minutes=1)
    channel = PushChannel()
    await asyncio.gather(
        service(sessions, clock, channel).run_due(), service(replica, clock, channel).run_due()
    )
    assert await service(sessions, clock, channel).run_due() == 0

    assert [(r.channel, r.external_user_id) for r, _ in channel.sent] == [("telegram", "4242")]
    assert channel.sent[0][1].id == message.id
    assert [m.status for m in await outgoing(sessions)] == [MessageStatus.SENT.value]


async def test_an_interrupted_reminder_is_not_sent_after_the_appointment(
    sessions: Sessions,
) -> None:
    await book(sessions, channel="telegram", dues={1440: DUE_24H})
    clock = FixedClock(DUE_24H)
    crashed = ReminderService(
        sessions, clock, CrashingDelivery(sessions, clock, {}), SchedulingSettings()
    )
    with pytest.raises(RuntimeError):
        await crashed.run_due()

    clock.current = STARTS + timedelta(minutes=1)
    channel = PushChannel()
    await service(sessions, clock, channel).run_due()

    assert channel.sent == []
    [message] = await outgoing(sessions)
    assert (message.status, message.failure_reason) == (MessageStatus.UNDELIVERED.value, "too_late")


async def test_no_reminder_for_a_cancelled_appointment(sessions: Sessions) -> None:
    cancelled = await book(sessions, status="cancelled")
    kept = await book(sessions)
    # Cancelled from the chat: its reminders are skipped in the cancellation's transaction.
    async with sessions() as session, session.begin():
        await session.execute(
            update(Appointment)
            .where(Appointment.id == kept.appointment_id)
            .values(status="cancelled")
        )
        assert await store.skip_for(session, kept.appointment_id, "cancelled") == 2

    clock = FixedClock(DUE_2H)
    assert await service(sessions, clock).run_due() == 0

    assert await outgoing(sessions) == []
    for booked in (cancelled, kept):
        rows = await reminders_of(sessions, booked.appointment_id)
        assert {(r.status, r.skipped_reason) for r in rows.values()} == {("skipped", "cancelled")}


async def test_reminders_that_must_not_go_are_skipped_with_a_reason(sessions: Sessions) -> None:
    started = await book(sessions, dues={1440: DUE_24H})
    gone = await book(sessions, dues={1440: DUE_24H})
    async with sessions() as session, session.begin():
        await session.execute(
            update(Appointment)
            .where(Appointment.id == gone.appointment_id)
            .values(channel_identity_id=None)
        )

    clock = FixedClock(STARTS + timedelta(minutes=5))  # the bot was down until after it began
    assert await service(sessions, clock).run_due() == 0

    assert await outgoing(sessions) == []
    assert (await reminders_of(sessions, started.appointment_id))[1440].skipped_reason == (
        "too_late"
    )
    assert (await reminders_of(sessions, gone.appointment_id))[1440].skipped_reason == (
        "no_channel"
    )


async def test_reminders_due_together_send_only_the_latest(sessions: Sessions) -> None:
    booked = await book(sessions)
    clock = FixedClock(DUE_2H + timedelta(minutes=10))  # down since before the 24 h one

    assert await service(sessions, clock).run_due() == 1

    [message] = await outgoing(sessions)
    assert message.text is not None
    assert message.text.startswith("⏰ C'est bientôt")
    rows = await reminders_of(sessions, booked.appointment_id)
    assert (rows[1440].status, rows[1440].skipped_reason) == ("skipped", "superseded")
    assert (rows[120].status, rows[120].message_id) == ("queued", message.id)


async def test_at_night_a_reminder_waits_for_the_morning(sessions: Sessions) -> None:
    # Tuesday 1 December 10:00 Paris; its reminder fell due on Monday while the bot was down.
    starts = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    booked = await book(sessions, starts_at=starts, dues={1440: starts - timedelta(days=1)})
    clock = FixedClock(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # Monday 23:30 in Paris
    reminders = service(sessions, clock)

    assert await reminders.run_due() == 0
    assert await outgoing(sessions) == []
    assert (await reminders_of(sessions, booked.appointment_id))[1440].status == "scheduled"

    clock.current = datetime(2026, 12, 1, 6, 59, tzinfo=UTC)  # 7:59 in Paris: still quiet
    assert await reminders.run_due() == 0
    clock.current = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 8:00 in Paris
    assert await reminders.run_due() == 1
    [message] = await outgoing(sessions)
    assert message.text == (
        f"⏰ C'est bientôt : ton rendez-vous est aujourd'hui à 10h, {PLACE}. Tu seras là ?"
    )


async def test_at_night_a_reminder_for_an_early_appointment_is_skipped(
    sessions: Sessions,
) -> None:
    # Tuesday 1 December 8:00 Paris: when the quiet hours end, it begins.
    starts = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    # Its 2 h reminder was planned for 20:45 the evening before; the bot was down until 23:30.
    evening = datetime(2026, 11, 30, 19, 45, tzinfo=UTC)
    booked = await book(sessions, starts_at=starts, dues={120: evening})
    clock = FixedClock(datetime(2026, 11, 30, 22, 30, tzinfo=UTC))  # Monday 23:30 in Paris

    assert await service(sessions, clock).run_due() == 0

    assert await outgoing(sessions) == []
    row = (await reminders_of(sessions, booked.appointment_id))[120]
    assert (row.status, row.skipped_reason) == ("skipped", "night")


async def test_each_reminder_goes_to_the_channel_it_was_booked_from(sessions: Sessions) -> None:
    on_telegram = await book(sessions, channel="telegram", user="1001", dues={1440: DUE_24H})
    on_webchat = await book(sessions, channel="webchat", dues={1440: DUE_24H})
    channel = PushChannel()

    assert await service(sessions, FixedClock(DUE_24H), channel).run_due() == 2

    [(recipient, pushed)] = channel.sent
    assert (recipient.channel, recipient.external_user_id) == ("telegram", "1001")
    assert [b.title for b in pushed.buttons] == ["Je serai là ✅", "Annuler", "Décaler"]
    assert pushed.conversation_id == on_telegram.conversation_id
    async with sessions() as session:
        [pulled] = await conversations.outgoing_after(session, on_webchat.identity_id, 0, 50)
        [sent] = await conversations.outgoing_after(session, on_telegram.identity_id, 0, 50)
    assert pulled.status == MessageStatus.SENT.value
    assert pulled.text is not None
    assert pulled.text.startswith("📅 Petit rappel")
    assert len(pulled.buttons or []) == 3
    assert (sent.id, sent.status) == (pushed.id, MessageStatus.SENT.value)


async def test_a_closed_conversation_gets_a_new_one(sessions: Sessions) -> None:
    booked = await book(sessions, dues={1440: DUE_24H})
    async with sessions() as session, session.begin():
        await conversations.set_conversation_state(
            session, booked.conversation_id, ConversationState.CLOSED, BOOKED_AT
        )

    assert await service(sessions, FixedClock(DUE_24H)).run_due() == 1

    [message] = await outgoing(sessions)
    async with sessions() as session:
        conversation = await session.get_one(Conversation, message.conversation_id)
    assert conversation.id != booked.conversation_id
    assert conversation.channel_identity_id == booked.identity_id
    assert conversation.state == ConversationState.BOT.value


# --- through the application: the web chat page fetches its reminder -----------------------------

Client = TestClient[web.Request, web.Application]
USER = "RappelRappelRappel_-1234"


async def test_the_web_chat_gets_its_reminder_through_get(client: Client) -> None:
    app = client.app
    booked = await book(app[SESSIONS], user=external_id(USER), dues={1440: DUE_24H})
    clock = app[CLOCK]
    assert isinstance(clock, FixedClock)
    clock.current = DUE_24H

    await app[REMINDERS].run_due()

    response = await client.get("/webchat/api/messages", params={"user_id": USER, "after": "0"})
    assert response.status == 200
    [message] = (await response.json())["messages"]
    assert message["text"].startswith("📅 Petit rappel : ton rendez-vous avec Samia est demain")
    assert message["buttons"][0] == {
        "title": "Je serai là ✅",
        "payload": f'/confirm_appointment{{"choice": "rdv={booked.appointment_id}"}}',
    }
    after = str(message["id"])
    response = await client.get("/webchat/api/messages", params={"user_id": USER, "after": after})
    assert (await response.json())["messages"] == []


async def test_the_application_sweeps_for_due_reminders(client: Client) -> None:
    job = client.app[SCHEDULER].get_job("reminders")

    assert job is not None
    assert job.trigger.interval == timedelta(seconds=BookingSettings().reminder_sweep_seconds)
    assert (job.coalesce, job.max_instances) == (True, 1)

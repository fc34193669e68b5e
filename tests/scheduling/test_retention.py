"""The retention purge (#12), with an injected clock, on SQLite and PostgreSQL: what goes and
what stays for each rule (Rasa's tracker events included), the monthly figures counted before
anything is deleted and never twice, two purges at once."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import ConversationState
from bot.rasa.tracker_store import SqlTrackerStore
from bot.scheduling.retention import RetentionService, months_before
from bot.settings import PrivacySettings
from bot.storage.models import (
    Appointment,
    AppointmentReminder,
    AuditEntry,
    Base,
    Campaign,
    CampaignDelivery,
    ChannelIdentity,
    ConsentEvent,
    Contact,
    Conversation,
    CountedMonth,
    EligibilityProfile,
    Message,
    OutreachSource,
    ReceivedEvent,
    StaffAccount,
    StaffSession,
    UsageAggregate,
)
from tests.booking.factories import make_appointment, make_counsellor, make_site
from tests.conftest import FixedClock

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


def ago(*, months: int = 0, days: int = 0) -> datetime:
    return months_before(NOW, months) - timedelta(days=days)


def test_months_are_calendar_months() -> None:
    assert months_before(datetime(2026, 3, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )
    assert months_before(NOW, 24) == datetime(2024, 11, 23, 9, 30, tzinfo=UTC)


def test_everything_attached_to_a_contact_goes_with_it() -> None:
    """Every foreign key to a contact or an identity cascades (or lets go): deleting the contact
    leaves nothing of the person behind and is never refused."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                assert isinstance(key, ForeignKey)
                if key.column.table.name in ("contacts", "channel_identities"):
                    assert key.ondelete in ("CASCADE", "SET NULL"), (table.name, column.name)


# --- a tracker store like Rasa's ----------------------------------------------------------------


def make_tracker(path: Path) -> SqlTrackerStore:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        )
    return SqlTrackerStore.from_url(f"sqlite:///{path}")


def add_tracker_events(path: Path, sender: str, *moments: datetime) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) "
            "VALUES (?, 'user', ?, 'greet', '{}')",
            [(sender, moment.timestamp()) for moment in moments],
        )


def tracker_events(path: Path) -> list[tuple[str, float]]:
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT sender_id, timestamp FROM events ORDER BY id")
        return [(str(sender), float(at)) for sender, at in rows.fetchall()]


# --- the rows ------------------------------------------------------------------------------------


async def person(
    session: AsyncSession,
    *,
    created: datetime,
    last_seen: datetime,
    talked: datetime | None = None,
    message_at: datetime | None = None,
    source: OutreachSource | None = None,
    orientation: str | None = None,
    site_id: int | None = None,
) -> ChannelIdentity:
    """A contact on the web chat; with a conversation changed at `talked` when given (and a
    message at `message_at`), a questionnaire completed when `orientation` is."""
    identity = ChannelIdentity(
        contact=Contact(
            created_at=created, last_seen_at=last_seen, source_id=source.id if source else None
        ),
        channel="webchat",
        external_id=secrets.token_hex(8),
        public_id=secrets.token_hex(16),
        created_at=created,
    )
    session.add(identity)
    await session.flush()
    if orientation is not None:
        session.add(
            EligibilityProfile(
                contact_id=identity.contact_id,
                orientation=orientation,
                site_id=site_id,
                updated_at=created,
                completed_at=created,
            )
        )
    session.add(
        ConsentEvent(
            contact_id=identity.contact_id, kind="opt_in", channel="webchat", created_at=created
        )
    )
    if talked is not None:
        conversation = Conversation(
            channel_identity_id=identity.id,
            state=ConversationState.CLOSED.value,
            urgent=False,
            created_at=created,
            updated_at=talked,
        )
        session.add(conversation)
        await session.flush()
        session.add(
            Message(
                conversation_id=conversation.id,
                direction="in",
                author="young_person",
                text="bonjour",
                status="processed",
                created_at=message_at or talked,
            )
        )
    await session.flush()
    return identity


@dataclass
class World:
    """What the test made, by what should happen to it."""

    forgotten: ChannelIdentity  # everything gone: old conversation, contact with nothing left
    old_talk: ChannelIdentity  # its conversation goes, the contact stays (seen 13 months ago)
    recent_message: ChannelIdentity  # conversation changed long ago, a message 2 months ago
    booked: ChannelIdentity  # appointment 23 months ago: stays, so does the contact
    old_appointment: ChannelIdentity  # appointment 25 months ago: goes, and then the contact
    subscriber: ChannelIdentity  # last seen 25 months ago, a campaign message last month
    old_delivery: int
    recent_delivery: int
    recent_appointment_id: int
    live_session: str
    recent_audit: int


async def make_world(sessions: Sessions) -> World:
    async with sessions() as session, session.begin():
        site = await make_site(session, ago(months=40))
        counsellor = await make_counsellor(session, site, ago(months=40))
        poster = OutreachSource(
            code="affiche-gare", label="Affiche", kind="poster", created_at=ago(months=40)
        )
        session.add(poster)
        await session.flush()
        forgotten = await person(
            session,
            created=ago(months=30),
            last_seen=ago(months=25),
            talked=ago(months=25),
            source=poster,
            orientation="cej",
            site_id=site.id,
        )
        old_talk = await person(
            session, created=ago(months=14), last_seen=ago(months=13), talked=ago(months=13)
        )
        recent_message = await person(
            session,
            created=ago(months=14),
            last_seen=ago(months=2),
            talked=ago(months=13),
            message_at=ago(months=2),
        )
        booked = await person(
            session, created=ago(months=30), last_seen=ago(months=25), talked=ago(months=25)
        )
        recent = await make_appointment(session, booked, counsellor, ago(months=23), ago(months=25))
        old_appointment = await person(
            session, created=ago(months=30), last_seen=ago(months=26), source=poster
        )
        old = await make_appointment(
            session, old_appointment, counsellor, ago(months=25), ago(months=26), status="attended"
        )
        session.add(
            AppointmentReminder(
                appointment_id=old.id, lead_minutes=60, due_at=ago(months=25), status="skipped"
            )
        )
        subscriber = await person(session, created=ago(months=30), last_seen=ago(months=25))
        account = StaffAccount(
            email="admin@ml.fr",
            name="Admin",
            role="admin",
            password_hash="x",
            created_at=ago(months=40),
        )
        session.add(account)
        await session.flush()
        campaign = Campaign(
            title="Job dating",
            text="Viens !",
            targets=["webchat"],
            status="done",
            send_at=ago(months=8),
            created_at=ago(months=8),
            updated_at=ago(months=8),
        )
        session.add(campaign)
        await session.flush()
        old_delivery = CampaignDelivery(
            campaign_id=campaign.id,
            channel_identity_id=old_talk.id,
            state="sent",
            updated_at=ago(months=7),
        )
        recent_delivery = CampaignDelivery(
            campaign_id=campaign.id,
            channel_identity_id=recent_message.id,
            state="sent",
            updated_at=ago(months=5),
        )
        uncounted = CampaignDelivery(
            campaign_id=campaign.id,
            channel_identity_id=subscriber.id,
            state="sent",
            updated_at=NOW - timedelta(days=3),  # this month: not counted yet
        )
        session.add_all([old_delivery, recent_delivery, uncounted])
        session.add_all(
            [
                ReceivedEvent(
                    channel="telegram", event_id="1", received_at=NOW - timedelta(days=8)
                ),
                ReceivedEvent(
                    channel="telegram", event_id="2", received_at=NOW - timedelta(days=6)
                ),
            ]
        )
        live = secrets.token_hex(32)
        for token, expires in (
            (secrets.token_hex(32), NOW - timedelta(minutes=1)),
            (live, NOW + timedelta(hours=1)),
        ):
            session.add(
                StaffSession(
                    token_hash=token,
                    account_id=account.id,
                    csrf_token="c",
                    created_at=NOW - timedelta(hours=8),
                    last_seen_at=NOW - timedelta(hours=1),
                    expires_at=expires,
                )
            )
        old_audit = AuditEntry(at=ago(months=13), staff="admin@ml.fr", action="view")
        recent_audit = AuditEntry(at=ago(months=11), staff="admin@ml.fr", action="view")
        session.add_all([old_audit, recent_audit])
        await session.flush()
        return World(
            forgotten, old_talk, recent_message, booked, old_appointment, subscriber,
            old_delivery.id, recent_delivery.id, recent.id, live, recent_audit.id,
        )  # fmt: skip


async def ids(sessions: Sessions, column: Any) -> set[Any]:
    async with sessions() as session:
        return set((await session.scalars(select(column))).all())


async def figures(sessions: Sessions) -> dict[tuple[Any, ...], int]:
    async with sessions() as session:
        rows = (await session.scalars(select(UsageAggregate))).all()
    totals: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = (row.month, row.metric, row.source_code, row.channel, row.outcome, row.site_id)
        totals[key] = totals.get(key, 0) + row.count
    return totals


def service(
    sessions: Sessions, tracker: SqlTrackerStore | None, batch: int = 2
) -> RetentionService:
    # A batch of 2 rows: every rule goes through several transactions.
    return RetentionService(sessions, FixedClock(NOW), PrivacySettings(), tracker, batch=batch)


# --- the tests -----------------------------------------------------------------------------------


async def test_each_rule_deletes_what_is_past_its_retention_and_keeps_the_rest(
    sessions: Sessions, tmp_path: Path
) -> None:
    world = await make_world(sessions)
    tracker = make_tracker(tmp_path / "rasa.db")
    add_tracker_events(tmp_path / "rasa.db", world.forgotten.public_id, ago(months=25))
    add_tracker_events(
        tmp_path / "rasa.db", world.recent_message.public_id, ago(months=13), ago(months=2)
    )
    contacts_before = await ids(sessions, Contact.id)

    report = await service(sessions, tracker).run()
    await tracker.close()

    assert report is not None
    conversations = await ids(sessions, Conversation.channel_identity_id)
    assert conversations == {world.recent_message.id}  # the others: no activity for 12 months
    assert await ids(sessions, Message.created_at) == {ago(months=2)}
    contacts = await ids(sessions, Contact.id)
    gone = {world.forgotten.contact_id, world.old_appointment.contact_id}
    assert contacts == contacts_before - gone
    assert world.subscriber.contact_id in contacts  # a campaign message not counted yet
    assert world.booked.contact_id in contacts  # an appointment left
    assert await ids(sessions, ChannelIdentity.contact_id) == contacts
    assert await ids(sessions, ConsentEvent.contact_id) == contacts
    assert await ids(sessions, EligibilityProfile.contact_id) == set()  # went with its contact
    assert await ids(sessions, Appointment.id) == {world.recent_appointment_id}
    assert await ids(sessions, AppointmentReminder.id) == set()
    deliveries = await ids(sessions, CampaignDelivery.id)
    assert world.old_delivery not in deliveries
    assert world.recent_delivery in deliveries
    assert await ids(sessions, ReceivedEvent.event_id) == {"2"}
    assert await ids(sessions, StaffSession.token_hash) == {world.live_session}
    assert await ids(sessions, AuditEntry.id) == {world.recent_audit}
    assert tracker_events(tmp_path / "rasa.db") == [
        (world.recent_message.public_id, ago(months=2).timestamp())
    ]
    assert (report.conversations, report.contacts, report.appointments) == (3, 2, 1)
    assert (report.deliveries, report.received_events, report.staff_sessions) == (1, 1, 1)
    assert (report.audit_entries, report.tracker_events) == (1, 2)


async def test_the_monthly_figures_are_counted_before_and_survive_the_purge(
    sessions: Sessions, tmp_path: Path
) -> None:
    world = await make_world(sessions)
    tracker = make_tracker(tmp_path / "rasa.db")

    first = await service(sessions, tracker).run()
    counted = await figures(sessions)
    second = await service(sessions, tracker).run()
    await tracker.close()

    assert first is not None
    assert second is not None
    assert second.months_counted == 0
    assert await figures(sessions) == counted
    created = date(ago(months=30).year, ago(months=30).month, 1)
    site_id = await ids(sessions, UsageAggregate.site_id) - {None}
    # The forgotten contact's month: new contacts from the poster, its questionnaire (cej).
    assert counted[(created, "new_contacts", "affiche-gare", "webchat", None, None)] == 1
    assert counted[(created, "new_contacts", "affiche-gare", "webchat", None, *site_id)] == 1
    assert counted[(created, "questionnaires", "affiche-gare", "webchat", "cej", *site_id)] == 1
    assert counted[(created, "conversations", None, "webchat", None, None)] == 1
    assert sum(n for k, n in counted.items() if k[1] == "new_contacts") == 6
    attended = date(ago(months=25).year, ago(months=25).month, 1)
    assert counted[(attended, "appointments", "affiche-gare", "webchat", "attended", *site_id)] == 1
    assert sum(n for k, n in counted.items() if k[1] == "campaign_messages") == 2
    # Every complete month up to the last one is marked (none of the month in progress).
    months = await ids(sessions, CountedMonth.month)
    assert min(months) == created
    assert max(months) == date(2026, 10, 1)
    assert world.subscriber.contact_id in await ids(sessions, Contact.id)


async def test_a_month_is_counted_a_week_after_it_ends(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        await person(session, created=datetime(2026, 10, 30, tzinfo=UTC), last_seen=NOW)
    early = RetentionService(
        sessions, FixedClock(datetime(2026, 11, 5, tzinfo=UTC)), PrivacySettings(), None
    )

    await early.run()
    assert await ids(sessions, CountedMonth.month) == set()  # October ended 5 days ago
    await service(sessions, None).run()

    assert await ids(sessions, CountedMonth.month) == {date(2026, 10, 1)}
    assert sum((await figures(sessions)).values()) == 1


async def test_two_purges_at_once_neither_fail_nor_count_twice(
    sessions: Sessions, tmp_path: Path
) -> None:
    await make_world(sessions)
    tracker = make_tracker(tmp_path / "rasa.db")

    reports = await asyncio.gather(
        service(sessions, tracker).run(), service(sessions, tracker).run()
    )
    await tracker.close()

    assert any(report is not None for report in reports)
    counted = await figures(sessions)
    assert sum(n for k, n in counted.items() if k[1] == "new_contacts") == 6
    assert sum(n for k, n in counted.items() if k[1] == "appointments") == 2
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 4


async def test_nothing_is_deleted_that_is_not_counted(sessions: Sessions) -> None:
    """With a one-month retention, a conversation of last month waits for its month's count."""
    async with sessions() as session, session.begin():
        await person(
            session,
            created=datetime(2026, 10, 2, tzinfo=UTC),
            last_seen=datetime(2026, 10, 2, tzinfo=UTC),
            talked=datetime(2026, 10, 2, tzinfo=UTC),
        )
    short = PrivacySettings(conversations_months=1)
    clock = FixedClock(datetime(2026, 11, 3, tzinfo=UTC))

    await RetentionService(sessions, clock, short, None).run()
    assert len(await ids(sessions, Conversation.id)) == 1  # October is not counted yet
    clock.current = datetime(2026, 11, 9, tzinfo=UTC)
    await RetentionService(sessions, clock, short, None).run()

    assert await ids(sessions, Conversation.id) == set()
    assert sum(n for k, n in (await figures(sessions)).items() if k[1] == "conversations") == 1


async def test_a_missing_tracker_table_is_nothing_to_purge(tmp_path: Path) -> None:
    tracker = SqlTrackerStore.from_url(f"sqlite:///{tmp_path / 'empty.db'}")
    assert await tracker.purge_before(NOW) == 0
    await tracker.close()

"""Campaigns as stored (#11): who the audience is (one query, also for the live count), the
campaign's rows, starting it (one delivery row per recipient, written once), and claiming the
rows to send in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL: several bot processes share the
work; SQLite has one writer), and which process sends (`sender_turn`)."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.core.messages import ConversationState, Direction
from bot.core.vocabulary import (
    AGE_BANDS,
    AppointmentStatus,
    CampaignStatus,
    ConsentKind,
    DeliveryState,
    PostState,
    SourceKind,
)
from bot.storage.database import advisory_turn
from bot.storage.models import (
    Appointment,
    Campaign,
    CampaignDelivery,
    CampaignPost,
    ChannelIdentity,
    ConsentEvent,
    Contact,
    Conversation,
    EligibilityProfile,
    Message,
    OutreachSource,
    Site,
)

MIN_AGE = 16  # under 16, never a campaign (the Mission Locale is not the right place yet)
# The PostgreSQL advisory lock a process holds while it sends campaigns (any fixed number).
SENDER_LOCK_KEY = 7_311_001


def sender_turn(engine: AsyncEngine) -> AbstractAsyncContextManager[bool]:
    """Whether this process sends campaigns now. Telegram's ~30 messages/s is per bot, not per
    process: two processes sending at once would each fill their own window and draw 429s that
    halt every send. One process at a time sends (a PostgreSQL advisory lock)."""
    return advisory_turn(engine, SENDER_LOCK_KEY)


def recipients(audience: dict[str, Any], channels: Sequence[str], now: datetime) -> Select[Any]:
    """The identities a campaign's messages go to: said yes to the news and not stop since,
    reachable, not under 16, not in a conversation a counsellor holds; narrowed by `audience`
    (the parsed filters of bot/campaigns/audience.py, as JSON)."""
    held = exists().where(
        Conversation.channel_identity_id == ChannelIdentity.id,
        Conversation.state == ConversationState.WITH_COUNSELLOR.value,
    )
    statement = (
        select(ChannelIdentity.id)
        .join(Contact, Contact.id == ChannelIdentity.contact_id)
        .outerjoin(EligibilityProfile, EligibilityProfile.contact_id == Contact.id)
        .where(
            ChannelIdentity.channel.in_(list(channels)),
            Contact.news_opt_in_at.is_not(None),
            Contact.unsubscribed_at.is_(None),
            ChannelIdentity.unreachable_at.is_(None),
            ~held,
            Contact.under_16_at.is_(None),  # they said so (#12); only the fact is kept
            (EligibilityProfile.age.is_(None)) | (EligibilityProfile.age >= MIN_AGE),
        )
    )
    if audience.get("site_id") is not None:
        statement = statement.where(EligibilityProfile.site_id == int(audience["site_id"]))
    if audience.get("department") is not None:
        department = str(audience["department"])
        statement = statement.where(
            exists().where(
                Site.id == EligibilityProfile.site_id, Site.postcode.startswith(department)
            )
        )
    if audience.get("age_band") is not None:
        low, high = AGE_BANDS[str(audience["age_band"])]
        statement = statement.where(EligibilityProfile.age.between(low, high))
    if audience.get("source") is not None:
        statement = statement.where(
            exists().where(
                OutreachSource.id == Contact.source_id, OutreachSource.code == audience["source"]
            )
        )
    if audience.get("outcome") is not None:
        statement = statement.where(EligibilityProfile.orientation == audience["outcome"])
    if audience.get("active_days") is not None:
        since = now - timedelta(days=int(audience["active_days"]))
        statement = statement.where(Contact.last_seen_at >= since)
    if audience.get("appointment") is not None:
        upcoming = exists().where(
            Appointment.contact_id == Contact.id,
            Appointment.status == AppointmentStatus.BOOKED.value,
            Appointment.starts_at > now,
        )
        statement = statement.where(upcoming if audience["appointment"] else ~upcoming)
    return statement


async def count(
    session: AsyncSession, audience: dict[str, Any], channels: Sequence[str], now: datetime
) -> int:
    if not channels:
        return 0
    inner = recipients(audience, channels, now).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def count_in_window(
    session: AsyncSession, audience: dict[str, Any], channel: str, since: datetime, now: datetime
) -> int:
    """How many of a channel's audience wrote since `since` (Instagram: who can get a message
    now, inside Meta's 24 h window)."""
    wrote = exists().where(
        Conversation.channel_identity_id == ChannelIdentity.id,
        Message.conversation_id == Conversation.id,
        Message.direction == Direction.IN.value,
        Message.created_at >= since,
    )
    inner = recipients(audience, [channel], now).where(wrote).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def start(
    session: AsyncSession, campaign: Campaign, channels: Sequence[str], now: datetime
) -> bool:
    """Running from now: one delivery row per recipient (unique per campaign and identity) and
    one row per post. False when another process started it first (nothing written)."""
    changed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == CampaignStatus.SCHEDULED.value)
        .values(status=CampaignStatus.RUNNING.value, started_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if not changed.rowcount:  # type: ignore[attr-defined]
        return False
    if channels:
        ids = recipients(campaign.audience, channels, now).subquery()
        await session.execute(
            insert(CampaignDelivery).from_select(
                ["campaign_id", "channel_identity_id", "state", "updated_at"],
                select(
                    literal(campaign.id),
                    ids.c.id,
                    literal(DeliveryState.PENDING.value),
                    literal(now),
                ),
            )
        )
    return True


async def add_posts(
    session: AsyncSession, campaign_id: int, targets: Sequence[str], now: datetime
) -> None:
    for target in targets:
        session.add(
            CampaignPost(
                campaign_id=campaign_id, target=target, state=PostState.PENDING.value,
                updated_at=now,
            )
        )  # fmt: skip
    await session.flush()


async def due(session: AsyncSession, now: datetime) -> list[Campaign]:
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.SCHEDULED.value, Campaign.send_at <= now)
        .order_by(Campaign.send_at, Campaign.id)
    )
    return list(rows)


async def running(session: AsyncSession) -> list[Campaign]:
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.status.in_([CampaignStatus.RUNNING.value, CampaignStatus.PAUSED.value]))
        .order_by(Campaign.id)
    )
    return list(rows)


async def claim_pending(
    session: AsyncSession, campaign_id: int, limit: int, now: datetime
) -> list[tuple[CampaignDelivery, ChannelIdentity]]:
    """Take up to `limit` pending rows for this transaction (queued from now; back to pending
    if it rolls back). One UPDATE, first in the transaction: on PostgreSQL its subquery skips
    the rows another process locked; on SQLite it takes the write lock at once, so a second
    sweep waits and then finds them taken."""
    pending = (
        select(CampaignDelivery.id)
        .where(
            CampaignDelivery.campaign_id == campaign_id,
            CampaignDelivery.state == DeliveryState.PENDING.value,
        )
        .order_by(CampaignDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    taken = await session.execute(
        update(CampaignDelivery)
        .where(CampaignDelivery.id.in_(pending.scalar_subquery()))
        .values(state=DeliveryState.QUEUED.value, updated_at=now)
        .returning(CampaignDelivery.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(taken.scalars())
    if not ids:
        return []
    rows = await session.execute(
        select(CampaignDelivery, ChannelIdentity)
        .join(ChannelIdentity, ChannelIdentity.id == CampaignDelivery.channel_identity_id)
        .where(CampaignDelivery.id.in_(ids))
        .order_by(CampaignDelivery.id)
        .execution_options(populate_existing=True)
    )
    return [(delivery, identity) for delivery, identity in rows.all()]


async def counts(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(CampaignDelivery.state, func.count())
        .where(CampaignDelivery.campaign_id == campaign_id)
        .group_by(CampaignDelivery.state)
    )
    return {str(state): int(n) for state, n in rows.all()}


async def set_status(
    session: AsyncSession,
    campaign_id: int,
    now: datetime,
    to: CampaignStatus,
    *,
    allowed_from: Sequence[CampaignStatus],
    paused_reason: str | None = None,
) -> bool:
    """Change the status only from one of `allowed_from` (a race loses without harm)."""
    values: dict[str, Any] = {"status": to.value, "updated_at": now, "paused_reason": paused_reason}
    if to in (CampaignStatus.DONE, CampaignStatus.CANCELLED):
        values["finished_at"] = now
    changed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status.in_([s.value for s in allowed_from]))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def last_incoming_at(session: AsyncSession, identity_id: int) -> datetime | None:
    """When this person last wrote on this channel (Instagram's 24 h window)."""
    return await session.scalar(
        select(func.max(Message.created_at))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.channel_identity_id == identity_id,
            Message.direction == Direction.IN.value,
        )
    )


async def create(
    session: AsyncSession,
    *,
    values: dict[str, Any],
    status: CampaignStatus,
    account_id: int,
    now: datetime,
) -> Campaign:
    """A new campaign with its own outreach source (`camp-<n>`): whatever its links and
    buttons bring is attributed to it."""
    campaign = Campaign(
        **values,
        status=status.value,
        created_by=account_id,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    source = OutreachSource(
        code=f"camp-{campaign.id}",
        label=f"Campagne : {campaign.title}"[:200],
        kind=SourceKind.CAMPAIGN.value,
        created_at=now,
    )
    session.add(source)
    await session.flush()
    campaign.source_id = source.id
    await session.flush()
    return campaign


async def listed(session: AsyncSession, limit: int = 100) -> list[Campaign]:
    rows = await session.scalars(select(Campaign).order_by(Campaign.id.desc()).limit(limit))
    return list(rows)


async def posts_of(session: AsyncSession, campaign_id: int) -> list[CampaignPost]:
    rows = await session.scalars(
        select(CampaignPost)
        .where(CampaignPost.campaign_id == campaign_id)
        .order_by(CampaignPost.id)
    )
    return list(rows)


async def failures(session: AsyncSession, campaign_id: int) -> dict[str, int]:
    """Rows that did not go, by reason (failed and skipped)."""
    rows = await session.execute(
        select(CampaignDelivery.reason, func.count())
        .where(
            CampaignDelivery.campaign_id == campaign_id,
            CampaignDelivery.state.in_([DeliveryState.FAILED.value, DeliveryState.SKIPPED.value]),
        )
        .group_by(CampaignDelivery.reason)
    )
    return {str(reason): int(n) for reason, n in rows.all()}


async def pending_posts(session: AsyncSession, campaign_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(CampaignPost.id, CampaignPost.target).where(
            CampaignPost.campaign_id == campaign_id,
            CampaignPost.state == PostState.PENDING.value,
        )
    )
    return [(int(i), str(t)) for i, t in rows.all()]


async def claim_post(session: AsyncSession, post_id: int, now: datetime) -> bool:
    changed = await session.execute(
        update(CampaignPost)
        .where(CampaignPost.id == post_id, CampaignPost.state == PostState.PENDING.value)
        .values(state=PostState.PROCESSING.value, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(changed.rowcount)  # type: ignore[attr-defined]


async def finish_post(
    session: AsyncSession, post_id: int, external_id: str | None, reason: str | None, now: datetime
) -> None:
    state = PostState.PUBLISHED if external_id is not None else PostState.FAILED
    await session.execute(
        update(CampaignPost)
        .where(CampaignPost.id == post_id)
        .values(state=state.value, external_id=external_id, reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )


async def interrupt_stale_posts(session: AsyncSession, claimed_before: datetime) -> None:
    await session.execute(
        update(CampaignPost)
        .where(
            CampaignPost.state == PostState.PROCESSING.value,
            CampaignPost.claimed_at < claimed_before,
        )
        .values(state=PostState.FAILED.value, reason="interrupted")
        .execution_options(synchronize_session=False)
    )


async def source_code(session: AsyncSession, campaign: Campaign) -> str | None:
    if campaign.source_id is None:
        return None
    return await session.scalar(
        select(OutreachSource.code).where(OutreachSource.id == campaign.source_id)
    )


FUNNEL_SHORT = timedelta(hours=48)
FUNNEL_LONG = timedelta(days=7)
FUNNEL_KEYS = (
    "delivered",
    "unsubscribed_48h",
    "tapped_48h",
    "replied_48h",
    "questionnaires_7d",
    "appointments_7d",
)


async def funnel(session: AsyncSession, campaign_id: int, tapped: Sequence[str]) -> dict[str, int]:
    """What recipients did after their message (counts only): stopped the news, tapped one of
    its buttons or answered within 48 h; finished the questionnaire or booked within 7 days.
    (Windows are checked here rather than in SQL: date arithmetic differs between SQLite and
    PostgreSQL, and a campaign's recipients are thousands at most.)"""
    rows = (
        await session.execute(
            select(
                CampaignDelivery.channel_identity_id, ChannelIdentity.contact_id, Message.created_at
            )
            .join(ChannelIdentity, ChannelIdentity.id == CampaignDelivery.channel_identity_id)
            .join(Message, Message.id == CampaignDelivery.message_id)
            .where(
                CampaignDelivery.campaign_id == campaign_id,
                CampaignDelivery.state == DeliveryState.SENT.value,
            )
        )
    ).all()
    if not rows:
        return dict.fromkeys(FUNNEL_KEYS, 0)
    by_identity = {identity: sent_at for identity, _, sent_at in rows}
    by_contact = {contact: sent_at for _, contact, sent_at in rows}
    since = min(by_identity.values())
    until = max(by_identity.values()) + FUNNEL_LONG

    def within(sent_at: datetime | None, at: datetime | None, window: timedelta) -> bool:
        return sent_at is not None and at is not None and sent_at < at <= sent_at + window

    answers = (
        await session.execute(
            select(Conversation.channel_identity_id, Message.created_at, Message.payload)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(
                Conversation.channel_identity_id.in_(list(by_identity)),
                Message.direction == Direction.IN.value,
                Message.created_at > since,
                Message.created_at <= until,
            )
        )
    ).all()
    replied = {i for i, at, _ in answers if within(by_identity.get(i), at, FUNNEL_SHORT)}
    taps = {
        i for i, at, p in answers if p in tapped and within(by_identity.get(i), at, FUNNEL_SHORT)
    }

    async def contacts_within(
        column: Any, contact_column: Any, window: timedelta, *conditions: Any
    ) -> int:
        found = await session.execute(
            select(contact_column, column).where(
                contact_column.in_(list(by_contact)), column > since, column <= until, *conditions
            )
        )
        return len({c for c, at in found.all() if within(by_contact.get(c), at, window)})

    return {
        "delivered": len(rows),
        "unsubscribed_48h": await contacts_within(
            ConsentEvent.created_at,
            ConsentEvent.contact_id,
            FUNNEL_SHORT,
            ConsentEvent.kind == ConsentKind.OPT_OUT.value,
        ),
        "tapped_48h": len(taps),
        "replied_48h": len(replied),
        "questionnaires_7d": await contacts_within(
            EligibilityProfile.completed_at, EligibilityProfile.contact_id, FUNNEL_LONG
        ),
        "appointments_7d": await contacts_within(
            Appointment.created_at, Appointment.contact_id, FUNNEL_LONG
        ),
    }


async def rate(session: AsyncSession, campaign_id: int, now: datetime) -> float:
    """Messages sent per second over the last minute."""
    recent = await session.scalar(
        select(func.count()).where(
            CampaignDelivery.campaign_id == campaign_id,
            CampaignDelivery.state == DeliveryState.SENT.value,
            CampaignDelivery.updated_at > now - timedelta(minutes=1),
        )
    )
    return round(int(recent or 0) / 60, 1)


async def skip_pending(session: AsyncSession, campaign_id: int, reason: str, now: datetime) -> None:
    """The rows not taken yet will not go (the campaign was cancelled)."""
    await session.execute(
        update(CampaignDelivery)
        .where(
            CampaignDelivery.campaign_id == campaign_id,
            CampaignDelivery.state == DeliveryState.PENDING.value,
        )
        .values(state=DeliveryState.SKIPPED.value, reason=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )

"""The campaign sweep (#11): starts campaigns when they fall due, sends their messages in
batches, pauses them in the quiet hours of the site and resumes them after, and settles each
recipient's row from its message.

The same claim → write → deliver pattern as reminders, over the one outbox:
1. claim a batch of pending rows (locked; other bot processes skip them), write each recipient's
   message (`posting.post_to_identity`) and mark the row queued, in one transaction;
2. deliver those messages through `DeliveryService` (its own claim: a message is sent at most
   once; Telegram's limits by PTB's rate limiter), after any conversation reply waiting;
3. settle: each row takes its message's outcome: sent, failed (reason), skipped (Instagram's
   24 h window closed), or interrupted (claimed by a process that died mid-send: never resent).
A crash between 1 and 2 leaves queued rows whose message was never claimed: the next sweep
delivers them (they cannot have gone out).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.campaigns.composition import DM_CHANNELS
from bot.core import posting
from bot.core.delivery import DeliveryService
from bot.core.messages import Author, BotReply, Button, MessageStatus, OutgoingMessage, Post
from bot.core.ports import Clock, Publisher
from bot.core.reply_window import reply_window
from bot.core.vocabulary import CampaignStatus, CampaignTarget, DeliveryState, PostState, PostTarget
from bot.errors import DeliveryFailed
from bot.rasa.payloads import payload
from bot.scheduling.quiet_hours import is_quiet
from bot.settings import SchedulingSettings
from bot.storage import campaigns as store
from bot.storage.conversations import to_outgoing
from bot.storage.database import engine_of
from bot.storage.models import Campaign, CampaignDelivery, CampaignPost, Message, Upload
from bot.storage.sites import main_site
from bot.storage.uploads import media_url

logger = logging.getLogger(__name__)

BATCH = 50
# A post still « processing » this long after it was claimed was cut by a crash.
STALE_POST = timedelta(minutes=15)
CHAT_BUTTON = "Écrire à l'assistant"
DEFAULT_ZONE = "Europe/Paris"
BUTTON_INTENTS = {"book": "book_appointment", "questionnaire": "check_eligibility"}
QUIET = "quiet_hours"
# A message's outcome → the recipient row's state (and its reason).
OUTCOMES: Mapping[str, DeliveryState] = {
    "outside_24h_window": DeliveryState.SKIPPED,
    "interrupted": DeliveryState.INTERRUPTED,
}


def campaign_reply(campaign: Campaign) -> BotReply:
    """The message a recipient gets: the text, links written out, the bot's buttons."""
    lines, buttons = [campaign.text], []
    for button in campaign.buttons:
        if button.get("kind") == "link":
            lines.append(f"{button['title']} : {button['url']}")
        elif button.get("kind") in BUTTON_INTENTS:
            buttons.append(Button(button["title"], payload(BUTTON_INTENTS[button["kind"]])))
    return BotReply(text="\n\n".join(lines), buttons=tuple(buttons))


class CampaignService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        delivery: DeliveryService,
        scheduling: SchedulingSettings,
        *,
        batch: int = BATCH,
        public_url: str = "http://127.0.0.1:8080",
        chat_link: Callable[[str], str | None] = lambda _code: None,
    ) -> None:
        self._publishers: dict[str, Publisher] = {}
        self._public_url = public_url
        self._chat_link = chat_link
        self._sessions = sessions
        self._engine = engine_of(sessions)
        self._clock = clock
        self._delivery = delivery
        self._quiet = scheduling.quiet_hours
        self._batch = batch
        self._lock = asyncio.Lock()
        self._stopped = False

    async def sweep(self, budget: float = 50.0) -> bool:
        """One pass: start what is due, then send for at most `budget` seconds; True when it
        stopped with messages left to send (the job then sweeps again at once)."""
        async with self._lock:
            if self._stopped:
                return False
            async with store.sender_turn(self._engine) as mine:
                if not mine:
                    return False  # another process is sending
                return await self._sweep(budget)

    async def _sweep(self, budget: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + budget
        now = self._clock.now()
        async with self._sessions() as session:
            site = await main_site(session)
        zone = site.timezone if site is not None else DEFAULT_ZONE
        quiet = is_quiet(now, zone, self._quiet)
        await self._start_due(now)
        async with self._sessions() as session:
            active = await store.running(session)
        left = False
        for campaign in active:
            if not await self._follow_quiet_hours(campaign, quiet):
                continue
            await self._publish_posts(campaign)
            while not self._stopped:
                if loop.time() >= deadline:
                    left = True
                    break
                if not await self._send_batch(campaign):
                    break
            await self._settle(campaign.id)
        return left and not self._stopped

    async def _start_due(self, now: datetime) -> None:
        async with self._sessions() as session:
            due = await store.due(session, now)
        for campaign in due:
            async with self._sessions() as session, session.begin():
                fresh = await session.get_one(Campaign, campaign.id)
                channels = dm_channels(fresh.targets)
                if not await store.start(session, fresh, channels, now):
                    continue  # another process started it
                await store.add_posts(session, fresh.id, post_targets(fresh.targets), now)
            logger.info("campaign %s started", campaign.id)

    async def _follow_quiet_hours(self, campaign: Campaign, quiet: bool) -> bool:
        """Pause a running campaign at the start of the quiet hours and resume it after; True
        when it may send now."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            if campaign.status == CampaignStatus.RUNNING and quiet:
                await store.set_status(
                    session, campaign.id, now, CampaignStatus.PAUSED,
                    allowed_from=[CampaignStatus.RUNNING], paused_reason=QUIET,
                )  # fmt: skip
                logger.info("campaign %s paused for the quiet hours", campaign.id)
                return False
            if campaign.status == CampaignStatus.PAUSED:
                if campaign.paused_reason != QUIET or quiet:
                    return False
                await store.set_status(
                    session,
                    campaign.id,
                    now,
                    CampaignStatus.RUNNING,
                    allowed_from=[CampaignStatus.PAUSED],
                )
                logger.info("campaign %s resumed after the quiet hours", campaign.id)
        return True

    async def stop(self) -> None:
        """No sweep starts after this, and one in progress stops after its batch; it is waited
        for (cancelled mid-query while the database is being closed, it could hang the
        shutdown, as for reminders)."""
        self._stopped = True
        async with self._lock:
            pass

    def add_publisher(self, publisher: Publisher) -> None:
        """A channel of the Mission Locale registers itself when it starts (#11)."""
        self._publishers[publisher.target] = publisher

    def publisher(self, target: str) -> Publisher | None:
        return self._publishers.get(target)

    async def _publish_posts(self, campaign: Campaign) -> None:
        """Each pending post, once: claimed (processing), published, then published or failed
        with its reason. A post left processing by a crash is never published again (it may
        have gone out): it is recorded interrupted after a while."""
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            await store.interrupt_stale_posts(session, now - STALE_POST)
            pending = await store.pending_posts(session, campaign.id)
        for post_id, target in pending:
            publisher = self._publishers.get(target)
            async with self._sessions() as session, session.begin():
                if not await store.claim_post(session, post_id, now):
                    continue  # another process took it
                if publisher is None:
                    await store.finish_post(session, post_id, None, "not_configured", now)
                    continue
                post = await self._post_of(session, campaign)
            try:
                external_id, reason = await publisher.publish(post), None
            except DeliveryFailed as failure:
                external_id, reason = None, failure.reason
                logger.warning("campaign %s: %s post failed: %s", campaign.id, target, reason)
            async with self._sessions() as session, session.begin():
                await store.finish_post(session, post_id, external_id, reason, self._clock.now())

    async def _post_of(self, session: AsyncSession, campaign: Campaign) -> Post:
        image = None if campaign.image_id is None else await session.get(Upload, campaign.image_id)
        links = [
            (str(b["title"]), str(b["url"])) for b in campaign.buttons if b.get("kind") == "link"
        ]
        code = await store.source_code(session, campaign)
        chat = self._chat_link(code) if code is not None else None
        if chat is not None:
            links.append((CHAT_BUTTON, chat))
        return Post(
            text=campaign.text,
            image=None if image is None else image.data,
            image_url=None if image is None else media_url(self._public_url, image),
            links=tuple(links),
        )

    async def _send_batch(self, campaign: Campaign) -> int:
        """Claim, write and deliver one batch; how many rows it took."""
        now = self._clock.now()
        reply = campaign_reply(campaign)
        written: list[OutgoingMessage] = []
        try:
            async with self._sessions() as session, session.begin():
                claimed = await store.claim_pending(session, campaign.id, self._batch, now)
                status = await session.scalar(
                    select(Campaign.status).where(Campaign.id == campaign.id)
                )
                if status != CampaignStatus.RUNNING:
                    raise _Stopped  # paused or cancelled meanwhile: the rows stay pending
                for delivery, identity in claimed:
                    last_in = await store.last_incoming_at(session, identity.id)
                    window = reply_window(
                        identity.channel, last_in, now, Author.BOT, human_agent=False
                    )
                    if not window.open:
                        _finish(delivery, DeliveryState.SKIPPED, "outside_24h_window", now)
                        continue
                    message = await posting.post_to_identity(session, identity, reply, now)
                    delivery.message_id = message.id
                    if not posting.pulled(identity.channel):
                        written.append(message)
        except _Stopped:
            return 0
        if written:
            await self._delivery.deliver(written, background=True)
        await self._settle(campaign.id)
        return len(claimed)

    async def _settle(self, campaign_id: int) -> None:
        """Each queued row takes its message's outcome; unsent queued messages (a crash before
        delivery) are delivered; the campaign is done when no row is left to send."""
        now = self._clock.now()
        unsent: list[OutgoingMessage] = []
        async with self._sessions() as session, session.begin():
            rows = await session.execute(
                select(CampaignDelivery, Message)
                .join(Message, Message.id == CampaignDelivery.message_id)
                .where(
                    CampaignDelivery.campaign_id == campaign_id,
                    CampaignDelivery.state == DeliveryState.QUEUED.value,
                )
            )
            for delivery, message in rows.all():
                if message.status == MessageStatus.SENT.value:
                    _finish(delivery, DeliveryState.SENT, None, now)
                elif message.status == MessageStatus.UNDELIVERED.value:
                    reason = message.failure_reason or "undelivered"
                    _finish(delivery, OUTCOMES.get(reason, DeliveryState.FAILED), reason, now)
                elif message.claimed_at is None:
                    unsent.append(to_outgoing(message))
            counts = await store.counts(session, campaign_id)
            posts_open = await session.scalar(
                select(CampaignPost.id).where(
                    CampaignPost.campaign_id == campaign_id,
                    CampaignPost.state.in_([PostState.PENDING.value, PostState.PROCESSING.value]),
                )
            )
            left = counts.get(DeliveryState.PENDING, 0) + counts.get(DeliveryState.QUEUED, 0)
            finished = not left and posts_open is None and not unsent
            if finished and await store.set_status(
                session, campaign_id, now, CampaignStatus.DONE,
                allowed_from=[CampaignStatus.RUNNING],
            ):  # fmt: skip
                logger.info("campaign %s done", campaign_id)
        if unsent:
            await self._delivery.deliver(unsent, background=True)


class _Stopped(Exception):
    """The campaign was paused or cancelled while a batch was being taken."""


def _finish(
    delivery: CampaignDelivery, state: DeliveryState, reason: str | None, now: datetime
) -> None:
    delivery.state = state.value
    delivery.reason = reason
    delivery.updated_at = now


def dm_channels(targets: Sequence[str]) -> list[str]:
    """The channels of the young people a campaign messages (its DM and web chat targets)."""
    return [DM_CHANNELS[CampaignTarget(t)] for t in targets if CampaignTarget(t) in DM_CHANNELS]


def post_targets(targets: Sequence[str]) -> list[str]:
    """Its posts on the Mission Locale's own channel and feed."""
    return [t for t in targets if t in {p.value for p in PostTarget}]

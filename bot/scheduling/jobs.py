"""The bot's periodic jobs, on APScheduler: the reminder sweep (every
BOOKING_REMINDER_SWEEP_SECONDS, and once at start-up for reminders that fell due while the bot was
down), housekeeping every 10 minutes, and the retention purge daily (and shortly after start-up).
app.py starts and stops them with the application."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.delivery import DeliveryService
from bot.core.ports import Clock
from bot.scheduling.campaign_sweep import CampaignService
from bot.scheduling.reminder_sweep import ReminderService
from bot.scheduling.retention import RetentionService

logger = logging.getLogger(__name__)

HOUSEKEEPING_MINUTES = 10
# The retention purge runs daily, the first time this long after start-up (not in the rush of
# a deployment).
RETENTION_HOURS = 24
RETENTION_FIRST_RUN = timedelta(minutes=5)
# Campaigns due are started this long after the last round ended; a sweep sends for up to
# CAMPAIGN_BUDGET seconds, and the round sweeps again at once while messages are left.
CAMPAIGN_SWEEP_SECONDS = 10
CAMPAIGN_BUDGET = 50.0
# How long shutdown waits for a reminder sweep in progress (it is one short transaction).
REMINDERS_STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class PeriodicJobs:
    """What the jobs work with."""

    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    reminders: ReminderService
    delivery: DeliveryService
    reminder_sweep_seconds: int
    campaigns: CampaignService | None = None
    campaign_sweep_seconds: int = CAMPAIGN_SWEEP_SECONDS
    retention: RetentionService | None = None

    def schedule(self, scheduler: AsyncIOScheduler) -> None:
        scheduler.add_job(
            self.housekeeping,
            "interval",
            minutes=HOUSEKEEPING_MINUTES,
            id="housekeeping",
            coalesce=True,
            max_instances=1,
        )
        sweep = self.reminder_sweep_seconds
        scheduler.add_job(
            self.send_reminders,
            "interval",
            seconds=sweep,
            id="reminders",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=sweep,
            # At start-up too: reminders that fell due while the bot was down go out now.
            next_run_time=datetime.now(UTC),
        )
        if self.campaigns is not None:
            self._plan_campaigns(scheduler, datetime.now(UTC))
        if self.retention is not None:
            scheduler.add_job(
                self.purge,
                "interval",
                hours=RETENTION_HOURS,
                id="retention",
                coalesce=True,
                max_instances=1,
                next_run_time=datetime.now(UTC) + RETENTION_FIRST_RUN,
            )

    async def purge(self) -> None:
        """Count the months that are over, then delete what is past its retention (#12)."""
        if self.retention is None:
            return
        try:
            await self.retention.run()
        except Exception:
            logger.exception("retention purge failed; it runs again tomorrow")

    def _plan_campaigns(self, scheduler: AsyncIOScheduler, when: datetime) -> None:
        """The campaign round as a one-off job, planned again when it ends: a round lasts as
        long as messages are left (minutes for a large campaign), and an interval job would
        meanwhile fire and be refused with a warning every few seconds."""
        scheduler.add_job(
            self._campaign_round,
            "date",
            run_date=when,
            args=(scheduler,),
            id="campaigns",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _campaign_round(self, scheduler: AsyncIOScheduler) -> None:
        await self.send_campaigns()
        if scheduler.running:
            later = datetime.now(UTC) + timedelta(seconds=self.campaign_sweep_seconds)
            self._plan_campaigns(scheduler, later)

    async def send_campaigns(self) -> None:
        """Start due campaigns and send their messages (the database says what is left)."""
        if self.campaigns is None:
            return
        try:
            while await self.campaigns.sweep(CAMPAIGN_BUDGET):
                pass
        except Exception:
            logger.exception("campaign sweep failed; it runs again at the next interval")

    async def stop(self, scheduler: AsyncIOScheduler) -> None:
        """A sweep in progress finishes before the database closes; none starts afterwards."""
        try:
            await asyncio.wait_for(self.reminders.stop(), REMINDERS_STOP_TIMEOUT)
        except TimeoutError:
            logger.warning("reminder sweep still running at shutdown: cancelled")
        if self.campaigns is not None:
            try:
                await asyncio.wait_for(self.campaigns.stop(), REMINDERS_STOP_TIMEOUT)
            except TimeoutError:
                logger.warning("campaign sweep still running at shutdown: cancelled")
        scheduler.shutdown(wait=False)

    async def send_reminders(self) -> None:
        """Claim and send due appointment reminders (the database says which are due)."""
        try:
            await self.reminders.run_due()
        except Exception:
            logger.exception("reminder sweep failed; it runs again at the next interval")

    async def housekeeping(self) -> None:
        """Record messages interrupted mid-send as undelivered (never sent twice). Platform
        event ids are forgotten by the retention purge (RETENTION_EVENTS_DAYS)."""
        try:
            await self.delivery.give_up_interrupted()
        except Exception:
            logger.exception("housekeeping failed; it runs again in 10 minutes")

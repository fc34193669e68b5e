"""The retention purge (#12), run daily by the periodic jobs: count the months that are over
into the anonymised monthly figures, then delete what is past the retention periods of the
PRIVACY settings (the /confidentialite page says the same), Rasa's tracker events included.

Nothing is deleted before it is counted: every cutoff of a counted row is held to the first
day of the first month not counted yet."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.ports import Clock
from bot.settings import PrivacySettings
from bot.storage import events, retention

logger = logging.getLogger(__name__)

# A month is counted this long after it ends: counsellors have time to record whether the young
# people of its last days came to their appointment.
COUNT_AFTER = timedelta(days=7)
# Rows deleted per transaction: each lock is short, whatever piled up.
BATCH = 500


class TrackerPurger(Protocol):
    """What the dialogue engine stored about senders (Rasa's tracker events), and its purge."""

    async def erase(self, sender_ids: Sequence[str]) -> None: ...

    async def purge_before(self, cutoff: datetime, limit: int = ...) -> int: ...


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's
    last day)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True, slots=True)
class PurgeReport:
    """How many rows each rule removed (and months counted) in one run: logged, never ids."""

    months_counted: int
    conversations: int
    tracker_events: int
    appointments: int
    deliveries: int
    contacts: int
    received_events: int
    staff_sessions: int
    audit_entries: int


@dataclass(frozen=True)
class RetentionService:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    privacy: PrivacySettings
    tracker: TrackerPurger | None
    batch: int = BATCH

    async def run(self) -> PurgeReport | None:
        """One purge; None when another process is purging (PostgreSQL)."""
        async with retention.purge_turn(self.sessions) as ours:
            if not ours:
                logger.info("retention purge skipped: another process is purging")
                return None
            report = await self._purge(self.clock.now())
        logger.info(
            "retention purge done: %s",
            ", ".join(f"{name}={count}" for name, count in asdict(report).items()),
        )
        return report

    async def _purge(self, now: datetime) -> PurgeReport:
        privacy, batch, sessions = self.privacy, self.batch, self.sessions
        open_month = retention.month_start((now - COUNT_AFTER).date())
        months = await retention.count_months(sessions, open_month, now)
        counted_until = retention.at_midnight(open_month)

        def held(months_kept: int) -> datetime:
            return min(months_before(now, months_kept), counted_until)

        conversations_cutoff = held(privacy.conversations_months)
        conversations = await retention.purge_conversations(sessions, conversations_cutoff, batch)
        # A sender's events older than this belong to conversations purged (or to old sessions
        # of an identity still talking, which Rasa no longer reads).
        tracker_events = 0
        if self.tracker is not None:
            tracker_events = await self.tracker.purge_before(conversations_cutoff, batch)
        appointments = await retention.purge_appointments(
            sessions, held(privacy.appointments_months), batch
        )
        deliveries = await retention.purge_deliveries(
            sessions, held(privacy.deliveries_months), batch
        )
        contacts = await retention.purge_contacts(
            sessions, held(privacy.contacts_months), counted_until, batch, self._erase
        )
        received = await events.prune(sessions, now - timedelta(days=privacy.events_days), batch)
        staff_sessions = await retention.purge_staff_sessions(sessions, now, batch)
        audit = await retention.purge_audit(
            sessions, months_before(now, privacy.audit_months), batch
        )
        return PurgeReport(
            months, conversations, tracker_events, appointments, deliveries, contacts, received,
            staff_sessions, audit,
        )  # fmt: skip

    async def _erase(self, sender_ids: Sequence[str]) -> None:
        if self.tracker is not None and sender_ids:
            await self.tracker.erase(sender_ids)

"""Send appointment reminders when they are due: each claimed once, written, then delivered.

The database is the record of what is due; the scheduler only wakes `run_due` up. A reminder's
claim (scheduled → queued) and its outgoing message are written in one transaction, so no
sweep, replica or restart can write it twice; push channels get the message after the commit
through `DeliveryService`, which itself sends each message at most once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking.wording import clock_time, day_and_time, local, place, timezone_of
from bot.content.texts import reply_text
from bot.core import posting
from bot.core.delivery import DeliveryService
from bot.core.messages import BotReply, Button, OutgoingMessage
from bot.core.ports import Clock
from bot.core.vocabulary import AppointmentStatus
from bot.rasa.payloads import appointment_choice, payload
from bot.scheduling.quiet_hours import is_quiet, quiet_ends_at
from bot.settings import SchedulingSettings
from bot.storage import reminders as store
from bot.storage.conversations import to_outgoing
from bot.storage.models import Appointment, ChannelIdentity

logger = logging.getLogger(__name__)

# Reminders taken per sweep; the next sweep (a minute later by default) takes the rest.
BATCH = 100


@dataclass(frozen=True, slots=True)
class SweepReport:
    queued: int = 0
    skipped: int = 0
    left: int = 0


def reminder_buttons(appointment_id: int) -> tuple[Button, ...]:
    return (
        Button(
            reply_text("reminders", "button_confirm"),
            payload("confirm_appointment", choice=appointment_choice(appointment_id)),
        ),
        Button(
            reply_text("reminders", "button_cancel"),
            payload("cancel_appointment", choice=appointment_choice(appointment_id)),
        ),
        Button(
            reply_text("reminders", "button_reschedule"),
            payload("reschedule_appointment", choice=appointment_choice(appointment_id)),
        ),
    )


def reminder_text(appointment: Appointment, now: datetime) -> str:
    """« C'est bientôt … aujourd'hui à 10h » on the day (local time of the place), else
    « Petit rappel … demain à 10h » or « … mardi 8 décembre à 10h »: the words follow when the
    message actually leaves, not the lead it was planned with (a reminder moved out of the
    night may go out the evening before)."""
    timezone = timezone_of(appointment)
    starts = local(appointment.starts_at, timezone)
    today = local(now, timezone).date()
    where = place(appointment)
    if starts.date() <= today:
        return reply_text("reminders", "today", time=clock_time(starts), place=where)
    if starts.date() == today + timedelta(days=1):
        when = reply_text("reminders", "tomorrow", time=clock_time(starts))
    else:
        when = day_and_time(appointment.starts_at, timezone)
    return reply_text(
        "reminders",
        "ahead",
        counsellor=appointment.counsellor.display_name,
        when=when,
        place=where,
    )


class ReminderService:
    """Claims due reminders and writes their messages in the conversation of the channel the
    young person booked from; skips those that must not go (and says why)."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        delivery: DeliveryService,
        scheduling: SchedulingSettings,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._delivery = delivery
        self._quiet = scheduling.quiet_hours
        self._running = asyncio.Lock()
        self._stopped = False

    async def run_due(self) -> int:
        """One sweep; the number of reminders queued (their messages written) by it."""
        async with self._running:
            return 0 if self._stopped else await self._sweep()

    async def stop(self) -> None:
        """No sweep starts after this; a sweep in progress is waited for (cancelled mid-query
        while the database is being closed, it could hang the shutdown)."""
        self._stopped = True
        async with self._running:
            pass

    async def _sweep(self) -> int:
        now = self._clock.now()
        stranded = await self._stranded(now)
        report, to_push = await self._claim_and_write(now)
        if report.queued or report.skipped:
            logger.info(
                "reminders: %d queued, %d skipped, %d left for after the quiet hours",
                report.queued,
                report.skipped,
                report.left,
            )
        elif report.left:
            logger.debug("reminders: %d left for after the quiet hours", report.left)
        if stranded or to_push:
            await self._delivery.deliver([*stranded, *to_push])
        return report.queued

    async def _stranded(self, now: datetime) -> list[OutgoingMessage]:
        """Messages of reminders queued by a sweep that stopped before delivering them: still
        worth sending, or recorded undelivered once their appointment has begun."""
        async with self._sessions() as session, session.begin():
            found = await store.stranded(session, now, BATCH)
            late = [s.message.id for s in found if not s.current]
            expired = await store.expire(session, late, now)
        if expired:
            logger.warning("%d reminder messages never delivered and now too late", expired)
        messages = [to_outgoing(s.message) for s in found if s.current]
        if messages:
            logger.warning("%d reminder messages left undelivered: delivering", len(messages))
        return messages

    async def _claim_and_write(self, now: datetime) -> tuple[SweepReport, list[OutgoingMessage]]:
        queued = skipped = left = 0
        to_push: list[OutgoingMessage] = []
        async with self._sessions() as session, session.begin():
            due = await store.claim_due(session, now, BATCH)
            groups: defaultdict[int, list[store.DueReminder]] = defaultdict(list)
            for reminder in due:
                groups[reminder.appointment.id].append(reminder)
            for group in groups.values():
                # Several reminders of one appointment due at once (the bot was down): the one
                # with the shortest lead is the right one now, the others are superseded.
                first, *others = sorted(group, key=lambda r: r.lead_minutes)
                reason, message = self._decide(first, now)
                if reason is None and message is None:
                    left += len(group)
                    continue
                for reminder in others if message is not None else group:
                    skipped += await self._skip(session, reminder, reason or "superseded")
                if message is not None and first.identity is not None:
                    written = await self._write(session, first, first.identity, message, now)
                    if written is not None:
                        queued += 1
                        if not posting.pulled(first.identity.channel):
                            to_push.append(written)
        return SweepReport(queued, skipped, left), to_push

    def _decide(
        self, reminder: store.DueReminder, now: datetime
    ) -> tuple[str | None, tuple[str, tuple[Button, ...]] | None]:
        """(reason to skip, None), (None, message to send), or (None, None): not now."""
        appointment = reminder.appointment
        if appointment.status != AppointmentStatus.BOOKED:
            return (
                "cancelled" if appointment.status == AppointmentStatus.CANCELLED else "not_booked"
            ), None
        if reminder.identity is None:
            return "no_channel", None
        if appointment.starts_at <= now:
            return "too_late", None
        try:
            timezone = timezone_of(appointment)
            quiet = self._quiet
            if is_quiet(now, timezone, quiet):
                ends = quiet_ends_at(now, timezone, quiet)
                if ends is not None and appointment.starts_at <= ends:
                    return "night", None
                return None, None
            return None, (reminder_text(appointment, now), reminder_buttons(appointment.id))
        except Exception:
            # A broken row (an unknown time zone…) must not stop the other reminders.
            logger.exception("reminder %s cannot be written", reminder.reminder_id)
            return "error", None

    async def _skip(self, session: AsyncSession, reminder: store.DueReminder, reason: str) -> int:
        if await store.skip(session, reminder.reminder_id, reason):
            logger.info("reminder %s skipped: %s", reminder.reminder_id, reason)
            return 1
        return 0

    async def _write(
        self,
        session: AsyncSession,
        reminder: store.DueReminder,
        identity: ChannelIdentity,
        message: tuple[str, tuple[Button, ...]],
        now: datetime,
    ) -> OutgoingMessage | None:
        """Claim the reminder and write its message, in the sweep's transaction; None when
        another sweep took it (or the appointment was cancelled) in the meantime."""
        if not await store.queue(session, reminder.reminder_id, now):
            return None
        text, buttons = message
        written = await posting.post_to_identity(
            session, identity, BotReply(text=text, buttons=buttons), now
        )
        await store.attach_message(session, reminder.reminder_id, written.id)
        logger.info(
            "reminder %s queued for appointment %s as message %s",
            reminder.reminder_id,
            reminder.appointment.id,
            written.id,
        )
        return written

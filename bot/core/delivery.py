"""Deliver stored outgoing messages through push channels, each at most once, in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import MessageStatus, OutgoingMessage, Recipient
from bot.core.ports import Channel, Clock
from bot.errors import DeliveryFailed
from bot.storage import consents, outbox
from bot.storage.conversations import to_outgoing

logger = logging.getLogger(__name__)

# Failures that mean the person cannot be reached on this channel any more (bot blocked).
UNREACHABLE = frozenset({"blocked_by_user"})
# A message claimed this long ago and still pending was interrupted mid-send.
INTERRUPTED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    undelivered: int = 0
    skipped: int = 0


class DeliveryService:
    """Claims each message before sending (a retry or a second replica never sends it again),
    then records `sent`, or `undelivered` with the channel's reason."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        clock: Clock,
        channels: Mapping[str, Channel],
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._channels = dict(channels)
        # Conversation replies being delivered now; campaign messages wait for none.
        self._replying = 0
        self._replies_done = asyncio.Event()
        self._replies_done.set()

    def add_channel(self, channel: Channel) -> None:
        self._channels[channel.name] = channel

    async def deliver(
        self, messages: Sequence[OutgoingMessage], *, background: bool = False
    ) -> DeliveryReport:
        """Send each message at most once. `background` (campaigns): each waits until no
        conversation reply is being delivered, so replies always go first."""
        if not background:
            self._replying += 1
            self._replies_done.clear()
        try:
            return await self._deliver_all(messages, background)
        finally:
            if not background:
                self._replying -= 1
                if not self._replying:
                    self._replies_done.set()

    async def _deliver_all(
        self, messages: Sequence[OutgoingMessage], background: bool
    ) -> DeliveryReport:
        sent = undelivered = skipped = 0
        # A turn's replies share their recipient: looked up once, when the first is claimed.
        recipients: dict[int, Recipient | None] = {}
        for message in messages:
            if background:
                await self._replies_done.wait()
            outcome = await self._deliver_one(message, recipients)
            if outcome is MessageStatus.SENT:
                sent += 1
            elif outcome is MessageStatus.UNDELIVERED:
                undelivered += 1
            else:
                skipped += 1
        return DeliveryReport(sent, undelivered, skipped)

    async def deliver_pending(self, conversation_id: int) -> DeliveryReport:
        """Everything of a conversation still waiting (after a crash, or a message held back)."""
        async with self._sessions() as session:
            rows = await outbox.pending_of(session, conversation_id)
            messages = [to_outgoing(row) for row in rows]
        return await self.deliver(messages)

    async def give_up_interrupted(self) -> int:
        async with self._sessions() as session, session.begin():
            count = await outbox.give_up_interrupted(session, self._clock.now() - INTERRUPTED_AFTER)
        if count:
            logger.warning("%d outgoing messages interrupted mid-send: not sent again", count)
        return count

    async def _deliver_one(
        self, message: OutgoingMessage, recipients: dict[int, Recipient | None]
    ) -> MessageStatus | None:
        async with self._sessions() as session, session.begin():
            if not await outbox.claim(session, message.id, self._clock.now()):
                return None
            if message.conversation_id not in recipients:
                recipients[message.conversation_id] = await outbox.recipient_of(
                    session, message.conversation_id
                )
            recipient = recipients[message.conversation_id]
        channel = self._channels.get(recipient.channel) if recipient else None
        if recipient is None or channel is None:
            return await self._finish(message.id, MessageStatus.UNDELIVERED, "channel_off")
        try:
            await channel.send(recipient, message)
        except DeliveryFailed as failure:
            logger.warning("message %s undelivered on %s: %s", message.id, channel.name, failure)
            if failure.reason in UNREACHABLE:
                async with self._sessions() as session, session.begin():
                    await consents.mark_unreachable(
                        session, recipient.channel, recipient.external_user_id, self._clock.now()
                    )
            return await self._finish(message.id, MessageStatus.UNDELIVERED, failure.reason)
        except Exception:
            logger.exception("message %s: unexpected failure on %s", message.id, channel.name)
            return await self._finish(message.id, MessageStatus.UNDELIVERED, "error")
        return await self._finish(message.id, MessageStatus.SENT, None)

    async def _finish(
        self, message_id: int, status: MessageStatus, reason: str | None
    ) -> MessageStatus:
        async with self._sessions() as session, session.begin():
            await outbox.finish(session, message_id, status, reason)
        return status

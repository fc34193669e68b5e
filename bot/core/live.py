"""Live events for the console (#10): « something changed in conversation N », published after
the commit that changed it, and received by every open console page of every bot process.

An event names a conversation and what happened to it, never a word of the young person: pages
fetch what they show through the console's own checks. `LiveEvents` is the publish/subscribe
port: `InProcessEvents` serves one process (SQLite, tests); the PostgreSQL LISTEN/NOTIFY
implementation (bot/storage/live_postgres.py) carries the same events between processes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Protocol

logger = logging.getLogger(__name__)

# A page that stops reading loses its oldest events rather than the process's memory: the page
# refetches what it shows on every event, so a dropped one costs nothing.
QUEUE_SIZE = 256


class LiveKind(StrEnum):
    MESSAGE = "message"  # a message in or out
    STATE = "state"  # waiting, taken, handed back, closed, urgent
    NOTE = "note"  # a private note (console only)


@dataclass(frozen=True, slots=True)
class LiveEvent:
    conversation_id: int
    kind: LiveKind
    state: str | None = None
    urgent: bool = False
    # Why it went to the counsellors, when this event is that (for the staff notification).
    reason: str | None = None
    # Distress kinds (« shelter,violence »), never words: the alert says what kind of urgency.
    kinds: str | None = None

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> LiveEvent | None:
        """The event in a notification's payload; None (logged) for anything else."""
        try:
            data = json.loads(raw)
            return cls(
                conversation_id=int(data["conversation_id"]),
                kind=LiveKind(data["kind"]),
                state=None if data.get("state") is None else str(data["state"]),
                urgent=bool(data.get("urgent", False)),
                reason=None if data.get("reason") is None else str(data["reason"]),
                kinds=None if data.get("kinds") is None else str(data["kinds"]),
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("live event ignored: malformed payload")
            return None


class LiveEvents(Protocol):
    """Publish to every subscriber of every process sharing the database."""

    async def publish(self, event: LiveEvent) -> None: ...

    def subscribe(self) -> AbstractAsyncContextManager[asyncio.Queue[LiveEvent]]:
        """A queue of the events published from now on, until the context ends."""
        ...


class Fanout:
    """The subscribers of this process, each with its own bounded queue."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[LiveEvent]] = set()

    def deliver(self, event: LiveEvent) -> None:
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()  # the page refetches: the oldest one is not missed
            queue.put_nowait(event)

    @property
    def subscribers(self) -> int:
        return len(self._queues)

    @asynccontextmanager
    async def subscription(self) -> AsyncIterator[asyncio.Queue[LiveEvent]]:
        queue: asyncio.Queue[LiveEvent] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)


class InProcessEvents:
    """Events within one process: the embedded default (SQLite) and the tests."""

    def __init__(self) -> None:
        self.fanout = Fanout()

    async def publish(self, event: LiveEvent) -> None:
        self.fanout.deliver(event)

    def subscribe(self) -> AbstractAsyncContextManager[asyncio.Queue[LiveEvent]]:
        return self.fanout.subscription()


Hook = Callable[[LiveEvent], Awaitable[None]]


class Announcer:
    """The one way the bot announces a change: to every console page (through `LiveEvents`),
    and to this process's hooks for a hand-over (the staff group's alert), once, by the process
    that made it. An announcement that fails is logged: the change itself is committed."""

    def __init__(self, events: LiveEvents) -> None:
        self.events = events
        self._on_handover: list[Hook] = []

    def on_handover(self, hook: Hook) -> None:
        self._on_handover.append(hook)

    async def announce(self, event: LiveEvent | None) -> None:
        if event is None:
            return
        try:
            await self.events.publish(event)
        except Exception:
            logger.exception("live event for conversation %s not published", event.conversation_id)
        if event.reason is None:
            return
        for hook in self._on_handover:
            try:
                await hook(event)
            except Exception:
                logger.exception(
                    "hand-over alert for conversation %s failed", event.conversation_id
                )

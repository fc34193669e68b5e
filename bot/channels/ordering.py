"""One lock per conversation, so one person's messages are handled in the order they came."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Hashable


class PerSenderLocks:
    """Locks live while someone holds or waits for them (weak values): idle senders cost nothing.

    Waiters of an asyncio.Lock are woken in arrival order, so messages taken in order are
    handled in order, while different people are handled at the same time.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def __call__(self, sender: Hashable) -> asyncio.Lock:
        lock = self._locks.get(sender)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[sender] = lock
        return lock

"""Flood limits: how many messages a contact, and how many new contacts an address, may send.

Moving windows from the `limits` library: in this process by default (one machine), in Redis
when several bot processes share the work (`FLOOD_STORAGE_URL=redis://…`). Keys never hold an
address or a platform id in clear: an address is hashed, a contact is its database id.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from bot.settings import FloodSettings

logger = logging.getLogger(__name__)

# At most one « doucement » notice per contact in this window, whatever the flood.
NOTICE_LIMIT = "1/minute"
# Failed console logins (#10): per account, and per network address (both hashed in the keys).
LOGIN_FAILURES_PER_ACCOUNT = "5/15minutes"
LOGIN_FAILURES_PER_ADDRESS = "20/15minutes"


def _items(text: str) -> list[RateLimitItem]:
    return parse_many(text)  # checked when the settings were read


def _storage(url: str) -> Storage:
    if url.startswith("memory://"):
        return MemoryStorage()
    # redis-py's asyncio client (the `redis` package), not coredis.
    return RedisStorage(url, implementation="redispy")


def _digest(value: str) -> str:
    """Keys never hold an address or an e-mail in clear."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class FloodGuard:
    """Counts hits; each check counts one message (or one new contact) and says if it fits."""

    def __init__(self, limits: FloodSettings) -> None:
        self._storage = _storage(limits.storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._messages = _items(limits.messages)
        self._new_contacts = _items(limits.new_contacts)
        self._notice = _items(NOTICE_LIMIT)
        self._login_account = _items(LOGIN_FAILURES_PER_ACCOUNT)
        self._login_address = _items(LOGIN_FAILURES_PER_ADDRESS)

    async def _hit(self, items: list[RateLimitItem], *key: str) -> bool:
        """Count one hit in every window; False if any window is full. A store that cannot be
        reached (Redis down) lets the message through: a flood limit never silences anyone."""
        try:
            results = [await self._limiter.hit(item, *key) for item in items]
        except Exception as error:  # the store's own errors (redis-py's, OSError…)
            logger.warning("flood limit store unavailable (%s): not applied", type(error).__name__)
            return True
        return all(results)

    async def message_allowed(self, contact_id: int) -> bool:
        return await self._hit(self._messages, "msg", str(contact_id))

    async def notice_allowed(self, contact_id: int) -> bool:
        """Whether the contact may get a « doucement » notice now (one per minute)."""
        return await self._hit(self._notice, "notice", str(contact_id))

    async def new_contact_allowed(self, address: str) -> bool:
        return await self._hit(self._new_contacts, "new", _digest(address))

    async def login_blocked(self, email: str, address: str) -> bool:
        """Too many failed logins lately for this account or from this address (checked before
        the password, so a blocked attacker learns nothing)."""
        keys = (("login-account", _digest(email), self._login_account),
                ("login-address", _digest(address), self._login_address))  # fmt: skip
        try:
            for name, key, items in keys:
                for item in items:
                    if not await self._limiter.test(item, name, key):
                        return True
        except Exception as error:
            logger.warning("login limit store unavailable (%s): not applied", type(error).__name__)
        return False

    async def login_failed(self, email: str, address: str) -> None:
        await self._hit(self._login_account, "login-account", _digest(email))
        await self._hit(self._login_address, "login-address", _digest(address))

    async def close(self) -> None:
        """Release the store's connections (Redis); nothing to do in memory."""
        if isinstance(self._storage, RedisStorage):
            with contextlib.suppress(Exception):  # shutting down: nothing more to do
                await self._storage.bridge.storage.aclose()  # type: ignore[attr-defined]

"""Replies to Telegram: inline keyboards, long texts split, Telegram's flood limits respected.

PTB's AIORateLimiter keeps the bot under 20 messages/min per group and retries after a 429
`retry_after`. Two limits are the project's own, in `ChatRateLimiter`:
- per private chat, which Telegram puts at about one message a second (short bursts tolerated):
  PTB has none;
- overall, ~30 messages/s. PTB's overall limiter is a leaky bucket that lets 30 go at once and
  30 more as soon as it drains, so up to ~60 can reach Telegram within one second: a broadcast
  then meets a 429 on every burst and halts all sending for `retry_after` (measured: 21
  messages/s sustained, #11). `SendWindow` counts a request from the moment it leaves until one
  period after its answer, so no second anywhere holds more than 30 at Telegram (30/s sustained
  in `bench/broadcast.py`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter

from bot.channels.button_keys import key_or_payload
from bot.channels.telegram.updates import CHANNEL, MAX_TEXT
from bot.channels.text_split import split_text
from bot.core.messages import Button, OutgoingMessage, Recipient
from bot.errors import DeliveryFailed

logger = logging.getLogger(__name__)

MAX_CALLBACK_DATA = 64  # bytes
MAX_TRACKED_CHATS = 1024
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]
OVERALL_PER_SECOND = 30  # Telegram's broadcast limit for a bot (FloodLimit.MESSAGES_PER_SECOND)


class SendWindow:
    """At most `size` requests within any `period` seconds, each counted from when it starts
    until `period` after it ends (its arrival at Telegram lies somewhere in between)."""

    def __init__(self, size: int = OVERALL_PER_SECOND, period: float = 1.0) -> None:
        self._slots = asyncio.Semaphore(size)
        self._period = period

    async def run(
        self, callback: Callable[..., Coroutine[Any, Any, JSONResult]], *args: Any, **kwargs: Any
    ) -> JSONResult:
        await self._slots.acquire()
        try:
            return await callback(*args, **kwargs)
        finally:
            asyncio.get_running_loop().call_later(self._period, self._slots.release)


class ChatRateLimiter(AIORateLimiter):
    """AIORateLimiter (groups, 429 retries) with the overall limit as a `SendWindow`, plus a
    limit per private chat: `per_chat` messages per `period` seconds (3 per 3 s: a reply of
    three bubbles leaves at once, a longer one at one a second)."""

    __slots__ = ("_chat_limiters", "_per_chat", "_period", "_window")

    def __init__(
        self,
        *,
        per_chat: float = 3,
        period: float = 3,
        max_retries: int = 2,
        overall: SendWindow | None = None,
    ) -> None:
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self._per_chat = per_chat
        self._period = period
        self._chat_limiters: dict[int, AsyncLimiter] = {}
        self._window = overall if overall is not None else SendWindow()

    def chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chat_limiters.get(chat_id)
        if limiter is None:
            if len(self._chat_limiters) >= MAX_TRACKED_CHATS:
                self._forget_idle_chats()
            limiter = AsyncLimiter(self._per_chat, self._period)
            self._chat_limiters[chat_id] = limiter
        return limiter

    def _forget_idle_chats(self) -> None:
        """A limiter back at full capacity has nothing left to enforce (as PTB does for groups)."""
        for chat_id, limiter in list(self._chat_limiters.items()):
            if limiter.has_capacity(limiter.max_rate):
                del self._chat_limiters[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        if data.get("chat_id") is None:  # as PTB: only requests to a chat count
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        # Wrapped inside PTB's retry loop: a retry after a 429 passes the window again.
        windowed = functools.partial(self._window.run, callback)
        chat_id = _private_chat(data.get("chat_id"))
        if chat_id is None:
            return await super().process_request(
                windowed, args, kwargs, endpoint, data, rate_limit_args
            )
        async with self.chat_limiter(chat_id):
            return await super().process_request(
                windowed, args, kwargs, endpoint, data, rate_limit_args
            )


def _private_chat(raw: object) -> int | None:
    try:
        chat_id = int(str(raw))
    except ValueError:
        return None
    return chat_id if chat_id > 0 else None


def callback_data(message: OutgoingMessage, index: int, button: Button) -> str:
    """The payload itself when it fits in 64 bytes, else a key to the stored message's button."""
    payload = button.payload
    return key_or_payload(message, index, payload, len(payload.encode()) <= MAX_CALLBACK_DATA)


def keyboard(message: OutgoingMessage) -> InlineKeyboardMarkup | None:
    """One button per row: titles stay whole on a phone."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(button.title, callback_data=callback_data(message, i, button))]
            for i, button in enumerate(message.buttons)
        ]
    )


class TelegramChannel:
    """The push channel the DeliveryService uses for Telegram identities (chat ids)."""

    name = CHANNEL

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        chat_id = int(recipient.external_user_id)
        pieces = split_text(message.text, MAX_TEXT) or ["…"]
        for number, piece in enumerate(pieces, start=1):
            markup = keyboard(message) if number == len(pieces) else None
            try:
                await self._bot.send_message(chat_id=chat_id, text=piece, reply_markup=markup)
            except Forbidden as error:
                raise DeliveryFailed("blocked_by_user") from error
            except RetryAfter as error:
                raise DeliveryFailed("rate_limited") from error
            except TimedOut as error:
                # It may have arrived: sending again could send twice.
                raise DeliveryFailed("timed_out") from error
            except BadRequest as error:
                raise DeliveryFailed("platform_refused", type(error).__name__) from error
            except NetworkError as error:
                raise DeliveryFailed("platform_unreachable") from error
            except TelegramError as error:
                raise DeliveryFailed("platform_error", type(error).__name__) from error

"""A fake Telegram Bot API that enforces Telegram's broadcast limit (campaigns, #11).

Telegram accepts about 30 messages a second from one bot, all chats together, and answers a
429 with `retry_after` beyond that. This fake counts in one place (one aiohttp server, so
several bot processes pointed at it share the limit, as they share the real one): at most
`limit` sendMessage calls accepted in any sliding window of `window` seconds, the others
answered like Telegram:

    429 {"ok": false, "error_code": 429, "description": "Too Many Requests: retry after N",
         "parameters": {"retry_after": N}}

It records every accepted (chat_id, text) with its time, and when it answered each 429. The per-chat
limit (about one message a second) is not enforced: a campaign sends one message per chat.

`production_telegram` gives the bot's own `TelegramChannel` as the application builds it
(`TelegramRuntime`: PTB's Application, `ChatRateLimiter`, `base_url`), pointed at a fake.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.telegram import TelegramRuntime
from bot.channels.telegram.sending import TelegramChannel
from bot.settings import TelegramMode, TelegramSettings
from tests.fake_telegram import BOT_ID, TOKEN, USERNAME

LIMIT = 30  # messages
WINDOW = 1.0  # seconds


@dataclass(frozen=True, slots=True)
class Accepted:
    chat_id: int
    text: str
    at: float  # time.monotonic() when accepted


@dataclass
class LimitedTelegramState:
    limit: int = LIMIT
    window: float = WINDOW
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[float] = field(default_factory=list)  # when each 429 was answered
    _recent: deque[float] = field(default_factory=deque)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def admit(self, now: float) -> int | None:
        """None when one more message fits in the window ending now (it is counted), else the
        whole seconds until it would (Telegram's retry_after, at least 1)."""
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            return max(1, math.ceil(self._recent[0] + self.window - now))
        self._recent.append(now)
        return None

    @property
    def too_many(self) -> int:
        """429s answered."""
        return len(self.refused)

    def per_chat(self) -> Counter[int]:
        return Counter(message.chat_id for message in self.accepted)

    def duplicates(self) -> dict[int, int]:
        """Chats that got a message more than once, with how many."""
        return {chat: n for chat, n in self.per_chat().items() if n > 1}

    def busiest_window(self) -> int:
        """The most messages accepted within one window (never above `limit`)."""
        times = [message.at for message in self.accepted]
        most, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - self.window:
                start += 1
            most = max(most, end - start + 1)
        return most


LIMITED_TELEGRAM = web.AppKey("limited_telegram", LimitedTelegramState)


def _too_many(retry_after: int) -> web.Response:
    body = {
        "ok": False,
        "error_code": 429,
        "description": f"Too Many Requests: retry after {retry_after}",
        "parameters": {"retry_after": retry_after},
    }
    return web.json_response(body, status=429)


async def _method(request: web.Request) -> web.Response:
    state = request.app[LIMITED_TELEGRAM]
    if request.match_info["token"] != TOKEN:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )
    method = request.match_info["method"]
    form = await request.post()
    result: Any = True  # setWebhook, deleteWebhook, answerCallbackQuery…
    if method == "getMe":
        result = {"id": BOT_ID, "is_bot": True, "first_name": "ML", "username": USERNAME}
    elif method == "sendMessage":
        now = time.monotonic()
        retry_after = state.admit(now)
        if retry_after is not None:
            state.refused.append(now)
            return _too_many(retry_after)
        chat_id, text = int(str(form["chat_id"])), str(form["text"])
        state.accepted.append(Accepted(chat_id, text, now))
        result = {
            "message_id": next(state._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Mission Locale"},
            "text": text,
        }
    return web.json_response({"ok": True, "result": result})


def limited_telegram_app(state: LimitedTelegramState) -> web.Application:
    app = web.Application()
    app[LIMITED_TELEGRAM] = state
    app.router.add_post("/bot{token}/{method}", _method)
    return app


@asynccontextmanager
async def production_telegram(api_url: str) -> AsyncIterator[TelegramChannel]:
    """The bot's Telegram channel exactly as `create_app` builds it (PTB Application with the
    project's `ChatRateLimiter`), calling the Bot API at `api_url` (…/bot), initialised as at
    start-up (getMe) and shut down after."""
    settings = TelegramSettings(token=TOKEN, mode=TelegramMode.WEBHOOK, api_base_url=api_url)
    runtime = TelegramRuntime(web.Application(), settings)
    await runtime.application.initialize()
    try:
        yield runtime.channel
    finally:
        await runtime.application.shutdown()

"""Sending to Telegram: keyboards within callback_data's 64 bytes, long texts, flood limits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.error import RetryAfter

from bot.channels.telegram.sending import (
    ChatRateLimiter,
    SendWindow,
    TelegramChannel,
    callback_data,
    keyboard,
)
from bot.core.messages import Author, Button, OutgoingMessage, Recipient

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


def _message(text: str = "Choisis", *buttons: Button, id_: int = 41) -> OutgoingMessage:
    return OutgoingMessage(id_, 1, Author.BOT, text, tuple(buttons), NOW)


def test_short_payloads_travel_as_they_are_and_long_ones_as_keys() -> None:
    short = Button("Oui", "/affirm")
    long = Button("Un CDD", '/inform{"choice": "contract=' + "x" * 60 + '"}')
    tricky = Button("Clé", "~12.0")  # looks like a key: never trusted as one
    message = _message("?", short, long, tricky)

    assert callback_data(message, 0, short) == "/affirm"
    assert callback_data(message, 1, long) == "~41.1"
    assert callback_data(message, 2, tricky) == "~41.2"
    markup = keyboard(message)
    assert markup is not None
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [
        ["Oui"],
        ["Un CDD"],
        ["Clé"],
    ]
    assert all(len(str(row[0].callback_data).encode()) <= 64 for row in markup.inline_keyboard)
    assert keyboard(_message("sans boutons")) is None


class _RecordingBot:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_message(self, **params: Any) -> None:
        self.sent.append(params)


async def test_a_long_text_is_split_and_the_buttons_go_with_the_last_piece() -> None:
    bot = _RecordingBot()
    text = "\n\n".join(f"Paragraphe {i}. " + "mot " * 300 for i in range(6))

    await TelegramChannel(bot).send(  # type: ignore[arg-type]
        Recipient("telegram", "777", NOW), _message(text, Button("Oui", "/affirm"))
    )

    assert len(bot.sent) > 1
    assert all(len(call["text"]) <= 4096 for call in bot.sent)
    assert [call["reply_markup"] is not None for call in bot.sent] == [False] * (
        len(bot.sent) - 1
    ) + [True]
    assert " ".join(c["text"] for c in bot.sent).split() == text.split()
    assert {call["chat_id"] for call in bot.sent} == {777}


async def test_one_private_chat_is_held_to_about_one_message_a_second() -> None:
    limiter = ChatRateLimiter(per_chat=2, period=0.4)
    loop = asyncio.get_running_loop()
    times: dict[int, list[float]] = {1: [], 2: []}

    async def send(chat: int) -> bool:
        times[chat].append(loop.time())
        return True

    async def one(chat: int) -> None:
        await limiter.process_request(send, (chat,), {}, "sendMessage", {"chat_id": chat}, None)

    start = loop.time()
    await asyncio.gather(*(one(1) for _ in range(6)), *(one(2) for _ in range(2)))

    # Chat 1: a burst of 2, then one every 0.2 s; chat 2 is not slowed by chat 1.
    assert times[1][-1] - start >= 0.7
    assert max(times[2]) - start < 0.15


async def test_groups_and_methods_without_a_chat_are_not_held_per_chat() -> None:
    limiter = ChatRateLimiter(per_chat=1, period=10)

    async def call() -> bool:
        return True

    for _ in range(3):
        assert await limiter.process_request(call, (), {}, "getMe", {}, None)
        assert await limiter.process_request(call, (), {}, "x", {"chat_id": "@canal"}, None)


async def test_messages_sent_one_after_the_other_are_held_too() -> None:
    limiter = ChatRateLimiter(per_chat=1, period=0.2)
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def send() -> bool:
        times.append(loop.time())
        return True

    for _ in range(3):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": "9"}, None)

    assert times[-1] - times[0] >= 0.35


async def test_idle_chats_are_forgotten_when_many_are_tracked() -> None:
    limiter = ChatRateLimiter()
    for chat in range(1, 1030):
        limiter.chat_limiter(chat)

    assert len(limiter._chat_limiters) < 1024


async def test_no_period_holds_more_requests_than_the_overall_window() -> None:
    """PTB's own overall limiter lets two full buckets through within one period (a burst of
    ~60 in a second, then a 429 for the whole bot); the window never does."""
    limiter = ChatRateLimiter(overall=SendWindow(size=5, period=0.3))
    loop = asyncio.get_running_loop()
    spans: list[tuple[float, float]] = []

    async def send() -> bool:
        start = loop.time()
        await asyncio.sleep(0.01)
        spans.append((start, loop.time()))
        return True

    await asyncio.gather(
        *(
            limiter.process_request(send, (), {}, "sendMessage", {"chat_id": chat}, None)
            for chat in range(1, 16)
        )
    )

    starts = sorted(start for start, _ in spans)
    for start in starts:
        assert sum(start <= other < start + 0.29 for other in starts) <= 5
    assert starts[-1] - starts[0] >= 0.55  # 15 at 5 per 0.3 s: three windows


async def test_a_retry_after_a_429_waits_for_the_window_too() -> None:
    limiter = ChatRateLimiter(overall=SendWindow(size=1, period=0.5), max_retries=1)
    loop = asyncio.get_running_loop()
    attempts: list[float] = []

    async def send() -> bool:
        attempts.append(loop.time())
        if len(attempts) == 1:
            raise RetryAfter(timedelta(0))  # PTB waits 0.1 s, the window 0.5 s
        return True

    assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert len(attempts) == 2
    assert attempts[1] - attempts[0] >= 0.45

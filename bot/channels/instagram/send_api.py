"""Replies to Instagram through Meta's Send API: quick replies, long texts split, the 24-hour
window respected, 429/5xx retried with backoff.

Buttons become **quick replies**, not a button template: Rasa's replies often carry 4 or more
buttons (the greeting has 4) and a button template holds only 3; neither is shown on the
desktop web, and quick replies vanish once tapped, which suits a guided conversation. When a
title must be cut to Instagram's 20 characters, or there are more than 13 buttons, the text
also lists every option in full, numbered, so nothing is lost. A payload longer than Meta's
1000 characters travels as a key to the stored button (`~<message id>.<index>`), read back by
the webhook.

Meta only lets a business answer within 24 hours of the person's last message; a counsellor may
answer up to 7 days with the HUMAN_AGENT tag when enabled (bot/core/reply_window.py). Outside
that the API is not called and the message is recorded as undelivered (`outside_24h_window`).

A request that could not connect is retried (nothing left); one that timed out or lost its
answer is not: Meta's Send API is not idempotent and the message may have arrived, so it is
recorded undelivered (`timed_out`) rather than risk sending it twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp

from bot.channels.button_keys import key_or_payload
from bot.channels.instagram.webhook import CHANNEL
from bot.channels.text_split import split_text, utf8_size
from bot.core.messages import OutgoingMessage, Recipient
from bot.core.ports import Clock
from bot.core.reply_window import reply_window
from bot.errors import DeliveryFailed
from bot.settings import InstagramSettings

logger = logging.getLogger(__name__)

MAX_TEXT_BYTES = 999  # Meta: "≤ 1000 bytes" (Instagram Login), "< 1000 characters" (Page doc)
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000
RETRY_DELAYS = (0.5, 1.0)  # three attempts in all
MAX_RETRY_AFTER = 30.0  # a longer wait is not worth holding the conversation for
REQUEST_TIMEOUT = 10.0
# Graph error codes worth another try: temporary failure, and the throttling codes.
RETRYABLE_CODES = frozenset({2, 4, 17, 32, 613})


def short_title(title: str) -> str:
    """At most 20 characters, cut between words when that keeps most of it."""
    title = " ".join(title.split())
    if len(title) <= MAX_TITLE:
        return title
    head = title[: MAX_TITLE - 1]
    space = head.rfind(" ")
    if space >= MAX_TITLE // 2:
        head = head[:space]
    return head.rstrip(" ,;:-") + "…"


def button_payload(message: OutgoingMessage, index: int, payload: str) -> str:
    return key_or_payload(message, index, payload, len(payload) <= MAX_PAYLOAD)


def render(message: OutgoingMessage) -> list[dict[str, Any]]:
    """The `message` objects to send, in order; the quick replies ride on the last one."""
    text = message.text.strip()
    buttons = message.buttons
    titles = [short_title(button.title) for button in buttons[:MAX_QUICK_REPLIES]]
    cut = any(t != b.title for t, b in zip(titles, buttons, strict=False))
    if cut or len(buttons) > MAX_QUICK_REPLIES:
        options = "\n".join(f"{n}. {b.title}" for n, b in enumerate(buttons, start=1))
        text = f"{text}\n\n{options}" if text else options
    parts: list[dict[str, Any]] = [
        {"text": piece} for piece in split_text(text, MAX_TEXT_BYTES, utf8_size) or ["…"]
    ]
    if titles:
        parts[-1]["quick_replies"] = [
            {
                "content_type": "text",
                "title": title,
                "payload": button_payload(message, index, button.payload),
            }
            for index, (title, button) in enumerate(zip(titles, buttons, strict=False))
        ]
    return parts


def failure_reason(status: int, error: dict[str, Any]) -> tuple[str, bool]:
    """Our reason code for a refused call, and whether another try may succeed."""
    code, subcode = error.get("code"), error.get("error_subcode")
    if code == 190:
        return "token_invalid", False
    if code == 10 or subcode == 2534022:
        return "outside_24h_window", False
    if code == 551:
        return "user_unavailable", False
    if status == 429 or code in RETRYABLE_CODES - {2}:
        return "rate_limited", True
    if status >= 500 or code == 2:
        return "platform_error", True
    return "platform_refused", False


def _retry_after(headers: Any) -> float | None:
    raw = headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


async def _error_of(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ClientError):
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class InstagramChannel:
    """The push channel the DeliveryService uses for Instagram identities (IGSIDs)."""

    name = CHANNEL

    def __init__(
        self,
        http: aiohttp.ClientSession,
        settings: InstagramSettings,
        clock: Clock,
        *,
        retry_delays: Sequence[float] = RETRY_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._clock = clock
        self._human_agent = settings.human_agent
        self._url = (
            f"{settings.graph_api_base_url}/{settings.graph_api_version}"
            f"/{settings.account_id}/messages"
        )
        # In a header, not the query string: URLs end up in logs.
        self._headers = {"Authorization": f"Bearer {settings.access_token}"}
        self.retry_delays = tuple(retry_delays)
        self._sleep = sleep

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        window = reply_window(
            CHANNEL,
            recipient.last_incoming_at,
            self._clock.now(),
            message.author,
            human_agent=self._human_agent,
        )
        if not window.open:
            raise DeliveryFailed("outside_24h_window")
        # Within 24 h a plain response; after, only a counsellor's, with the HUMAN_AGENT tag.
        lane: dict[str, str] = (
            {"messaging_type": "RESPONSE"}
            if window.tag is None
            else {"messaging_type": "MESSAGE_TAG", "tag": window.tag}
        )
        for part in render(message):
            await self._post(
                {"recipient": {"id": recipient.external_user_id}, **lane, "message": part}
            )

    async def _post(self, body: dict[str, Any]) -> None:
        attempts = len(self.retry_delays) + 1
        for attempt in range(attempts):
            wait: float | None = None
            try:
                async with self._http.post(
                    self._url,
                    json=body,
                    headers=self._headers,
                    timeout=self._timeout,
                ) as response:
                    if response.status < 300:
                        return
                    error = await _error_of(response)
                    reason, retryable = failure_reason(response.status, error)
                    logger.warning(
                        "instagram send refused: HTTP %s, code %s/%s, trace %s -> %s",
                        response.status,
                        error.get("code"),
                        error.get("error_subcode"),
                        error.get("fbtrace_id"),
                        reason,
                    )
                    if not retryable:
                        raise DeliveryFailed(reason, f"HTTP {response.status}")
                    wait = _retry_after(response.headers)
            except aiohttp.ClientConnectorError as failure:
                reason = "platform_unreachable"
                logger.warning("instagram send failed: %s", type(failure).__name__)
            except (aiohttp.ClientError, TimeoutError) as failure:
                logger.warning("instagram send interrupted: %s", type(failure).__name__)
                raise DeliveryFailed("timed_out", type(failure).__name__) from failure
            if attempt == attempts - 1:
                raise DeliveryFailed(reason, f"after {attempts} attempts")
            delay = self.retry_delays[attempt]
            if wait is not None:
                if wait > MAX_RETRY_AFTER:
                    raise DeliveryFailed(reason, f"Retry-After {wait:.0f} s")
                delay = max(delay, wait)
            await self._sleep(delay)

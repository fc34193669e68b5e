"""Instagram messaging: Meta webhooks in (signed, answered at once, handled after), Send API out.

`GET /instagram/webhook` answers Meta's subscription check; `POST /instagram/webhook` checks
`X-Hub-Signature-256` over the raw bytes before anything is read or stored, answers 200, and
handles the batch in a background task: one person's events in order, different people at the
same time. Parsing is in webhook.py, sending (quick replies, 24-hour window, retries) in
send_api.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.channels.button_keys import read_key
from bot.channels.inbound import take_in
from bot.channels.instagram import signature
from bot.channels.instagram.feed import InstagramFeedPublisher
from bot.channels.instagram.send_api import InstagramChannel
from bot.channels.instagram.webhook import (
    CHANNEL,
    Event,
    MalformedBatch,
    Received,
    Referral,
    parse_batch,
)
from bot.channels.ordering import PerSenderLocks
from bot.core.messages import IncomingMessage
from bot.http.json_body import BodyRejected, parse_json
from bot.http.secrets_match import secret_matches
from bot.rasa.payloads import payload as rasa_payload
from bot.settings import InstagramSettings
from bot.storage import conversations as store
from bot.storage import events, outbox
from bot.wiring import CAMPAIGNS, CLOCK, DELIVERY, SESSIONS

logger = logging.getLogger(__name__)

PATH = "/instagram/webhook"
# Meta batches many events in one POST: above the app's 64 KiB limit, read by hand here.
MAX_BODY = 1024 * 1024
MAX_CHALLENGE = 256
GREETING_PAYLOAD = rasa_payload("greet")
# People handled at once from one batch (each one's events still go one after the other).
CONCURRENT_SENDERS = 16
DRAIN_TIMEOUT = 10.0


class InstagramRuntime:
    """The channel's state in one app: settings, the Send API channel, batches in progress."""

    def __init__(
        self, app: web.Application, settings: InstagramSettings, channel: InstagramChannel
    ) -> None:
        self._app = app
        self.settings = settings
        self.channel = channel
        # Kept here so running tasks are not garbage-collected; awaited at shutdown.
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = PerSenderLocks()
        self._slots = asyncio.Semaphore(CONCURRENT_SENDERS)

    def take(self, batch: list[Event]) -> None:
        """Handle a batch after the webhook has answered."""
        task = asyncio.create_task(self._handle_batch(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every batch in progress (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.drain(), DRAIN_TIMEOUT)
        except TimeoutError:
            logger.warning("instagram: %d batches cancelled at shutdown", len(self._tasks))
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _handle_batch(self, batch: list[Event]) -> None:
        by_sender: dict[str, list[Event]] = {}
        for event in batch:
            by_sender.setdefault(event.sender_id, []).append(event)
        await asyncio.gather(
            *(self._handle_sender(sender, evs) for sender, evs in by_sender.items())
        )

    async def _handle_sender(self, sender: str, batch: list[Event]) -> None:
        # The lock first: it keeps this person's batches in arrival order.
        async with self._lock(sender), self._slots:
            for event in batch:
                try:
                    await self._handle(event)
                except Exception:
                    logger.exception("instagram event failed")

    async def _handle(self, event: Event) -> None:
        app = self._app
        sessions, now = app[SESSIONS], app[CLOCK].now()
        if isinstance(event, Referral):
            # The thread was opened from an ig.me link: a newcomer is greeted (and attributed
            # to the link's source); someone known has already been greeted.
            async with sessions() as session:
                known = await store.find_identity(session, CHANNEL, event.sender_id)
            if known is not None or not await events.first_time(
                sessions, CHANNEL, event.event_id, now
            ):
                return
            incoming = IncomingMessage(
                CHANNEL, event.sender_id, payload=GREETING_PAYLOAD, source=event.ref
            )
        else:
            if not await events.first_time(sessions, CHANNEL, event.event_id, now):
                logger.info("instagram event seen again: ignored")
                return
            incoming = await self._resolve_key(event)
        await take_in(app, incoming)

    async def _resolve_key(self, event: Received) -> IncomingMessage:
        """A payload too long for Meta travelled as a key to the stored button: read it back."""
        incoming = event.incoming
        key = read_key(incoming.payload)
        if key is None:
            return incoming
        async with self._app[SESSIONS]() as session:
            payload = await outbox.button_payload(
                session, key.message_id, key.index, CHANNEL, incoming.external_user_id
            )
        if payload is None:
            return incoming  # not one of theirs: Rasa gets the key and does not understand it
        return IncomingMessage(
            CHANNEL,
            incoming.external_user_id,
            payload=payload,
            external_id=incoming.external_id,
            source=incoming.source,
        )


INSTAGRAM = web.AppKey("instagram", InstagramRuntime)


async def verify(request: web.Request) -> web.Response:
    """Meta's subscription check: echo the challenge when mode and verify token match."""
    settings = request.app[INSTAGRAM].settings
    query = request.query
    token = query.get("hub.verify_token")
    challenge = query.get("hub.challenge")
    if (
        query.get("hub.mode") != "subscribe"
        or token is None
        or not challenge
        or len(challenge) > MAX_CHALLENGE
        or not secret_matches(token, settings.verify_token)
    ):
        return web.Response(status=403, text="verification refused")
    return web.Response(text=challenge, content_type="text/plain")


async def _read_body(request: web.Request) -> bytes | None:
    """The raw body, or None when it is larger than MAX_BODY (read in chunks: content.read(n)
    may return fewer bytes than there are)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)


async def receive(request: web.Request) -> web.Response:
    """Authenticate, then parse, then answer: nothing is stored before the signature is good."""
    runtime = request.app[INSTAGRAM]
    body = await _read_body(request)
    if body is None:
        return web.Response(status=413, text="too large")
    if not signature.is_valid(
        runtime.settings.app_secret, body, request.headers.get(signature.HEADER)
    ):
        return web.Response(status=403, text="bad signature")
    try:
        data = parse_json(body)
        if not isinstance(data, dict):
            raise MalformedBatch("not an object")
        batch = parse_batch(data, runtime.settings.account_id)
    except (BodyRejected, ValueError):  # MalformedBatch included
        return web.Response(status=400, text="not an Instagram notification")
    if batch:
        runtime.take(batch)
    return web.Response(text="EVENT_RECEIVED")


def add_channel(app: web.Application, settings: InstagramSettings) -> None:
    """Register the webhook routes, and the Send API client's lifetime with the app's."""

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(connector=connector) as http:
            channel = InstagramChannel(http, settings, app[CLOCK])
            runtime = InstagramRuntime(app, settings, channel)
            app[INSTAGRAM] = runtime
            app[DELIVERY].add_channel(channel)
            app[CAMPAIGNS].add_publisher(InstagramFeedPublisher(http, settings))
            yield
            await runtime.close()

    app.cleanup_ctx.append(lifetime)
    app.router.add_get(PATH, verify)
    app.router.add_post(PATH, receive)

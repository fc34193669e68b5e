"""Telegram: python-telegram-bot 22 behind our aiohttp server.

PTB's Application runs without its own web server (`updater=None`): our route checks the secret
token, hands the update to PTB's queue and answers 200 at once; PTB then calls one handler,
which routes the message through the core and delivers the replies. `TELEGRAM_MODE=polling`
lets a developer without a public URL use getUpdates instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext, TypeHandler

from bot.channels.inbound import take_in
from bot.channels.ordering import PerSenderLocks
from bot.channels.telegram.channel_post import TelegramChannelPublisher
from bot.channels.telegram.sending import ChatRateLimiter, TelegramChannel
from bot.channels.telegram.staff_alerts import StaffAlerts
from bot.channels.telegram.updates import CHANNEL, Received, is_well_formed, read_update
from bot.core.messages import IncomingMessage
from bot.http.json_body import BodyRejected, parse_json
from bot.http.secrets_match import secret_matches
from bot.settings import TelegramMode, TelegramSettings
from bot.storage import events, outbox
from bot.wiring import ANNOUNCER, CAMPAIGNS, CLOCK, DELIVERY, SESSIONS, SETTINGS, TEXTS

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
ALLOWED_UPDATES = ("message", "callback_query")
# Updates handled at once (one chat's updates still go one after the other).
CONCURRENT_UPDATES = 32
START_RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0)


class TelegramRuntime:
    """PTB's Application for one bot token, and what it needs from our app."""

    def __init__(self, app: web.Application, settings: TelegramSettings) -> None:
        self._app = app
        self.settings = settings
        builder: ApplicationBuilder = (  # type: ignore[type-arg]
            Application.builder()
            .token(settings.token)
            .base_url(settings.api_base_url)
            .rate_limiter(ChatRateLimiter())
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if settings.mode is TelegramMode.WEBHOOK:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self.channel = TelegramChannel(self.application.bot)
        self.ready = asyncio.Event()
        self._lock = PerSenderLocks()

    async def start(self) -> None:
        """Connect to Telegram, retrying while it cannot be reached (the web chat works
        meanwhile; the webhook answers 503 so Telegram keeps the updates)."""
        delays = iter(START_RETRY_DELAYS)
        while True:
            try:
                await self._start_once()
            except InvalidToken:
                logger.error("Telegram refused TELEGRAM_TOKEN: the channel stays off")
                return
            except (TelegramError, OSError) as error:
                delay = next(delays, START_RETRY_DELAYS[-1])
                logger.warning(
                    "Telegram unreachable at start-up (%s); retrying in %.0f s",
                    type(error).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
            else:
                self._app[DELIVERY].add_channel(self.channel)
                if self.settings.channel_id is not None:
                    self._app[CAMPAIGNS].add_publisher(
                        TelegramChannelPublisher(self.application.bot, self.settings.channel_id)
                    )
                if self.settings.staff_chat_id is not None:
                    self._app[ANNOUNCER].on_handover(
                        StaffAlerts(
                            self.application.bot,
                            self.settings.staff_chat_id,
                            self._app[SETTINGS].public_url,
                        )
                    )
                self.ready.set()
                logger.info("Telegram channel ready (%s)", self.settings.mode.value)
                return

    async def _start_once(self) -> None:
        application = self.application
        if not application._initialized:
            await application.initialize()  # getMe: checks the token
        if self.settings.mode is TelegramMode.POLLING:
            updater = application.updater
            assert updater is not None
            if not application.running:
                await application.start()
            if not updater.running:
                await updater.start_polling(allowed_updates=list(ALLOWED_UPDATES))
            return
        if self.settings.webhook_url:
            await application.bot.set_webhook(
                url=self.settings.webhook_url,
                secret_token=self.settings.webhook_secret,
                allowed_updates=list(ALLOWED_UPDATES),
            )
        if not application.running:
            await application.start()

    async def stop(self) -> None:
        application = self.application
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application._initialized:
            await application.shutdown()

    async def enqueue(self, update: Update) -> None:
        await self.application.update_queue.put(update)

    async def _on_update(self, update: Update, _: CallbackContext) -> None:  # type: ignore[type-arg]
        received = read_update(update)
        if received is None:
            return
        # One chat's updates in order; different chats at the same time.
        async with self._lock(received.chat_id):
            now = self._app[CLOCK].now()
            if not await events.first_time(
                self._app[SESSIONS], CHANNEL, str(update.update_id), now
            ):
                logger.info("telegram update %s seen again: ignored", update.update_id)
                return
            incoming = await self._resolve(update, received)
            if incoming is not None:
                await take_in(self._app, incoming)

    async def _resolve(self, update: Update, received: Received) -> IncomingMessage | None:
        """The message to route; a pressed button is always answered (or its spinner stays)."""
        incoming = received.incoming
        key = received.button_key
        if key is not None:
            async with self._app[SESSIONS]() as session:
                payload = await outbox.button_payload(
                    session, key.message_id, key.index, CHANNEL, str(received.chat_id)
                )
            if payload is not None:
                incoming = IncomingMessage(
                    CHANNEL,
                    str(received.chat_id),
                    payload=payload,
                    external_id=f"u{update.update_id}",
                )
        if received.callback_query_id is not None:
            expired = incoming is None
            try:
                await self.application.bot.answer_callback_query(
                    received.callback_query_id,
                    text=self._app[TEXTS].webchat_error("invalid_payload") if expired else None,
                )
            except TelegramError as error:  # too old to answer: the message still counts
                logger.info("callback query not answered: %s", type(error).__name__)
        return incoming

    async def _on_error(self, update: object, context: CallbackContext) -> None:  # type: ignore[type-arg]
        error = context.error
        logger.error(
            "telegram update failed: %s",
            type(error).__name__,
            exc_info=error,
        )


TELEGRAM = web.AppKey("telegram", TelegramRuntime)


async def webhook(request: web.Request) -> web.Response:
    """Authenticate, parse, queue, answer: processing happens after the 200."""
    runtime = request.app[TELEGRAM]
    token = request.headers.get(SECRET_HEADER)
    if token is None:
        return web.Response(status=401, text="missing secret token")
    if not secret_matches(token, runtime.settings.webhook_secret):
        return web.Response(status=403, text="wrong secret token")
    if not runtime.ready.is_set():
        return web.Response(status=503, text="starting", headers={"Retry-After": "5"})
    try:
        # Whole body (updates are small; the app's 64 KiB limit answers 413 above it).
        data = parse_json(await request.read())
        if (
            not isinstance(data, dict)
            or not isinstance(data.get("update_id"), int)
            or not is_well_formed(data)
        ):
            raise ValueError("not an update")
        update = Update.de_json(data, runtime.application.bot)
    except (BodyRejected, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return web.Response(status=400, text="not a Telegram update")
    await runtime.enqueue(update)
    return web.Response(text="ok")


def add_channel(app: web.Application, settings: TelegramSettings) -> None:
    """Register the webhook route (webhook mode) and PTB's lifetime with the app's."""

    async def lifetime(app: web.Application) -> AsyncIterator[None]:
        runtime = TelegramRuntime(app, settings)
        app[TELEGRAM] = runtime
        starting = asyncio.create_task(runtime.start())
        yield
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
        await runtime.stop()

    app.cleanup_ctx.append(lifetime)
    if settings.mode is TelegramMode.WEBHOOK:
        app.router.add_post("/telegram/webhook", webhook)

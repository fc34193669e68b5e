"""Build the aiohttp application from settings: nothing starts at import time."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Mapping

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from rasa_sdk.executor import ActionExecutor

from bot.channels import instagram, telegram
from bot.channels.webchat import api as webchat
from bot.console import web as console_web
from bot.content.texts import Texts, load_texts
from bot.core.delivery import DeliveryService
from bot.core.dialogue import DialogueService
from bot.core.distress import load_distress_content
from bot.core.flood import FloodGuard
from bot.core.live import Announcer, InProcessEvents
from bot.core.ports import Clock, SystemClock
from bot.errors import ConfigError
from bot.http import actions_endpoint, calendar, health, privacy_page, staff_api
from bot.http.middleware import error_middleware, security_headers_middleware
from bot.outreach.links import links_for
from bot.rasa.client import RasaHttpClient
from bot.rasa.model import current_model
from bot.rasa.supervisor import RASA_LOGGING_CONFIG, ProcessSupervisor, rasa_argv, rasa_env
from bot.rasa.tracker_store import SqlTrackerStore
from bot.scheduling.campaign_sweep import CampaignService
from bot.scheduling.jobs import PeriodicJobs
from bot.scheduling.reminder_sweep import ReminderService
from bot.scheduling.retention import RetentionService
from bot.settings import Settings
from bot.storage.database import create_engine, create_session_factory
from bot.storage.demo import seed_demo
from bot.storage.live_postgres import PostgresEvents
from bot.wiring import (
    ACTION_EXECUTOR,
    ANNOUNCER,
    CAMPAIGNS,
    CLOCK,
    DELIVERY,
    DIALOGUE,
    ENGINE,
    FLOOD,
    RASA,
    RASA_SUPERVISOR,
    REMINDERS,
    SCHEDULER,
    SESSIONS,
    SETTINGS,
    TEXTS,
    TRACKER,
    privacy_notice,
)

logger = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    texts: Texts | None = None,
    environ: Mapping[str, str] | None = None,
) -> web.Application:
    """The whole service; each resource has one cleanup context so teardown matches startup."""
    app = web.Application(
        middlewares=[error_middleware, security_headers_middleware],
        client_max_size=64 * 1024,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[TEXTS] = texts or load_texts()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_live_events)
    app.cleanup_ctx.append(_rasa_client)
    if settings.rasa_managed:
        app.cleanup_ctx.append(_managed_rasa(dict(environ if environ is not None else os.environ)))
    app.cleanup_ctx.append(_scheduler)
    app.cleanup_ctx.append(_actions)
    health.add_routes(app)
    actions_endpoint.add_routes(app)
    webchat.add_routes(app)
    staff_api.add_routes(app)
    console_web.add_routes(app)
    calendar.add_routes(app)
    privacy_page.add_routes(app)
    if settings.telegram is not None:
        telegram.add_channel(app, settings.telegram)
    if settings.instagram is not None:
        instagram.add_channel(app, settings.instagram)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = create_engine(settings.database_url)
    app[ENGINE] = engine
    app[SESSIONS] = create_session_factory(engine)
    if settings.demo:
        await seed_demo(app[SESSIONS], app[CLOCK].now())
    yield
    await engine.dispose()


async def _live_events(app: web.Application) -> AsyncIterator[None]:
    """Console pages of every bot process see every change: LISTEN/NOTIFY on PostgreSQL, this
    process's own fan-out on SQLite (one process)."""
    settings = app[SETTINGS]
    if app[ENGINE].dialect.name == "postgresql":
        events = PostgresEvents(app[ENGINE], settings.database_url)
        await events.start()
        app[ANNOUNCER] = Announcer(events)
        yield
        await events.close()
    else:
        app[ANNOUNCER] = Announcer(InProcessEvents())
        yield


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    # Many concurrent conversations share Rasa; no per-host cap below Rasa's own limits.
    connector = aiohttp.TCPConnector(limit=200, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        app[RASA] = RasaHttpClient(
            session, settings.rasa_url, settings.rasa_timeout, api_token=settings.actions_token
        )
        eraser = SqlTrackerStore.from_url(settings.rasa_tracker_url)
        app[TRACKER] = eraser
        flood = FloodGuard(settings.flood)
        app[FLOOD] = flood
        app[DIALOGUE] = DialogueService(
            app[SESSIONS],
            app[RASA],
            app[CLOCK],
            app[TEXTS],
            load_distress_content(),
            eraser,
            flood,
            app[ANNOUNCER],
            eraser,
            privacy=privacy_notice(settings),
        )
        # Push channels (Telegram, Instagram) register themselves here when they start.
        app[DELIVERY] = DeliveryService(app[SESSIONS], app[CLOCK], {})
        app[REMINDERS] = ReminderService(
            app[SESSIONS], app[CLOCK], app[DELIVERY], settings.scheduling
        )
        app[CAMPAIGNS] = CampaignService(
            app[SESSIONS],
            app[CLOCK],
            app[DELIVERY],
            settings.scheduling,
            public_url=settings.public_url,
            chat_link=lambda code: chat_link(settings, code),
        )
        yield
        await eraser.close()
        await flood.close()


def chat_link(settings: Settings, code: str) -> str:
    """Where a campaign's post invites to chat: the Telegram bot if there is one, else the web
    chat; attributed to the campaign's outreach source."""
    links = links_for(settings, code)
    return links.telegram or links.webchat


def _managed_rasa(environ: dict[str, str]) -> web.CleanupContext:  # type: ignore[name-defined]
    async def context(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        model = current_model(settings.rasa_model)
        if model is None:
            raise ConfigError(f"no Rasa model in {settings.rasa_model}: run `make model` first")
        # Rasa fails on a missing file, and without this one it writes slot values into its log.
        logging_config = settings.project_dir / RASA_LOGGING_CONFIG
        if not logging_config.is_file():
            raise ConfigError(f"Rasa's logging configuration {logging_config} is missing")
        supervisor = ProcessSupervisor(
            "rasa",
            rasa_argv(
                settings.rasa_bin,
                model,
                settings.rasa_port,
                settings.actions_token,
                settings.project_dir,
            ),
            rasa_env(
                environ,
                actions_url=f"http://127.0.0.1:{settings.port}/actions",
                actions_token=settings.actions_token,
                tracker_url=settings.rasa_tracker_url,
            ),
            cwd=settings.project_dir,
            log_path=settings.var_dir / "log" / "rasa.log",
        )
        app[RASA_SUPERVISOR] = supervisor
        supervisor.start()
        yield
        await supervisor.stop()

    return context


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start()
    app[SCHEDULER] = scheduler
    jobs = PeriodicJobs(
        sessions=app[SESSIONS],
        clock=app[CLOCK],
        reminders=app[REMINDERS],
        delivery=app[DELIVERY],
        reminder_sweep_seconds=app[SETTINGS].booking.reminder_sweep_seconds,
        campaigns=app[CAMPAIGNS],
        retention=RetentionService(
            app[SESSIONS], app[CLOCK], app[SETTINGS].privacy, tracker=app[TRACKER]
        ),
    )
    jobs.schedule(scheduler)
    yield
    await jobs.stop(scheduler)


async def _actions(app: web.Application) -> AsyncIterator[None]:
    executor = ActionExecutor()
    executor.register_package(ACTIONS_PACKAGE)
    app[ACTION_EXECUTOR] = executor
    yield

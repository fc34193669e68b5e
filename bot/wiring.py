"""The application's wiring: typed keys for the services app.py builds (settings, database
sessions, Rasa, the dialogue, delivery, reminders, the scheduler) and shares through the aiohttp
application."""

from __future__ import annotations

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from rasa_sdk.executor import ActionExecutor
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.content.texts import Texts
from bot.core.delivery import DeliveryService
from bot.core.dialogue import DialogueService, PrivacyNotice
from bot.core.flood import FloodGuard
from bot.core.live import Announcer
from bot.core.ports import Clock
from bot.rasa.client import RasaHttpClient
from bot.rasa.supervisor import ProcessSupervisor
from bot.rasa.tracker_store import SqlTrackerStore
from bot.scheduling.campaign_sweep import CampaignService
from bot.scheduling.reminder_sweep import ReminderService
from bot.settings import Settings

SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
TEXTS = web.AppKey("texts", Texts)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
# Live events for console pages (in this process, or PostgreSQL LISTEN/NOTIFY) and alerts.
ANNOUNCER = web.AppKey("announcer", Announcer)
# Rasa's tracker store: erasure, and what the NLU understood for the handoff packet.
TRACKER = web.AppKey("tracker", SqlTrackerStore)
RASA = web.AppKey("rasa", RasaHttpClient)
# Only when the bot runs Rasa itself (RASA_MANAGED=1): /readyz tells why Rasa is not running.
RASA_SUPERVISOR = web.AppKey("rasa_supervisor", ProcessSupervisor)
DIALOGUE = web.AppKey("dialogue", DialogueService)
FLOOD = web.AppKey("flood", FloodGuard)
DELIVERY = web.AppKey("delivery", DeliveryService)
REMINDERS = web.AppKey("reminders", ReminderService)
CAMPAIGNS = web.AppKey("campaigns", CampaignService)
SCHEDULER = web.AppKey("scheduler", AsyncIOScheduler)
ACTION_EXECUTOR = web.AppKey("action_executor", ActionExecutor)


# The privacy page (/confidentialite) is served by the bot itself, on its public address.
PRIVACY_PAGE_PATH = "/confidentialite"


def privacy_notice(settings: Settings) -> PrivacyNotice:
    """What the first-contact notice says: the conversations' retention (the purge's own
    setting) and the privacy page on the public address."""
    return PrivacyNotice(
        conversations_months=settings.privacy.conversations_months,
        page_url=settings.public_url.rstrip("/") + PRIVACY_PAGE_PATH,
    )

"""The bot's services as custom actions see them, passed through a context variable.

The actions endpoint sets `current_services` around each action run, so actions reach the
database, clock and scheduler without import-time globals.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.live import Announcer
from bot.core.ports import Clock
from bot.settings import BookingSettings, SchedulingSettings


@dataclass(frozen=True, slots=True)
class ActionServices:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    scheduler: AsyncIOScheduler
    booking: BookingSettings = field(default_factory=BookingSettings)
    scheduling: SchedulingSettings = field(default_factory=SchedulingSettings)
    # Where young people reach the bot from outside (links such as the calendar file's).
    public_url: str = "http://127.0.0.1:8080"
    # Console pages and the staff alert learn of a hand-over through it (None in unit tests).
    announcer: Announcer | None = None


current_services: ContextVar[ActionServices] = ContextVar("current_services")


def services() -> ActionServices:
    """The services of the action being run; fails loudly outside the actions endpoint."""
    try:
        return current_services.get()
    except LookupError:
        raise RuntimeError("actions must run through the bot's /actions endpoint") from None

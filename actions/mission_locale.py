"""The Mission Locale itself: where it is and when it is open (from the database)."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.booking.places import place_of
from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.opening_hours import status_now, weekly_schedule
from bot.core.team_hours import periods_of
from bot.storage.sites import main_site


async def say_site_info(dispatcher: CollectingDispatcher, *, simple: bool = False) -> None:
    """Address, phone and opening hours of the main site, with whether it is open right now
    (what « la Mission Locale, c'est où / c'est quoi » gets, from actions/topics.py); in simple
    French, the address, phone and whether it is open now only."""
    context = services()
    async with context.sessions() as session:
        site = await main_site(session)
        if site is None:
            dispatcher.utter_message(text=reply_text("site_info", "unknown"))
            return
        periods = periods_of(site)
        dispatcher.utter_message(
            text=reply_text(
                "site_info",
                "simple" if simple else "text",
                mission_locale=site.mission_locale.name,
                site_name=site.name,
                address=place_of(site).full_address,
                phone=site.phone or "—",
                hours=weekly_schedule(periods),
                now_status=status_now(periods, context.clock.now(), site.timezone),
            )
        )

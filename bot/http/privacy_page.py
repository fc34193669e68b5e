"""`/confidentialite` (#12): what happens to a young person's data, in plain French, readable on
a phone. The retention periods come from the same settings as the purge, so the page always
says what the purge does; the data controller and the contact for rights come from settings
(PRIVACY_CONTROLLER, PRIVACY_CONTACT, PRIVACY_DPO), else from the Mission Locale's own record.

Legal bases as read in ../shared/docs/domain-facts.md §4 (2026-12-03): the follow-up of young
people is a mission of public interest (art. 6.1.e RGPD, the basis used for I-Milo, arrêté du
15 janvier 2026); the news are sent on consent (art. 6.1.a), which a young person of 15 or more
gives alone (art. 45 loi Informatique et Libertés). To be confirmed by each Mission Locale's DPO.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.booking.places import Place, place_of
from bot.settings import PrivacySettings
from bot.storage.models import MissionLocale, Site
from bot.wiring import SESSIONS, SETTINGS

HERE = Path(__file__).resolve().parent
PATH = "/confidentialite"
STYLESHEET = HERE / "static" / "privacy.css"


@dataclass(frozen=True, slots=True)
class Contactable:
    """A site where a young person can also ask, in person or by phone."""

    place: Place
    phone: str | None


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def months(count: int) -> str:
    """« 12 mois », « 1 mois »; whole years as years (« 2 ans »)."""
    if count % 12 == 0:
        years = count // 12
        return "1 an" if years == 1 else f"{years} ans"
    return f"{count} mois"


def days(count: int) -> str:
    return "1 jour" if count == 1 else f"{count} jours"


def render(privacy: PrivacySettings, mission_locale: str, places: list[Contactable]) -> str:
    return (
        _templates()
        .get_template("privacy.html")
        .render(
            controller=privacy.controller or mission_locale or "La Mission Locale",
            contact=privacy.contact,
            dpo=privacy.dpo,
            places=places,
            conversations=months(privacy.conversations_months),
            contacts=months(privacy.contacts_months),
            appointments=months(privacy.appointments_months),
            deliveries=months(privacy.deliveries_months),
            events=days(privacy.events_days),
            audit=months(privacy.audit_months),
        )
    )


async def privacy_page(request: web.Request) -> web.Response:
    async with request.app[SESSIONS]() as session:
        mission_locale = await session.scalar(
            select(MissionLocale)
            .options(selectinload(MissionLocale.sites))
            .order_by(MissionLocale.id)
            .limit(1)
        )
    sites: list[Site] = [] if mission_locale is None else list(mission_locale.sites)
    places = [Contactable(place_of(site), site.phone) for site in sites]
    name = "" if mission_locale is None else mission_locale.name
    html = render(request.app[SETTINGS].privacy, name, places)
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def stylesheet(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STYLESHEET, headers={"Cache-Control": "public, max-age=3600"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, privacy_page)
    app.router.add_get(f"{PATH}.css", stylesheet)

"""`GET /rdv/<key>.ics`: an appointment's calendar file, for whoever holds the link's key."""

from __future__ import annotations

import re

from aiohttp import web

from bot.booking.calendar_file import FILENAME, calendar_file
from bot.http.responses import json_error
from bot.storage.calendar_links import by_calendar_key
from bot.wiring import SESSIONS, SETTINGS

# Keys are secrets.token_urlsafe(32) (43 characters); anything else is not worth a query.
KEY = re.compile(r"[A-Za-z0-9_-]{20,64}")


async def appointment_calendar(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    appointment = None
    if KEY.fullmatch(key):
        async with request.app[SESSIONS]() as session:
            appointment = await by_calendar_key(session, key)
    if appointment is None:
        return json_error(404, "unknown_appointment", "Ce lien de rendez-vous n'existe pas.")
    return web.Response(
        body=calendar_file(appointment, request.app[SETTINGS].public_url),
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{FILENAME}"',
            # The link is private to one young person: no shared cache keeps a copy.
            "Cache-Control": "no-store",
        },
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/rdv/{key}.ics", appointment_calendar)

"""GET /console/api/events (#10): server-sent events to an open console page (aiohttp-sse).

Each event says which conversation changed and how (never a word of the young person); the page
then fetches what it shows through the usual checks. A ping every 15 s keeps proxies from
closing the stream; the session is checked again every minute, so a logout or a disabled
account also ends its open streams.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp_sse import sse_response

from bot.console.pages import CONVERSATION_ROLES, current, staff_member
from bot.wiring import ANNOUNCER

logger = logging.getLogger(__name__)

RECHECK_SESSION = 60.0  # seconds


async def events(request: web.Request) -> web.StreamResponse:
    signed_in = await staff_member(request, CONVERSATION_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    async with (
        request.app[ANNOUNCER].events.subscribe() as queue,
        sse_response(
            request, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        ) as stream,
    ):
        await stream.send("{}", event="ready")  # the page refetches: nothing missed meanwhile
        while stream.is_connected():
            try:
                event = await asyncio.wait_for(queue.get(), RECHECK_SESSION)
            except TimeoutError:
                if await current(request) is None:
                    break
                continue
            await stream.send(event.encode(), event=event.kind.value)
    return stream


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/api/events", events)

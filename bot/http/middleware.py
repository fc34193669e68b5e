"""Middlewares: one place that logs unexpected failures, and security headers on every answer."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from bot.http.responses import json_error

logger = logging.getLogger(__name__)

# Paths whose segments are secrets (a calendar file's key, with or without `.ics`, or any
# mistyped form of it): never written to a log.
_SECRET_PATHS = re.compile(r"^(/rdv/).+?(\.ics)?$", re.DOTALL)


def loggable_path(path: str) -> str:
    """The request path as logs may show it: « /rdv/<key>.ics » becomes « /rdv/….ics », and
    anything else under « /rdv/ » (a 404 on a key without `.ics`) « /rdv/… »."""
    return _SECRET_PATHS.sub(lambda m: f"{m[1]}…{m[2] or ''}", path)


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors *; base-uri 'none'; form-action 'none'"
)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """HTTP errors pass through; anything else is logged once and becomes a JSON 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, loggable_path(request.path))
        return json_error(500, "internal_error", "Oups, une erreur de notre côté. Réessaie.")


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response


class PrivateAccessLogger(AbstractAccessLogger):
    """Access log without query strings or client addresses (they can identify a young person)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %.1fms",
            request.method,
            loggable_path(request.path),
            response.status,
            time * 1000,
        )

"""Middlewares: one place that logs unexpected failures, and security headers on every answer."""

from __future__ import annotations

import logging
import re

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.typedefs import Handler

from bot.http.responses import json_error
from bot.wiring import SETTINGS

logger = logging.getLogger(__name__)

# Paths whose segments are secrets (a calendar file's key, with or without `.ics`, or any
# mistyped form of it): never written to a log.
_SECRET_PATHS = re.compile(r"^(/rdv/).+?(\.ics)?$", re.DOTALL)


def loggable_path(path: str) -> str:
    """The request path as logs may show it: « /rdv/<key>.ics » becomes « /rdv/….ics », and
    anything else under « /rdv/ » (a 404 on a key without `.ics`) « /rdv/… »."""
    return _SECRET_PATHS.sub(lambda m: f"{m[1]}…{m[2] or ''}", path)


# Every answer's policy; only the web chat's page (`/`) may be framed, and only by the sites
# named in WEBCHAT_FRAME_ANCESTORS (the Mission Locale's own site): a page that anyone could
# frame could be dressed up as someone else's and used to trick young people (#12).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'none'"
)
EMBEDDABLE_PATHS = frozenset({"/"})
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"


def frame_ancestors(path: str, embedders: tuple[str, ...]) -> str:
    """Who may frame this page: the web chat's page by itself and its embedders; nothing else."""
    if path in EMBEDDABLE_PATHS:
        return " ".join(("'self'", *embedders))
    return "'none'"


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
    """On every answer, errors included (a page may set its own stricter policy first, as the
    console does)."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        _secure(request, error)
        raise
    _secure(request, response)
    return response


def _secure(request: web.Request, response: web.StreamResponse) -> None:
    settings = request.app[SETTINGS]
    ancestors = frame_ancestors(request.path, settings.webchat_frame_ancestors)
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(ancestors=ancestors)
    )
    if ancestors == "'none'":
        headers.setdefault("X-Frame-Options", "DENY")  # for browsers without frame-ancestors
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if settings.public_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)


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

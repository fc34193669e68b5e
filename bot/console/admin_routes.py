"""Admin pages of the console (#10): staff accounts and canned replies. Placeholder: filled in
below."""

from __future__ import annotations

from aiohttp import web


def add_routes(app: web.Application) -> None:
    del app

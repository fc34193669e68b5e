"""Reading JSON request bodies: every malformed body becomes one 4xx reason, never a 500.

`json.loads` raises more than `JSONDecodeError`: `ValueError` for an integer past Python's digit
limit, `RecursionError` for deep nesting. It also accepts lone UTF-16 surrogates (`"\\ud800"`,
half an emoji cut by a client), which no database driver can encode, and NUL, which PostgreSQL
refuses: they are dropped here, so what the young person wrote still arrives (a distress
message ending in half an emoji included).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

JSON_TYPE = "application/json"
# Lone surrogates, and NUL, which PostgreSQL's text type refuses.
_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


class BodyRejected(Exception):
    """The body cannot be used: `code` is the stable reason, `status` the HTTP status."""

    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


def without_lone_surrogates(text: str) -> str:
    """The text without unpaired surrogates (json.loads already joins valid pairs) and NUL."""
    return _UNSTORABLE.sub("", text)


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, dict):
        return {without_lone_surrogates(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def parse_json(body: bytes) -> Any:
    """The decoded body: strict UTF-8, no lone surrogates; `BodyRejected("invalid_json")` else."""
    try:
        return _clean(json.loads(body.decode("utf-8")))
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise BodyRejected("invalid_json") from None


def require_json_type(request: web.Request) -> None:
    """Refuse bodies not declared as JSON: a cross-site form can post `text/plain` without a
    CORS preflight, never `application/json`."""
    if request.content_type != JSON_TYPE:
        raise BodyRejected("unsupported_media_type", 415)

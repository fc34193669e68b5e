"""Meta's `X-Hub-Signature-256`: HMAC-SHA256 of the raw body, keyed with the app secret."""

from __future__ import annotations

import hashlib
import hmac

from bot.http.secrets_match import secret_matches

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """The header value Meta sends with `body` (also what the tests sign with)."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    """Whether `header` signs exactly these bytes (never a re-serialised copy: Meta escapes
    non-ASCII characters, so json.dumps of the parsed body would not match)."""
    if not header:
        return False
    return secret_matches(header.strip(), sign(app_secret, body))

"""Comparing a secret a client sent (header, query string) with ours, in constant time.

aiohttp decodes header bytes that are not UTF-8 with `surrogateescape`: `str.encode()` of such
a value raises. The client's bytes are restored as they came, so garbage is a mismatch (4xx),
never a 500.
"""

from __future__ import annotations

import hmac


def secret_matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())

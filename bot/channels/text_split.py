"""Split a reply that is too long for a platform into pieces cut where a reader would pause."""

from __future__ import annotations

import re
from collections.abc import Callable

# Where to cut, best first: between paragraphs, after a line, after a sentence, between words.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?…])\s+"),
    re.compile(r"\s+"),
)


def split_text(text: str, limit: int, size: Callable[[str], int] = len) -> list[str]:
    """Pieces of `text`, each at most `limit` by `size` (characters, or UTF-8 bytes)."""
    text = text.strip()
    pieces: list[str] = []
    while size(text) > limit:
        cut = _cut_point(text, limit, size)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        if head:
            pieces.append(head)
    if text:
        pieces.append(text)
    return pieces


def _cut_point(text: str, limit: int, size: Callable[[str], int]) -> int:
    fits = _longest_prefix(text, limit, size)
    for pattern in _BREAKS:
        cuts = [m.start() for m in pattern.finditer(text, 0, fits + 1) if 0 < m.start() <= fits]
        # A break in the first third would leave a tiny piece: try the next kind of break.
        if cuts and cuts[-1] >= fits // 3:
            return cuts[-1]
    return fits  # one very long word: cut it


def _longest_prefix(text: str, limit: int, size: Callable[[str], int]) -> int:
    """The longest prefix length whose size is within the limit (binary search: sizes grow)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def utf8_size(text: str) -> int:
    return len(text.encode())

"""The first-contact privacy notice (#12) in channel tests about something else.

A young person's very first answer carries the notice (bot/core/dialogue.py). A test that checks
the rest of that answer (quick replies, retries, duplicates…) leaves it out with
`without_notice`, which also checks that it was there exactly once: nothing is hidden silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from typing import TypeVar

from bot.content.texts import load_texts

T = TypeVar("T")


@cache
def _fixed_parts() -> tuple[str, ...]:
    """The notice's own words, around its settings ({months}, {url})."""
    parts = re.split(r"\{\w+\}", load_texts().privacy_notice)
    return tuple(part.strip() for part in parts if part.strip())


def is_notice(text: str | None) -> bool:
    """The message carrying the notice (its own, or the greeting it was folded into)."""
    return text is not None and all(part in text for part in _fixed_parts())


def notices(texts: Iterable[str | None]) -> int:
    """How many of these messages carry the notice (for a wait: it asserts nothing)."""
    return sum(is_notice(text) for text in texts)


def without_notice(items: Iterable[T], text: Callable[[T], str | None]) -> list[T]:
    """The messages of a first contact but the notice, which must be among them exactly once."""
    items = list(items)
    found = [item for item in items if is_notice(text(item))]
    assert len(found) == 1, f"the privacy notice {len(found)} times in {items!r}"
    return [item for item in items if not is_notice(text(item))]


def texts_without_notice(texts: Iterable[str]) -> list[str]:
    """`without_notice` for a list of texts."""
    return without_notice(texts, lambda text: text)

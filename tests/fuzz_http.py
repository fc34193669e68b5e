"""Running hypothesis against the bot's HTTP endpoints: raw requests, stored rows, error logs.

Each fuzz test is an async pytest test that builds the app once (the usual fixtures) and calls
`explore(strategy, check)`: hypothesis runs in a worker thread and each example's `check` runs on
the test's event loop, where the app lives, so shrinking and the « Falsifying example » report
work as in any `@given` test. Requests go over a raw socket (raw_http.py), so headers, query
strings and bodies can hold any bytes. A failed check raises one exception class per kind of
failure (« answered 500 [UnicodeEncodeError at bot/…:36] », « rows stored on a 400 … »), so that
hypothesis shrinks and reports every distinct bug, each with its own minimal example.

Examples per test are scaled by `FUZZ_SCALE` (e.g. `FUZZ_SCALE=20` for a long hunt). With `CI`
set, runs are derandomized and keep no example database; otherwise failures found are replayed
first from `.hypothesis/` (kept out of git).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import traceback
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from hypothesis import HealthCheck, given, settings
from hypothesis.strategies import SearchStrategy
from sqlalchemy import delete, func, select

from bot.settings import Settings, load_settings
from bot.storage.models import Base, ReceivedEvent
from bot.wiring import SESSIONS
from tests.paths import PROJECT_DIR
from tests.raw_http import Answer, Client, Request, send, short

T = TypeVar("T")

settings.register_profile("fuzz-ci", derandomize=True, database=None)
settings.register_profile("fuzz-dev")
PROFILE = settings.get_profile("fuzz-ci" if os.environ.get("CI") else "fuzz-dev")
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))
EXAMPLE_TIMEOUT = 30.0


async def explore(
    strategy: SearchStrategy[T],
    check: Callable[[T], Coroutine[Any, Any, None]],
    *,
    max_examples: int,
) -> None:
    """Check `check` on examples drawn from `strategy`; a failure is shrunk and re-raised."""
    loop = asyncio.get_running_loop()

    @settings(
        PROFILE,
        max_examples=max(1, round(max_examples * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
    )
    @given(strategy)
    def property_holds(example: T) -> None:
        future = asyncio.run_coroutine_threadsafe(check(example), loop)
        try:
            future.result(EXAMPLE_TIMEOUT)
        except TimeoutError:
            future.cancel()
            raise

    # One example database key per check, not one for every caller of this function.
    inner = property_holds.hypothesis.inner_test  # type: ignore[attr-defined]
    inner._hypothesis_internal_add_digest = f"{check.__module__}.{check.__qualname__}".encode()
    await asyncio.to_thread(property_holds)


# --- what the database holds ---------------------------------------------------------------------


async def row_counts(app: web.Application) -> dict[str, int]:
    """Rows in every table, in one query."""
    tables = Base.metadata.sorted_tables
    query = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables)
    )
    async with app[SESSIONS]() as session:
        row = (await session.execute(query)).one()
    return {table.name: int(count) for table, count in zip(tables, row, strict=True)}


async def forget_received_events(app: web.Application) -> None:
    """Forget the platform ids seen: hypothesis replays an example while shrinking, and a
    replayed update must be handled as new again, not ignored as a resend."""
    async with app[SESSIONS]() as session, session.begin():
        await session.execute(delete(ReceivedEvent))


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


# --- errors logged while an example ran ----------------------------------------------------------


class ErrorLog(logging.Handler):
    """Collects ERROR records of the bot (and of aiohttp and PTB) while an example runs."""

    LOGGERS = ("bot", "aiohttp", "telegram")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            return  # a request aiohttp could not parse, answered 400 before reaching the app
        self.records.append(record)

    def summary(self) -> str:
        """Each error with the last frames of its traceback: enough to find the bug."""
        lines = []
        for record in self.records:
            lines.append(f"{record.name}: {record.getMessage()}")
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                frames = traceback.extract_tb(error.__traceback__)[-3:]
                lines += [f"    {f.filename}:{f.lineno} in {f.name}: {f.line}" for f in frames]
                lines.append(f"    {type(error).__name__}: {str(error)[:200]}")
        return "\n".join(lines) or "(nothing logged)"

    def origin(self) -> str:
        """Where the first logged exception was raised in our code, e.g.
        « UnicodeEncodeError at bot/http/staff_api.py:36 »."""
        for record in self.records:
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                ours = [
                    f
                    for f in traceback.extract_tb(error.__traceback__)
                    if f.filename.startswith(str(PROJECT_DIR)) and "/.venv" not in f.filename
                ]
                where = ours[-1] if ours else traceback.extract_tb(error.__traceback__)[-1]
                path = Path(where.filename)
                shown = path.relative_to(PROJECT_DIR) if path.is_relative_to(PROJECT_DIR) else path
                return f"{type(error).__name__} at {shown}:{where.lineno}"
        if self.records:
            return self.records[0].getMessage()[:80]
        return "nothing logged"


@contextlib.contextmanager
def errors_logged() -> Iterator[ErrorLog]:
    log = ErrorLog()
    loggers = [logging.getLogger(name) for name in ErrorLog.LOGGERS]
    for logger in loggers:
        logger.addHandler(log)
    try:
        yield log
    finally:
        for logger in loggers:
            logger.removeHandler(log)


_VIOLATIONS: dict[str, type[AssertionError]] = {}


def violation(kind: str) -> type[AssertionError]:
    """One exception class per kind of failure: hypothesis then shrinks and reports each
    distinct bug on its own instead of the first one found hiding the others."""
    if kind not in _VIOLATIONS:
        _VIOLATIONS[kind] = type(kind, (AssertionError,), {})
    return _VIOLATIONS[kind]


@dataclass(frozen=True, slots=True)
class Exchange:
    """A request, its answer and what the bot logged meanwhile; checks raise a violation."""

    request: Request
    answer: Answer
    log: ErrorLog

    def report(self) -> str:
        answer = self.answer
        return (
            f"{self.request!r}\n→ {answer.status} {short(answer.body, 300)}\n{self.log.summary()}"
        )

    def fail(self, what: str, detail: str = "") -> NoReturn:
        raise violation(f"{what} [{self.log.origin()}]")(f"{what}\n{self.report()}{detail}")

    @property
    def refused(self) -> bool:
        return 400 <= self.answer.status < 500

    def never_5xx(self) -> None:
        if self.answer.status >= 500 or self.answer.status < 200:
            self.fail(f"answered {self.answer.status}")

    def nothing_logged(self) -> None:
        if self.log.records:
            self.fail(f"error logged on a {self.answer.status}")

    def json_error(self) -> None:
        """A 4xx in JSON says why in a stable code and in a sentence a page can show."""
        if self.answer.content_type != "application/json":
            return
        try:
            error = self.answer.json()["error"]
            assert isinstance(error["code"], str)
            assert error["code"]
            assert isinstance(error["message"], str)
            assert error["message"]
        except (ValueError, KeyError, TypeError, AssertionError):
            self.fail(f"a {self.answer.status} without a JSON error")

    def refused_unless_json(self) -> None:
        """A body not declared `application/json` is refused: a cross-site form can post
        `text/plain` without a CORS preflight."""
        declared = dict(self.request.headers).get(b"Content-Type")
        mime = (declared or b"").decode("latin-1").partition(";")[0].strip().lower()
        if mime != "application/json" and not self.refused:
            self.fail(f"{mime or 'no type'!r} accepted as JSON")

    def unchanged(self, before: object, after: object, what: str = "rows stored") -> None:
        if before != after:
            code = self.answer.body[:60].decode(errors="replace")
            detail = f"\nbefore: {before!r}\nafter:  {after!r}"
            if isinstance(before, dict) and isinstance(after, dict):
                detail = f"\nchanged: {changed(before, after)}"
            self.fail(f"{what} on a {self.answer.status} {code!r}", detail)


async def exchange(
    client: Client, request: Request, processing: Callable[[], Awaitable[None]] | None = None
) -> Exchange:
    """Send `request`; after a 2xx, also wait for `processing` (what a webhook does after it
    answered), so that errors it logs count too."""
    with errors_logged() as log:
        answer = await send(client, request)
        if processing is not None and 200 <= answer.status < 300:
            await processing()
    return Exchange(request, answer, log)


def fuzz_settings(database_url: str, rasa_url: str, tmp_path: Path, **extra: str) -> Settings:
    """The app's settings for fuzzing: flood limits out of the way (a 429 keeps the message, on
    purpose: it would blur « a refusal stores nothing »)."""
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "RASA_URL": rasa_url,
            "RASA_MANAGED": "0",
            "RASA_TIMEOUT": "2",
            "RASA_TRACKER_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
            "DEMO": "1",
            "FLOOD_MESSAGES": "1000000/minute",
            "FLOOD_NEW_CONTACTS": "1000000/minute",
            **extra,
        },
        project_dir=PROJECT_DIR,
    )

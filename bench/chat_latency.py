"""Benchmark of the web chat's latency against Rasa's own: the bot's overhead per message.

Starts the real stack (`python -m bot serve`, which starts Rasa itself) on free ports with a
throwaway database, then sends N messages through `POST /webchat/api/messages` and the same N
straight to Rasa's REST channel, interleaved, one request in flight at a time. Prints p50/p99 of
each path and the ratio of the p50s against the target (the bot adds at most 25 %). It reports
and never asserts: the exit code is 0 whenever the benchmark ran.

    .venv/bin/python -m bench.chat_latency -n 300 [--warmup 20] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.stack import BenchError, Stack, current_model, start_stack, stop_stack, tail, wait_ready

TARGET_RATIO = 1.25
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=30)
USERS_PER_PATH = 10
# Realistic, noisy French; both paths get exactly this rotation.
MESSAGES = (
    "salut",
    "c ou la mission locale",
    "vous etes ouvert quand",
    "au revoir",
    "slt cv",
)


@dataclass(slots=True)
class PathStats:
    """Latencies (seconds) of one path, plus what went wrong along the way."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""

    def percentiles(self) -> tuple[float, float]:
        """(p50, p99) in milliseconds."""
        cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return cuts[49] * 1000, cuts[98] * 1000


def database_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


async def rasa_version(http: aiohttp.ClientSession, stack: Stack) -> str:
    async with http.get(f"{stack.rasa_url}/version", timeout=REQUEST_TIMEOUT) as response:
        data: Any = await response.json(content_type=None)
    version = data.get("version") if isinstance(data, dict) else None
    return str(version) if version else "?"


@dataclass(frozen=True, slots=True)
class Answer:
    """One request's wall time and its reply texts, or what was wrong with the answer."""

    seconds: float
    texts: list[str] | None
    error: str = ""


def _bad_answer(seconds: float, status: int, raw: bytes) -> Answer:
    return Answer(seconds, None, f"HTTP {status}: {raw[:200].decode(errors='replace')}")


async def _timed_post(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any]
) -> tuple[float, int, bytes, Any]:
    """POST and time it from the request to the last byte; the same for both paths."""
    start = time.perf_counter()
    async with http.post(url, json=body, timeout=REQUEST_TIMEOUT) as response:
        raw = await response.read()
    elapsed = time.perf_counter() - start
    data: Any = None
    with contextlib.suppress(ValueError):
        data = json.loads(raw)
    return elapsed, response.status, raw, data


async def send_webchat(
    http: aiohttp.ClientSession, stack: Stack, user_id: str, text: str
) -> Answer:
    """One web chat message."""
    elapsed, status, raw, data = await _timed_post(
        http, f"{stack.bot_url}/webchat/api/messages", {"user_id": user_id, "text": text}
    )
    if status == 200 and isinstance(data, dict):
        return Answer(elapsed, [str(m.get("text")) for m in data.get("messages", [])])
    return _bad_answer(elapsed, status, raw)


async def send_rasa(http: aiohttp.ClientSession, stack: Stack, sender: str, text: str) -> Answer:
    """One message straight to Rasa's REST channel, shaped like the bot's own request."""
    body = {"sender": sender, "message": text, "metadata": {"channel": "webchat"}}
    elapsed, status, raw, data = await _timed_post(
        http, f"{stack.rasa_url}/webhooks/rest/webhook", body
    )
    if status == 200 and isinstance(data, list):
        texts = [str(m["text"]) for m in data if isinstance(m, dict) and m.get("text")]
        return Answer(elapsed, texts)
    return _bad_answer(elapsed, status, raw)


@dataclass(slots=True)
class Run:
    """Both paths measured in one interleaved run."""

    webchat: PathStats
    rasa: PathStats
    mismatches: int = 0


async def exchange(
    http: aiohttp.ClientSession,
    stack: Stack,
    webchat_users: Sequence[str],
    rasa_senders: Sequence[str],
    count: int,
    run: Run | None,
) -> None:
    """`count` rounds of one web chat request and one Rasa request, sequential; the first of
    the pair alternates. With `run` None it is a warm-up and nothing is recorded."""
    for i in range(count):
        text = MESSAGES[i % len(MESSAGES)]
        user = webchat_users[i % len(webchat_users)]
        sender = rasa_senders[i % len(rasa_senders)]
        if i % 2 == 0:
            bot = await send_webchat(http, stack, user, text)
            rasa = await send_rasa(http, stack, sender, text)
        else:
            rasa = await send_rasa(http, stack, sender, text)
            bot = await send_webchat(http, stack, user, text)
        if run is None:
            continue
        for stats, answer in ((run.webchat, bot), (run.rasa, rasa)):
            if answer.texts is None:
                stats.errors += 1
                stats.first_error = stats.first_error or answer.error
            else:
                stats.latencies.append(answer.seconds)
        # Same message, same model: a different answer means one path did not really reach
        # Rasa (the bot's apology when Rasa is unavailable would be a fast, unfair answer).
        if bot.texts is not None and rasa.texts is not None and bot.texts != rasa.texts:
            run.mismatches += 1


async def measure(stack: Stack, messages: int, warmup: int) -> tuple[Run, str]:
    webchat_users = [secrets.token_urlsafe(24) for _ in range(USERS_PER_PATH)]
    # The bot's own Rasa sender ids are 32 hex characters: same shape here.
    rasa_senders = [secrets.token_hex(16) for _ in range(USERS_PER_PATH)]
    connector = aiohttp.TCPConnector(limit=4)
    async with aiohttp.ClientSession(connector=connector) as http:
        await wait_ready(http, stack)
        version = await rasa_version(http, stack)
        # At least one round per user so every first contact (identity, tracker) is warm-up.
        await exchange(http, stack, webchat_users, rasa_senders, max(warmup, USERS_PER_PATH), None)
        run = Run(PathStats("Web chat (bot)"), PathStats("Rasa REST direct"))
        await exchange(http, stack, webchat_users, rasa_senders, messages, run)
    return run, version


def report(run: Run, messages: int, database: str, version: str, as_json: bool) -> bool:
    """Print the figures; False when too many requests failed to compute them."""
    if len(run.rasa.latencies) < 2 or len(run.webchat.latencies) < 2:
        print(
            f"chat_latency : trop d'erreurs pour conclure (web chat {run.webchat.errors}, "
            f"Rasa {run.rasa.errors} erreurs sur {messages})"
        )
        print_first_errors(run)
        return False
    rasa_p50, rasa_p99 = run.rasa.percentiles()
    bot_p50, bot_p99 = run.webchat.percentiles()
    ratio = bot_p50 / rasa_p50
    verdict = "OK" if ratio <= TARGET_RATIO else "AU-DESSUS DE LA CIBLE"
    print(f"chat_latency: {messages} messages par chemin, {database}, Rasa {version}")
    print(f"{'':<19}{'p50 (ms)':>8}   {'p99 (ms)':>8}")
    for stats, p50, p99 in ((run.rasa, rasa_p50, rasa_p99), (run.webchat, bot_p50, bot_p99)):
        print(f"{stats.name:<19}{p50:>8.1f}   {p99:>8.1f}")
    if run.rasa.errors or run.webchat.errors:
        print(f"erreurs HTTP (exclues) : Rasa {run.rasa.errors}, web chat {run.webchat.errors}")
        print_first_errors(run)
    if run.mismatches:
        print(f"attention : {run.mismatches} réponses différentes entre les deux chemins")
    print(f"ratio p50 bot/Rasa : {ratio:.2f}  (cible ≤ {TARGET_RATIO:.2f}) {verdict}")
    if as_json:
        print(
            json.dumps(
                {
                    "messages": messages,
                    "database": database,
                    "rasa_version": version,
                    "rasa_p50_ms": round(rasa_p50, 3),
                    "rasa_p99_ms": round(rasa_p99, 3),
                    "webchat_p50_ms": round(bot_p50, 3),
                    "webchat_p99_ms": round(bot_p99, 3),
                    "ratio_p50": round(ratio, 4),
                    "target_ratio": TARGET_RATIO,
                    "ok": ratio <= TARGET_RATIO,
                    "rasa_errors": run.rasa.errors,
                    "webchat_errors": run.webchat.errors,
                    "mismatches": run.mismatches,
                },
                ensure_ascii=False,
            )
        )
    return True


def print_first_errors(run: Run) -> None:
    for stats in (run.rasa, run.webchat):
        if stats.first_error:
            print(f"  première erreur, {stats.name} : {stats.first_error}")


def _at_least(minimum: int) -> Any:
    def parse(raw: str) -> int:
        value = int(raw)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return value

    return parse


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chat_latency",
        description="Latence du web chat (bot + Rasa) comparée à Rasa seul (REST).",
    )
    parser.add_argument(
        "-n", "--messages", type=_at_least(2), default=300, help="messages mesurés par chemin"
    )
    parser.add_argument(
        "--warmup", type=_at_least(0), default=20, help="messages de chauffe par chemin"
    )
    parser.add_argument(
        "--database-url",
        help="base du bot, ex. postgresql+asyncpg://postgres@127.0.0.1:5432/bench "
        "(à créer avant ; par défaut un fichier SQLite temporaire)",
    )
    parser.add_argument(
        "--tracker-url",
        help="tracker store de Rasa (URL SQLAlchemy 1.4 ; par défaut un fichier SQLite temporaire)",
    )
    parser.add_argument("--json", action="store_true", help="ajoute une ligne JSON au rapport")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    model = current_model()
    workdir = Path(tempfile.mkdtemp(prefix="chat_latency-"))
    database_url: str = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bot.db'}"
    tracker_url: str = args.tracker_url or f"sqlite:///{workdir / 'tracker.db'}"
    stack: Stack | None = None
    try:
        stack = start_stack(workdir, model, database_url, tracker_url)
        run, version = asyncio.run(measure(stack, args.messages, args.warmup))
    except (BenchError, aiohttp.ClientError, TimeoutError) as exc:
        print(f"chat_latency : échec ({type(exc).__name__}: {exc})", file=sys.stderr)
        print(tail(workdir / "bot.log"), file=sys.stderr)
        print(tail(workdir / "var" / "log" / "rasa.log"), file=sys.stderr)
        print(f"(journaux conservés dans {workdir})", file=sys.stderr)
        return 1
    finally:
        if stack is not None:
            stop_stack(stack)
    if not report(run, args.messages, database_label(database_url), version, args.json):
        print(tail(workdir / "bot.log"), file=sys.stderr)
        print(f"(journaux conservés dans {workdir})", file=sys.stderr)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.rasa.model import ensure_model
from bot.rasa.supervisor import RASA_LOGGING_CONFIG

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.25
READY_TIMEOUT = 180.0
STOP_GRACE = 30.0
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


class BenchError(Exception):
    """The stack could not be started or answered unexpectedly: no figures to report."""


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


@dataclass(frozen=True, slots=True)
class Stack:
    """The running bot (and, through it, Rasa): addresses and where its output goes."""

    process: subprocess.Popen[bytes]
    bot_url: str
    rasa_url: str
    token: str
    workdir: Path
    log_path: Path


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def database_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


def bot_python() -> str:
    venv_python = PROJECT_DIR / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def stack_environment(
    workdir: Path,
    model: Path,
    port: int,
    rasa_port: int,
    token: str,
    database_url: str,
    tracker_url: str,
) -> dict[str, str]:
    """The bot's environment. PROJECT_DIR is the throwaway workdir so Rasa's log, cwd and the
    default var/ stay out of the checkout; endpoints.yml, credentials.yml and Rasa's logging
    configuration are copied there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INSTAGRAM_"))}
    env.update(
        PROJECT_DIR=str(workdir),
        HOST="127.0.0.1",
        PORT=str(port),
        RASA_PORT=str(rasa_port),
        RASA_URL=f"http://127.0.0.1:{rasa_port}",
        RASA_MANAGED="1",
        RASA_BIN=str(PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"),
        RASA_MODEL=str(model),
        RASA_TRACKER_URL=tracker_url,
        DATABASE_URL=database_url,
        ACTIONS_TOKEN=token,
        DEMO="1",
        LOG_LEVEL="WARNING",
        # A latency bench, not a flood test: every simulated user comes from 127.0.0.1.
        FLOOD_MESSAGES="1000000/minute",
        FLOOD_NEW_CONTACTS="1000000/minute",
    )
    return env


def start_stack(workdir: Path, model: Path, database_url: str, tracker_url: str) -> Stack:
    """Migrate the database, then start `python -m bot serve` in its own process group."""
    for name in ("endpoints.yml", "credentials.yml", RASA_LOGGING_CONFIG):
        shutil.copyfile(PROJECT_DIR / name, workdir / name)
    port, rasa_port = free_port(), free_port()
    while rasa_port == port:
        rasa_port = free_port()
    token = secrets.token_urlsafe(32)
    env = stack_environment(workdir, model, port, rasa_port, token, database_url, tracker_url)
    log_path = workdir / "bot.log"
    with log_path.open("ab") as log:
        migrate = subprocess.run(
            [bot_python(), "-m", "bot", "migrate"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            check=False,
        )
        if migrate.returncode != 0:
            raise BenchError(f"`python -m bot migrate` failed (code {migrate.returncode})")
        process = subprocess.Popen(
            [bot_python(), "-m", "bot", "serve"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return Stack(
        process=process,
        bot_url=f"http://127.0.0.1:{port}",
        rasa_url=f"http://127.0.0.1:{rasa_port}",
        token=token,
        workdir=workdir,
        log_path=log_path,
    )


def child_pids(pid: int) -> list[int]:
    """Direct children of `pid` (Linux /proc): Rasa runs in its own session under the bot."""
    children: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_stack(stack: Stack) -> None:
    """SIGTERM the bot's group (the bot then stops Rasa), SIGKILL whatever outlives the grace."""
    process = stack.process
    children = child_pids(process.pid)
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
    # Rasa has its own session (pgid == pid); only kill it if it is still the child we saw.
    for child in children:
        with contextlib.suppress(OSError):
            if os.getpgid(child) == child:
                _signal_group(child, signal.SIGKILL)


async def wait_ready(http: aiohttp.ClientSession, stack: Stack) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise BenchError(f"the bot exited with code {stack.process.returncode}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with http.get(
                f"{stack.bot_url}/readyz", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.5)
    raise BenchError(f"/readyz still not 200 after {READY_TIMEOUT:.0f} s")


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


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


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
    model = ensure_model(
        PROJECT_DIR, PROJECT_DIR / ".venv-rasa" / "bin" / "rasa", PROJECT_DIR / "models"
    )
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

"""Start and stop the real stack for benchmarks: the bot (which starts Rasa), or Rasa alone.

Each run gets free loopback ports and a throwaway work directory holding the SQLite databases
(bot and Rasa tracker) and the logs, so a benchmark never touches the checkout's var/ or a
running `make run`. Shared by bench.chat_latency, bench.eval_conversations and
bench.eval_distress.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.rasa.model import ensure_model
from bot.rasa.supervisor import RASA_LOGGING_CONFIG, rasa_argv, rasa_env

PROJECT_DIR = Path(__file__).resolve().parent.parent
RASA_BIN = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"
READY_TIMEOUT = 180.0
STOP_GRACE = 30.0


class BenchError(Exception):
    """The stack could not be started or answered unexpectedly: no figures to report."""


# What a measurement run can meet when the stack fails under it: reported, never a traceback.
STACK_ERRORS: tuple[type[BaseException], ...] = (
    BenchError,
    aiohttp.ClientError,
    TimeoutError,
    OSError,
    subprocess.CalledProcessError,
)


@dataclass(frozen=True, slots=True)
class Stack:
    """The running bot (and, through it, Rasa): addresses and where its output goes."""

    process: subprocess.Popen[bytes]
    bot_url: str
    rasa_url: str
    token: str
    workdir: Path
    log_path: Path
    database_url: str

    @property
    def sqlite_path(self) -> Path | None:
        """The bot's database file when it is SQLite (what the benchmarks read state from)."""
        prefix = "sqlite+aiosqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        return Path(self.database_url.removeprefix(prefix))


def current_model() -> Path:
    """The model for the current training data, trained first if it changed."""
    return ensure_model(PROJECT_DIR, RASA_BIN, PROJECT_DIR / "models")


def free_port() -> int:
    """A port nobody listens on right now (the kernel's pick for port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def two_free_ports() -> tuple[int, int]:
    first, second = free_port(), free_port()
    while second == first:
        second = free_port()
    return first, second


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
    extra_env: Mapping[str, str] | None = None,
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
        RASA_BIN=str(RASA_BIN),
        RASA_MODEL=str(model),
        RASA_TRACKER_URL=tracker_url,
        DATABASE_URL=database_url,
        ACTIONS_TOKEN=token,
        DEMO="1",
        LOG_LEVEL="WARNING",
        # Benchmarks, not flood tests: every simulated user comes from 127.0.0.1.
        FLOOD_MESSAGES="1000000/minute",
        FLOOD_NEW_CONTACTS="1000000/minute",
    )
    env.update(extra_env or {})
    return env


def _copy_rasa_files(workdir: Path) -> None:
    for name in ("endpoints.yml", "credentials.yml", RASA_LOGGING_CONFIG):
        shutil.copyfile(PROJECT_DIR / name, workdir / name)


def start_stack(
    workdir: Path,
    model: Path,
    database_url: str,
    tracker_url: str,
    extra_env: Mapping[str, str] | None = None,
) -> Stack:
    """Migrate the database, then start `python -m bot serve` in its own process group."""
    _copy_rasa_files(workdir)
    port, rasa_port = two_free_ports()
    token = secrets.token_urlsafe(32)
    env = stack_environment(
        workdir, model, port, rasa_port, token, database_url, tracker_url, extra_env
    )
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
        database_url=database_url,
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


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process's group, SIGKILL it if it outlives the grace."""
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def stop_stack(stack: Stack) -> None:
    """SIGTERM the bot's group (the bot then stops Rasa), SIGKILL whatever outlives the grace."""
    children = child_pids(stack.process.pid)
    stop_process_group(stack.process)
    # Rasa has its own session (pgid == pid); only kill it if it is still the child we saw.
    for child in children:
        with contextlib.suppress(OSError):
            if os.getpgid(child) == child:
                _signal_group(child, signal.SIGKILL)


async def wait_ready(http: aiohttp.ClientSession, stack: Stack) -> None:
    """Until the bot's /readyz says 200 (database and Rasa reachable)."""
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


@dataclass(frozen=True, slots=True)
class RasaServer:
    """Rasa alone (HTTP API enabled, token-protected), for NLU measurements."""

    process: subprocess.Popen[bytes]
    url: str
    token: str
    workdir: Path
    log_path: Path


def start_rasa(workdir: Path, model: Path) -> RasaServer:
    """`rasa run --enable-api` on a free loopback port, with a throwaway tracker store. Its
    actions endpoint points at a port nobody serves: parsing never calls actions."""
    _copy_rasa_files(workdir)
    port, dead_port = two_free_ports()
    token = secrets.token_urlsafe(32)
    log_path = workdir / "rasa.log"
    env = rasa_env(
        os.environ,
        actions_url=f"http://127.0.0.1:{dead_port}/actions",
        actions_token=token,
        tracker_url=f"sqlite:///{workdir / 'tracker.db'}",
    )
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            rasa_argv(RASA_BIN, model, port, token, workdir),
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    return RasaServer(process, f"http://127.0.0.1:{port}", token, workdir, log_path)


async def wait_rasa_ready(http: aiohttp.ClientSession, rasa: RasaServer) -> None:
    """Until Rasa answers /status with a loaded model."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if rasa.process.poll() is not None:
            raise BenchError(f"Rasa exited with code {rasa.process.returncode}")
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
            async with http.get(
                f"{rasa.url}/status",
                params={"token": rasa.token},
                timeout=aiohttp.ClientTimeout(total=3),
            ) as response:
                data: Any = await response.json(content_type=None)
                if response.status == 200 and isinstance(data, dict) and data.get("model_file"):
                    return
        await asyncio.sleep(0.5)
    raise BenchError(f"Rasa still not ready after {READY_TIMEOUT:.0f} s")


def tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

"""Start the real stack for integration tests: a Rasa server and the bot, as child processes."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.rasa.model import ensure_model
from bot.rasa.supervisor import rasa_argv, rasa_env
from bot.storage.migrate import upgrade

PROJECT_DIR = Path(__file__).resolve().parents[2]
RASA_BIN = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"
BOT_PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
READY_TIMEOUT = 240.0
STAFF_TOKEN = "integration-staff-token-0123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _spawn(argv: list[str], env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            argv,
            cwd=PROJECT_DIR,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - loopback
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


@dataclass
class Stack:
    workdir: Path
    bot_url: str
    rasa_url: str
    database_file: Path
    tracker_file: Path
    token: str
    extra_env: Mapping[str, str] | None = None
    rasa: subprocess.Popen[bytes] | None = None
    bot: subprocess.Popen[bytes] | None = None

    def start_rasa(self) -> None:
        model = ensure_model(PROJECT_DIR, RASA_BIN, PROJECT_DIR / "models")
        port = int(self.rasa_url.rsplit(":", 1)[1])
        bot_port = int(self.bot_url.rsplit(":", 1)[1])
        self.rasa = _spawn(
            rasa_argv(RASA_BIN, model, port, self.token, PROJECT_DIR),
            rasa_env(
                os.environ,
                actions_url=f"http://127.0.0.1:{bot_port}/actions",
                actions_token=self.token,
                tracker_url=f"sqlite:///{self.tracker_file}",
            ),
            self.workdir / "rasa.log",
        )

    def start_bot(self) -> None:
        database_url = f"sqlite+aiosqlite:///{self.database_file}"
        upgrade(database_url)
        env = {
            **os.environ,
            "PORT": self.bot_url.rsplit(":", 1)[1],
            "DATABASE_URL": database_url,
            "RASA_MANAGED": "0",
            "RASA_URL": self.rasa_url,
            "RASA_TRACKER_URL": f"sqlite:///{self.tracker_file}",
            "ACTIONS_TOKEN": self.token,
            "DEMO": "1",
            "LOG_LEVEL": "INFO",
            "STAFF_API_TOKEN": STAFF_TOKEN,
            # Every test user comes from 127.0.0.1: the new-contact limit is tested elsewhere.
            "FLOOD_NEW_CONTACTS": "100000/minute",
            **(self.extra_env or {}),
        }
        self.bot = _spawn([str(BOT_PYTHON), "-m", "bot", "serve"], env, self.workdir / "bot.log")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if http_status(f"{self.bot_url}/readyz") == 200:
                return
            for process in (self.rasa, self.bot):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"a process exited early; see logs in {self.workdir}")
            time.sleep(0.5)
        raise TimeoutError(f"stack not ready after {READY_TIMEOUT} s; see logs in {self.workdir}")

    def stop_all(self) -> None:
        for process in (self.bot, self.rasa):
            if process is not None:
                stop(process)


def start_stack(workdir: Path, extra_env: Mapping[str, str] | None = None) -> Stack:
    """Rasa and the bot; `extra_env` configures the bot (e.g. channels pointed at fakes)."""
    stack = Stack(
        workdir=workdir,
        bot_url=f"http://127.0.0.1:{free_port()}",
        rasa_url=f"http://127.0.0.1:{free_port()}",
        database_file=workdir / "bot.db",
        tracker_file=workdir / "tracker.db",
        token="integration-token-" + os.urandom(8).hex(),
        extra_env=extra_env,
    )
    try:
        stack.start_rasa()
        stack.start_bot()
        stack.wait_ready()
    except BaseException:
        stack.stop_all()
        raise
    return stack

"""Start the Rasa server as a child process; restart it when it dies, unless misconfigured."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
STABLE_AFTER = 60.0  # a run this long resets the backoff
# argparse exits with 2 on a command-line usage error. Our command line never changes between
# restarts, so a child that says so right after starting would say it again forever.
USAGE_ERROR_CODE = 2
USAGE_ERROR_WINDOW = 15.0
# Next to endpoints.yml and credentials.yml: silences Rasa's response interpolator, whose error
# traceback would write every slot value (what the young person typed) into rasa.log.
RASA_LOGGING_CONFIG = "rasa_logging.yml"


@dataclass(frozen=True, slots=True)
class ConfigFailure:
    """Why the supervisor gave up: the child refused its command line."""

    exit_code: int
    ran_for: float  # seconds between start and exit
    log_path: Path


class ProcessSupervisor:
    """Keeps one child process running: restart with exponential backoff, clean stop.

    The child's output goes to `log_path` (Rasa never logs message text at INFO level).
    A usage error (exit code 2 within `usage_error_window` seconds of a start) is a configuration
    error: the supervisor stops restarting and keeps the reason in `config_failure`.
    The argv is never logged: it holds the API token.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        *,
        usage_error_window: float = USAGE_ERROR_WINDOW,
    ) -> None:
        self.name = name
        self._argv = list(argv)
        self._env = dict(env)
        self._cwd = cwd
        self._log_path = log_path
        self._usage_error_window = usage_error_window
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self.restarts = 0
        self.config_failure: ConfigFailure | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process and self._process.returncode is None else None

    def start(self) -> None:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._task = asyncio.create_task(self._run(), name=f"supervise-{self.name}")

    async def _run(self) -> None:
        backoff = 1.0
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            started = loop.time()
            with self._log_path.open("ab") as log:
                self._process = await asyncio.create_subprocess_exec(
                    *self._argv,
                    cwd=self._cwd,
                    env=self._env,
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                )
            logger.info("%s started (pid %s)", self.name, self._process.pid)
            code = await self._process.wait()
            if self._stop.is_set():
                break
            ran_for = loop.time() - started
            if code == USAGE_ERROR_CODE and ran_for <= self._usage_error_window:
                self.config_failure = ConfigFailure(code, ran_for, self._log_path)
                logger.error(
                    "%s refused its command line (exit code %s after %.1f s): configuration "
                    "error, not restarting it; see %s",
                    self.name, code, ran_for, self._log_path,
                )  # fmt: skip
                break
            if ran_for > STABLE_AFTER:
                backoff = 1.0
            self.restarts += 1
            logger.warning(
                "%s exited with code %s; restarting in %.0f s (see %s)",
                self.name, code, backoff, self._log_path,
            )  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def stop(self, grace: float = 10.0) -> None:
        self._stop.set()
        process = self._process
        if process is not None and process.returncode is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), grace)
            except TimeoutError:
                _signal_group(process.pid, signal.SIGKILL)
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        logger.info("%s stopped", self.name)


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def rasa_argv(
    rasa_bin: Path, model: Path, port: int, api_token: str, project_dir: Path
) -> list[str]:
    """The command line of a loopback-only Rasa server with the REST channel and HTTP API.

    Every value is attached with `=`: given as a separate word, a value starting with « - » (a
    random URL-safe token does, once in 64) is read by argparse as an option, and Rasa exits.
    """
    return [
        str(rasa_bin), "run",
        "--enable-api",
        f"--auth-token={api_token}",
        f"--model={model}",
        "--interface=127.0.0.1",
        f"--port={port}",
        f"--endpoints={project_dir / 'endpoints.yml'}",
        f"--credentials={project_dir / 'credentials.yml'}",
        f"--logging-config-file={project_dir / RASA_LOGGING_CONFIG}",
    ]  # fmt: skip


def rasa_env(
    base: Mapping[str, str], actions_url: str, actions_token: str, tracker_url: str
) -> dict[str, str]:
    """Rasa's environment: what endpoints.yml expands, minus our own secrets."""
    env = {k: v for k, v in base.items() if not k.startswith(("TELEGRAM_", "INSTAGRAM_"))}
    env.update(
        BOT_ACTIONS_URL=actions_url,
        ACTIONS_TOKEN=actions_token,
        RASA_TRACKER_URL=tracker_url,
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
    )
    return env

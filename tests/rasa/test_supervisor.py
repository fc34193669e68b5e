"""The process supervisor restarts a child that dies, gives up on a usage error, stops cleanly."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.rasa.supervisor import ProcessSupervisor, rasa_argv, rasa_env
from tests.paths import PROJECT_DIR
from tests.rasa.rasa_venv import needs_rasa_venv, rasa_parses

# What secrets.token_urlsafe(32) gives once in 64 starts.
DASH_TOKEN = "-Xq3bU9d0kTz_8vWcL1mN4pR7sY2aE5gH6jK0oIuQwE"


async def _wait_for_pid(supervisor: ProcessSupervisor, not_pid: int | None = None) -> int:
    for _ in range(200):
        pid = supervisor.pid
        if pid is not None and pid != not_pid:
            return pid
        await asyncio.sleep(0.05)
    raise AssertionError("child did not (re)start")


async def test_a_killed_child_is_restarted_then_stopped(tmp_path: Path) -> None:
    supervisor = ProcessSupervisor(
        "sleeper",
        [sys.executable, "-c", "import time; time.sleep(60)"],
        env=dict(os.environ),
        cwd=tmp_path,
        log_path=tmp_path / "log" / "sleeper.log",
    )
    supervisor.start()
    try:
        first = await _wait_for_pid(supervisor)
        os.kill(first, signal.SIGKILL)

        second = await _wait_for_pid(supervisor, not_pid=first)

        assert second != first
        assert supervisor.restarts == 1
    finally:
        await supervisor.stop(grace=5)
    assert supervisor.pid is None


def _supervisor(tmp_path: Path, code: str, **kwargs: float) -> ProcessSupervisor:
    """A supervised Python child that prints « started » then runs `code`."""
    return ProcessSupervisor(
        "child",
        # The token stands for the one in Rasa's argv: it must never reach our logs.
        [
            sys.executable,
            "-c",
            f"print('started', flush=True)\n{code}",
            f"--auth-token={DASH_TOKEN}",
        ],
        env=dict(os.environ),
        cwd=tmp_path,
        log_path=tmp_path / "log" / "child.log",
        **kwargs,
    )


def _starts(tmp_path: Path) -> int:
    log = tmp_path / "log" / "child.log"
    return log.read_text().count("started") if log.exists() else 0


async def _wait_for(condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting until {what}")


async def test_a_usage_error_at_start_is_not_restarted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    supervisor = _supervisor(tmp_path, "import sys; sys.exit(2)")
    with caplog.at_level(logging.INFO, logger="bot.rasa.supervisor"):
        supervisor.start()
        try:
            await _wait_for(lambda: supervisor.config_failure is not None, "it gives up")
            await asyncio.sleep(1.5)  # longer than the first restart delay

            assert supervisor.restarts == 0
            assert _starts(tmp_path) == 1
        finally:
            await supervisor.stop(grace=5)

    failure = supervisor.config_failure
    assert failure is not None
    assert failure.exit_code == 2
    assert failure.log_path == tmp_path / "log" / "child.log"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "refused its command line" in errors[0].getMessage()
    assert str(failure.log_path) in errors[0].getMessage()
    assert DASH_TOKEN not in caplog.text  # the argv carries the API token: never logged


async def test_a_crash_is_restarted(tmp_path: Path) -> None:
    supervisor = _supervisor(tmp_path, "import sys; sys.exit(1)")
    supervisor.start()
    try:
        await _wait_for(lambda: _starts(tmp_path) >= 2, "it restarts")
    finally:
        await supervisor.stop(grace=5)

    assert supervisor.restarts >= 1
    assert supervisor.config_failure is None


async def test_exit_code_2_after_running_a_while_is_restarted(tmp_path: Path) -> None:
    supervisor = _supervisor(
        tmp_path, "import sys, time; time.sleep(0.5); sys.exit(2)", usage_error_window=0.2
    )
    supervisor.start()
    try:
        await _wait_for(lambda: _starts(tmp_path) >= 2, "it restarts")
    finally:
        await supervisor.stop(grace=5)

    assert supervisor.config_failure is None


def test_rasa_runs_on_loopback_with_an_api_token(tmp_path: Path) -> None:
    argv = rasa_argv(Path("rasa"), Path("m.tar.gz"), 5005, "tok", tmp_path)

    assert "--interface=127.0.0.1" in argv
    assert "--auth-token=tok" in argv
    assert f"--logging-config-file={tmp_path / 'rasa_logging.yml'}" in argv


def test_every_rasa_option_value_is_attached_to_its_option(tmp_path: Path) -> None:
    """A value given as its own word and starting with « - » would be read as an option."""
    argv = rasa_argv(Path("rasa"), Path("-m.tar.gz"), 5005, DASH_TOKEN, tmp_path)

    assert argv[:2] == ["rasa", "run"]
    assert all(arg.startswith("--") for arg in argv[2:])
    assert f"--auth-token={DASH_TOKEN}" in argv


@needs_rasa_venv
def test_rasas_own_parser_reads_a_token_starting_with_a_dash(tmp_path: Path) -> None:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")  # an existing last path is what Rasa's positional-model fix looks at
    argv = rasa_argv(PROJECT_DIR / ".venv-rasa/bin/rasa", model, 5123, DASH_TOKEN, PROJECT_DIR)

    parsed = rasa_parses(argv)

    assert parsed["auth_token"] == DASH_TOKEN
    assert parsed["enable_api"] is True
    assert parsed["model"] == str(model)
    assert parsed["interface"] == "127.0.0.1"
    assert parsed["port"] == 5123
    assert parsed["endpoints"] == str(PROJECT_DIR / "endpoints.yml")
    assert parsed["credentials"] == str(PROJECT_DIR / "credentials.yml")
    assert parsed["logging_config_file"] == str(PROJECT_DIR / "rasa_logging.yml")


def test_rasa_never_sees_channel_secrets() -> None:
    env = rasa_env(
        {"TELEGRAM_TOKEN": "t", "INSTAGRAM_APP_SECRET": "s", "PATH": "/bin"},
        actions_url="http://127.0.0.1:1/actions",
        actions_token="a",
        tracker_url="sqlite:///x.db",
    )

    assert "TELEGRAM_TOKEN" not in env
    assert "INSTAGRAM_APP_SECRET" not in env
    assert env["PATH"] == "/bin"
    assert env["RASA_TRACKER_URL"] == "sqlite:///x.db"

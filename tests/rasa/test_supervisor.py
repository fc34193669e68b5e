"""The process supervisor restarts a child that dies and stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.rasa.supervisor import ProcessSupervisor, rasa_argv, rasa_env


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


def test_rasa_runs_on_loopback_with_an_api_token(tmp_path: Path) -> None:
    argv = rasa_argv(Path("rasa"), Path("m.tar.gz"), 5005, "tok", tmp_path)

    assert argv[argv.index("--interface") + 1] == "127.0.0.1"
    assert argv[argv.index("--auth-token") + 1] == "tok"


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

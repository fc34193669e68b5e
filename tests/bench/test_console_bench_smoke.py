"""The console benchmarks (bench/console_inbox.py, bench/console_live.py) run end to end on a
small database: figures printed, every message held, every event received. The targets are not
asserted here (a loaded test machine is no benchmark); on PostgreSQL (TEST_DATABASE_URL) the
live one reads its events from a second application, through LISTEN/NOTIFY."""

from __future__ import annotations

import os

import pytest

from bench import console_inbox, console_live


@pytest.fixture(params=["sqlite", "postgresql"])
def server_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL not set")
    return url


async def test_the_inbox_benchmark_measures_both_filters(
    server_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    await console_inbox.run(server_url, total=400, count=5)

    out = capsys.readouterr().out
    assert "400 conversations, 2400 messages" in out
    assert "filter=all      (200 lignes) : p50" in out
    assert "filter=waiting  (153 lignes) : p50" in out  # 133 waiting, 20 urgent with the bot


async def test_the_live_benchmark_receives_every_event(
    server_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    await console_live.run(server_url, count=10)

    out = capsys.readouterr().out
    assert "POST → événement SSE « message » : p50" in out
    assert "ÉCHEC" not in out
    assert ("LISTEN/NOTIFY" in out) == (server_url is not None)

"""The periodic jobs live in bot/scheduling/jobs.py (#9): scheduled with the app, and a failing
run never stops the next one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.scheduling.jobs import CAMPAIGN_BUDGET, RETENTION_FIRST_RUN, PeriodicJobs


class _Failing:
    def __init__(self) -> None:
        self.calls = 0

    async def run_due(self) -> None:
        self.calls += 1
        raise RuntimeError("database down")

    async def give_up_interrupted(self) -> None:
        self.calls += 1
        raise RuntimeError("database down")


def _jobs(failing: Any, **more: Any) -> PeriodicJobs:
    return PeriodicJobs(
        sessions=None,  # type: ignore[arg-type]
        clock=None,  # type: ignore[arg-type]
        reminders=failing,
        delivery=failing,
        reminder_sweep_seconds=60,
        **more,
    )


async def test_the_sweep_and_housekeeping_are_scheduled() -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    _jobs(_Failing()).schedule(scheduler)

    jobs = {job.id: job for job in scheduler.get_jobs()}

    assert set(jobs) == {"housekeeping", "reminders"}
    assert jobs["reminders"].trigger.interval.total_seconds() == 60
    assert jobs["housekeeping"].trigger.interval.total_seconds() == 600
    assert jobs["reminders"].next_run_time <= datetime.now(UTC)  # at start-up too


async def test_a_failing_run_is_logged_not_raised() -> None:
    failing = _Failing()
    await _jobs(failing).send_reminders()
    assert failing.calls == 1


class _Campaigns:
    """A campaign service with messages left after its first two sweeps."""

    def __init__(self) -> None:
        self.budgets: list[float] = []

    async def sweep(self, budget: float) -> bool:
        self.budgets.append(budget)
        return len(self.budgets) < 3


async def test_the_campaign_job_sweeps_again_at_once_while_messages_are_left() -> None:
    campaigns = _Campaigns()
    jobs = _jobs(_Failing(), campaigns=campaigns)

    await jobs.send_campaigns()

    assert campaigns.budgets == [CAMPAIGN_BUDGET] * 3  # no wait for the next interval


class _FailingPurge:
    def __init__(self) -> None:
        self.calls = 0

    async def run(self) -> None:
        self.calls += 1
        raise RuntimeError("database down")


async def test_the_retention_purge_runs_daily_and_soon_after_start_up() -> None:
    purge = _FailingPurge()
    jobs = _jobs(_Failing(), retention=purge)
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs.schedule(scheduler)

    job = scheduler.get_job("retention")
    await jobs.purge()  # a failing run is logged, not raised

    assert job.trigger.interval.total_seconds() == 24 * 3600
    assert job.next_run_time <= datetime.now(UTC) + RETENTION_FIRST_RUN
    assert purge.calls == 1


async def test_the_campaign_round_is_planned_again_when_it_ends() -> None:
    """Never two rounds at once, and no refused run (a warning) while a long one sends."""
    campaigns = _Campaigns()
    jobs = _jobs(_Failing(), campaigns=campaigns, campaign_sweep_seconds=10)
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        jobs.schedule(scheduler)
        first = scheduler.get_job("campaigns")
        assert first is not None
        assert first.next_run_time <= datetime.now(UTC)  # at start-up
        await first.func(*first.args)
        again = scheduler.get_job("campaigns")
        assert again is not None
        assert campaigns.budgets == [CAMPAIGN_BUDGET] * 3
        wait = (again.next_run_time - datetime.now(UTC)).total_seconds()
        assert 9 < wait <= 10
    finally:
        scheduler.shutdown(wait=False)

"""A campaign's sending process killed mid-batch (SIGKILL), then restarted (#11): nobody gets the
message twice, every recipient's row ends settled, at most a batch is recorded interrupted.

The sending process is this module run as a script (`python -m tests.scheduling.
test_campaign_crash DATABASE_URL API_URL first|restart`): the real `CampaignService` and
`DeliveryService` with the real `TelegramChannel` as the application builds it (PTB's
Application, `ChatRateLimiter`), on a SQLite file. It calls a fake Telegram Bot API served by
the test process (tests/fake_telegram_limits.py: Telegram's 30 messages/s, every accepted
message recorded), so what really went out is known, even from the killed process.

The restarted process finishes the campaign in two steps, on an injected clock:
1. at T0 + 1 min it sweeps: the rows still pending are claimed and sent, and the messages the
   killed process had written but not claimed (rows queued) are delivered by `_settle`;
2. a message the killed process had claimed but not finished may have gone out: it is never
   resent, and stays pending until `DeliveryService.give_up_interrupted` (the housekeeping job,
   every 10 minutes) records it undelivered « interrupted » once claimed more than
   INTERRUPTED_AFTER (10 min) ago. Rather than wait, the process moves its clock to T0 + 11 min,
   calls it as housekeeping would, and sweeps again: those rows end interrupted, the campaign
   done.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from aiohttp.test_utils import TestServer
from sqlalchemy import select, update

from bot.core.delivery import DeliveryService
from bot.core.vocabulary import CampaignStatus
from bot.scheduling.campaign_sweep import CampaignService
from bot.settings import SchedulingSettings
from bot.storage import campaigns as store
from bot.storage.database import create_engine, create_session_factory
from bot.storage.migrate import upgrade
from bot.storage.models import Campaign, CampaignDelivery, ChannelIdentity, Contact
from tests.booking.factories import make_identity, make_site
from tests.fake_telegram_limits import (
    LimitedTelegramState,
    limited_telegram_app,
    production_telegram,
)
from tests.paths import PROJECT_DIR

# Tuesday 1 December 2026, 10:00 in Paris: outside the quiet hours.
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RECIPIENTS = 200
BATCH = 25
KILL_AFTER = 60  # messages accepted by Telegram: in the middle of the third batch
FIRST_CHAT = 800_000_001
SWEEP_BUDGET = 50.0
TIMEOUT = 40.0  # seconds, for each process
SETTLED = {"sent", "failed", "skipped", "interrupted"}
MODULE = "tests.scheduling.test_campaign_crash"  # run as the sending process
Process = asyncio.subprocess.Process


class MovableClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


async def sweep_process(database_url: str, api_url: str, phase: str) -> None:
    """One sending process; `first` is killed by the test, `restart` finishes the campaign."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    clock = MovableClock(T0 if phase == "first" else T0 + timedelta(minutes=1))
    try:
        async with production_telegram(api_url) as telegram:
            delivery = DeliveryService(sessions, clock, {telegram.name: telegram})
            service = CampaignService(sessions, clock, delivery, SchedulingSettings(), batch=BATCH)
            await service.sweep(SWEEP_BUDGET)
            if phase == "restart":
                clock.advance(minutes=10)  # the housekeeping job, 10 minutes later
                await delivery.give_up_interrupted()
                await service.sweep(SWEEP_BUDGET)
    finally:
        await engine.dispose()


async def _seed(database_url: str) -> int:
    """RECIPIENTS young people on Telegram who said yes to the news; a campaign due at T0."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session, session.begin():
            await make_site(session, T0)
            for n in range(RECIPIENTS):
                identity = await make_identity(
                    session, T0, channel="telegram", external_id=str(FIRST_CHAT + n)
                )
                await session.execute(
                    update(Contact)
                    .where(Contact.id == identity.contact_id)
                    .values(news_opt_in_at=T0 - timedelta(days=3))
                )
            campaign = await store.create(
                session,
                values={
                    "title": "Job-dating",
                    "text": "Job-dating mardi à la Mission Locale !",
                    "buttons": [{"kind": "book", "title": "Prendre rendez-vous"}],
                    "targets": ["telegram_dm"],
                    "audience": {},
                    "send_at": T0,
                },
                status=CampaignStatus.SCHEDULED,
                account_id=None,  # type: ignore[arg-type]
                now=T0,
            )
            return campaign.id
    finally:
        await engine.dispose()


async def _rows(database_url: str, campaign_id: int) -> tuple[dict[int, str], str]:
    """Each recipient's row state by chat id, and the campaign's status."""
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = await session.execute(
                select(ChannelIdentity.external_id, CampaignDelivery.state)
                .join(ChannelIdentity, ChannelIdentity.id == CampaignDelivery.channel_identity_id)
                .where(CampaignDelivery.campaign_id == campaign_id)
            )
            status = await session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
            return {int(chat): str(state) for chat, state in rows.all()}, str(status)
    finally:
        await engine.dispose()


async def _start(database_url: str, api_url: str, phase: str, log: IO[bytes]) -> Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", MODULE, database_url, api_url, phase,
        cwd=PROJECT_DIR, stdout=log, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip


def _output(log: Path) -> str:
    """What the sending processes printed (their logs), for a failed assertion."""
    return log.read_text(errors="replace")


async def _until(done: Callable[[], bool], process: Process, log: Path) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while not done():
        assert process.returncode is None, f"the sending process stopped:\n{_output(log)}"
        assert asyncio.get_running_loop().time() < deadline, f"too slow:\n{_output(log)}"
        await asyncio.sleep(0.005)


async def test_a_sending_process_killed_mid_batch_sends_nothing_twice_after_its_restart(
    tmp_path: Path, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await asyncio.to_thread(upgrade, database_url)  # Alembic runs its own event loop
    campaign_id = await _seed(database_url)
    telegram = LimitedTelegramState()
    api_url = str((await aiohttp_server(limited_telegram_app(telegram))).make_url("/bot"))
    log_path = tmp_path / "sending.log"

    with log_path.open("ab") as log:
        first = await _start(database_url, api_url, "first", log)
        await _until(lambda: len(telegram.accepted) >= KILL_AFTER, first, log_path)
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        crashed, _ = await _rows(database_url, campaign_id)
        sent_before_restart = len(telegram.accepted)

        restarted = await _start(database_url, api_url, "restart", log)
        code = await asyncio.wait_for(restarted.wait(), TIMEOUT)
    assert code == 0, _output(log_path)

    # Killed in the middle of a batch: its rows written (queued), the next ones still pending.
    states_at_crash = sorted(set(crashed.values()))
    assert "queued" in states_at_crash, states_at_crash
    assert "pending" in states_at_crash, states_at_crash
    assert sent_before_restart < RECIPIENTS

    rows, status = await _rows(database_url, campaign_id)
    per_chat = telegram.per_chat()
    assert telegram.duplicates() == {}
    assert len(rows) == RECIPIENTS
    assert set(rows.values()) <= SETTLED, sorted(set(rows.values()))
    assert status == CampaignStatus.DONE
    interrupted = [chat for chat, state in rows.items() if state == "interrupted"]
    assert len(interrupted) <= BATCH
    # The rows tell the truth: sent means Telegram accepted it, and what Telegram accepted was
    # sent, or interrupted (it may have gone out when the process died).
    assert all(per_chat[chat] == 1 for chat, state in rows.items() if state == "sent")
    assert all(rows[chat] in {"sent", "interrupted"} for chat in per_chat)
    assert {message.text for message in telegram.accepted} == {
        "Job-dating mardi à la Mission Locale !"
    }


if __name__ == "__main__":
    asyncio.run(sweep_process(*sys.argv[1:4]))

"""Benchmark of a campaign's broadcast (#11): N Telegram messages through the real campaign
sweep, against a fake Bot API that enforces Telegram's limit.

A throwaway database (as bench/console_inbox.py: a SQLite file, or with --database-url a fresh
PostgreSQL database cm_bench_<random>, dropped at the end), migrated by the project's
migrations, gets N young people (5 000) who said yes to the news, each known on Telegram (chat
id) with an open conversation, inserted in bulk (SQLAlchemy Core), and one campaign to
`telegram_dm`, scheduled now. A fake Telegram Bot API (tests/fake_telegram_limits.py) runs in
this process: at most 30 sendMessage accepted in any sliding second, a 429 with retry_after
beyond; it records every accepted (chat id, text). Then 1 or 2 sending processes (`--processes`,
2 only on PostgreSQL), each with its own engine, the real `CampaignService` and
`DeliveryService`, and the real `TelegramChannel` as the application builds it (PTB, base_url
pointed at the fake, the project's `ChatRateLimiter`), sweep until the campaign is done: sweeps
one after the other (`--cadence sweep`, budget 50 s each as the job's), or on the application's
own APScheduler jobs (`--cadence jobs`: a sweep every 10 s, one at a time, as in production).

Prints the sustained rate (accepted messages / seconds from the first to the last accepted),
the duplicates (chats served more than once), the 429s answered and the rows that failed with
`rate_limited` (a 429 not absorbed by the retries), the rows by state, the memory of each
sending process (RSS sampled during the run, and its peak), and where the time went (pauses
between accepted messages, SQL statements and commits per message). Targets: ≥ 28.5 msg/s,
0 duplicates, 0 unhandled 429s, every row sent. Exit code 1 when one is missed. (Memory is
sampled with psutil: a child started by fork + exec inherits its parent's ru_maxrss, so
getrusage would report this process's peak, not the sending process's.)

    .venv/bin/python -m bench.broadcast [--recipients 5000] [--processes 1|2] [--batch 50] \
        [--cadence sweep|jobs] \
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import secrets
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]  # in requirements/bot.lock, no stubs
from aiohttp.test_utils import TestServer
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.console_inbox import database_label, insert_ids, seed_team, throwaway_database
from bot.channels.telegram.sending import TelegramChannel
from bot.core.delivery import DeliveryService
from bot.core.messages import (
    Author,
    ConversationState,
    Direction,
    MessageStatus,
    OutgoingMessage,
    Recipient,
)
from bot.core.ports import SystemClock
from bot.core.vocabulary import CampaignStatus, DeliveryState
from bot.scheduling.campaign_sweep import BATCH, CampaignService, campaign_reply
from bot.scheduling.jobs import CAMPAIGN_BUDGET, PeriodicJobs
from bot.scheduling.reminder_sweep import ReminderService
from bot.settings import SchedulingSettings
from bot.storage import campaigns as store
from bot.storage import models as m
from bot.storage.database import create_engine, create_session_factory
from tests.fake_telegram_limits import (
    LimitedTelegramState,
    limited_telegram_app,
    production_telegram,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_RATE = 28.5  # messages a second, sustained (Telegram allows about 30)
FIRST_CHAT = 700_000_001  # Telegram chat ids of the recipients: FIRST_CHAT + n
SAMPLE_EVERY = 0.2  # seconds between two RSS samples of the sending processes
IDLE = 0.2  # seconds a sending process waits after a sweep that sent nothing
PAUSE = 0.1  # a gap longer than this between two accepted messages is a pause
PROGRESS = (10, 25, 50, 75)  # % of the messages at which the RSS is printed
UNFINISHED = [CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED]
MIB = 1024 * 1024
TEXT = (
    "Job-dating mardi 9 décembre à la Mission Locale : une dizaine d'employeurs recrutent "
    "(vente, logistique, restauration). Viens avec ton CV, ou sans : on t'aide à le faire."
)
BUTTONS = [
    {"kind": "book", "title": "Prendre rendez-vous"},
    {"kind": "link", "title": "Le programme", "url": "https://example.org/job-dating"},
]


# --- the database: N young people who said yes to the news, and the campaign ------------------


async def seed(engine: AsyncEngine, now: datetime, recipients: int) -> int:
    """N opted-in Telegram contacts, each with an open conversation (they talked to the bot:
    one message each way), and a campaign to `telegram_dm` due now; the campaign's id."""
    team, _ = await seed_team(engine, now, 1)
    joined = now - timedelta(days=20)
    async with engine.begin() as c:
        contacts = await insert_ids(
            c, m.Contact,
            [{"created_at": joined, "last_seen_at": joined + timedelta(minutes=5),
              "news_opt_in_at": joined + timedelta(minutes=4)} for _ in range(recipients)],
        )  # fmt: skip
        identities = await insert_ids(
            c, m.ChannelIdentity,
            [{"contact_id": contact, "channel": "telegram", "external_id": str(FIRST_CHAT + n),
              "public_id": secrets.token_hex(16), "created_at": joined}
             for n, contact in enumerate(contacts)],
        )  # fmt: skip
        conversations = await insert_ids(
            c, m.Conversation,
            [{"channel_identity_id": identity, "state": ConversationState.BOT.value,
              "urgent": False, "created_at": joined, "updated_at": joined}
             for identity in identities],
        )  # fmt: skip
        await c.execute(
            insert(m.Message),
            [{"conversation_id": conversation, "text": text_, "direction": direction.value,
              "author": author.value, "status": status.value, "created_at": joined + delay}
             for conversation in conversations
             for text_, direction, author, status, delay in (
                 ("Oui je veux bien les actus", Direction.IN, Author.YOUNG_PERSON,
                  MessageStatus.PROCESSED, timedelta(minutes=4)),
                 ("C'est noté !", Direction.OUT, Author.BOT, MessageStatus.SENT,
                  timedelta(minutes=4, seconds=1)),
             )],
        )  # fmt: skip
    async with create_session_factory(engine)() as session, session.begin():
        campaign = await store.create(
            session,
            values={"title": "Job-dating de décembre", "text": TEXT, "buttons": BUTTONS,
                    "targets": ["telegram_dm"], "audience": {}, "send_at": now},
            status=CampaignStatus.SCHEDULED,
            account_id=team[0],
            now=now,
        )  # fmt: skip
        audience = await store.count(session, {}, ["telegram"], now)
    if audience != recipients:
        raise RuntimeError(f"the campaign's audience is {audience}, not {recipients}")
    if engine.dialect.name == "postgresql":  # as autovacuum does on a live database
        async with engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("ANALYZE"))
    return campaign.id


# --- a sending process: the real sweep and the real Telegram channel ---------------------------


@dataclass
class DatabaseMeter:
    """SQL statements, commits and time spent in the database by one engine."""

    statements: int = 0
    commits: int = 0
    seconds: float = 0.0
    _started: list[float] = field(default_factory=list)

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)
        event.listen(sync, "commit", self._commit)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.statements += 1
        if self._started:
            self.seconds += time.perf_counter() - self._started.pop()

    def _commit(self, *_: Any) -> None:
        self.commits += 1


class TimedChannel:
    """The real Telegram channel, timed: how long the sweep spends sending (PTB's rate limiter
    waits, its retries after a 429, the HTTP round trip)."""

    def __init__(self, channel: TelegramChannel) -> None:
        self.name = channel.name
        self._channel = channel
        self.sends = 0
        self.seconds = 0.0

    async def send(self, recipient: Recipient, message: OutgoingMessage) -> None:
        started = time.perf_counter()
        try:
            await self._channel.send(recipient, message)
        finally:
            self.sends += 1
            self.seconds += time.perf_counter() - started


async def unfinished(sessions: async_sessionmaker[AsyncSession]) -> bool:
    async with sessions() as session:
        left = await session.scalar(
            select(func.count()).where(m.Campaign.status.in_([s.value for s in UNFINISHED]))
        )
    return bool(left)


class CountedCampaignService(CampaignService):
    """The real service; counts its sweeps."""

    sweeps = 0

    async def sweep(self, budget: float = CAMPAIGN_BUDGET) -> bool:
        self.sweeps += 1
        return await super().sweep(budget)


async def work(database_url: str, api_url: str, batch: int, cadence: str) -> dict[str, float]:
    """Sweep until no campaign is left to send, as one bot process would; its figures."""
    engine = create_engine(database_url)
    meter = DatabaseMeter()
    meter.attach(engine)
    sessions = create_session_factory(engine)
    clock = SystemClock()
    scheduling = SchedulingSettings(quiet_hours=None)  # the bench runs at any hour
    started = time.perf_counter()
    try:
        async with production_telegram(api_url) as telegram:
            channel = TimedChannel(telegram)
            delivery = DeliveryService(sessions, clock, {channel.name: channel})
            service = CountedCampaignService(sessions, clock, delivery, scheduling, batch=batch)
            if cadence == "jobs":
                jobs = PeriodicJobs(
                    sessions=sessions,
                    clock=clock,
                    reminders=ReminderService(sessions, clock, delivery, scheduling),
                    delivery=delivery,
                    reminder_sweep_seconds=60,
                    campaigns=service,
                )
                scheduler = AsyncIOScheduler(timezone="UTC")
                scheduler.start()
                jobs.schedule(scheduler)
                while True:  # the application's scheduler sweeps meanwhile
                    if not await unfinished(sessions):
                        break
                    await asyncio.sleep(IDLE)
                await service.sweep(0)  # waits for the sweep in progress to finish
                service.sweeps -= 1
                await jobs.stop(scheduler)
            else:
                while await unfinished(sessions):
                    before = channel.sends
                    await service.sweep(CAMPAIGN_BUDGET)
                    if channel.sends == before:  # the other process holds what is left
                        await asyncio.sleep(IDLE)
    finally:
        await engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "sweeps": service.sweeps,
        "sends": channel.sends,
        "send_seconds": channel.seconds,
        "statements": meter.statements,
        "commits": meter.commits,
        "db_seconds": meter.seconds,
    }


# --- the run: seed, serve the fake, start the sending processes, measure -----------------------


@dataclass
class Sample:
    accepted: int
    rss: list[int]  # bytes, one per sending process (0 once it has exited)


async def sample_memory(
    processes: Sequence[psutil.Process], state: LimitedTelegramState, samples: list[Sample]
) -> None:
    while True:
        rss = []
        for process in processes:
            try:
                rss.append(int(process.memory_info().rss))
            except psutil.Error:
                rss.append(0)
        samples.append(Sample(len(state.accepted), rss))
        await asyncio.sleep(SAMPLE_EVERY)


async def report_progress(state: LimitedTelegramState, total: int) -> None:
    while True:
        await asyncio.sleep(30)
        print(f"… {len(state.accepted)}/{total} messages acceptés", file=sys.stderr, flush=True)


WORKER = (sys.executable, "-m", "bench.broadcast", "--worker")


async def send(
    url: str,
    state: LimitedTelegramState,
    processes: int,
    batch: int,
    cadence: str,
    total: int,
    worker: Sequence[str] = WORKER,
) -> tuple[list[dict[str, float]], list[Sample]]:
    """Serve the fake Telegram and run the sending processes (`worker`, a command taking the
    worker's options) until they are done; their figures and the memory samples."""
    server = TestServer(limited_telegram_app(state))
    await server.start_server()
    api_url = str(server.make_url("/bot"))
    argv = [*worker, "--api-url", api_url, "--database-url", url, "--batch", str(batch),
            "--cadence", cadence]  # fmt: skip
    children = [
        await asyncio.create_subprocess_exec(*argv, cwd=PROJECT_DIR, stdout=asyncio.subprocess.PIPE)
        for _ in range(processes)
    ]
    samples: list[Sample] = []
    watchers = [
        asyncio.create_task(sample_memory([psutil.Process(c.pid) for c in children], state,
                                          samples)),
        asyncio.create_task(report_progress(state, total)),
    ]  # fmt: skip
    timeout = 3 * total / state.limit + 120
    try:
        outputs = await asyncio.wait_for(
            asyncio.gather(*(child.communicate() for child in children)), timeout
        )
    except TimeoutError:
        raise RuntimeError(f"the campaign was not done after {timeout:.0f} s") from None
    finally:
        for watcher in watchers:
            watcher.cancel()
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()
        await server.close()
    stats = []
    for child, (out, _) in zip(children, outputs, strict=True):
        if child.returncode != 0:
            raise RuntimeError(f"a sending process exited with code {child.returncode}")
        stats.append(json.loads(out.decode().strip().splitlines()[-1]))
    return stats, samples


@dataclass(frozen=True)
class Outcome:
    counts: dict[str, int]  # the recipients' rows by state
    rate_limited: int  # rows failed with rate_limited: a 429 the retries did not absorb
    status: str  # the campaign's
    text: str  # what each recipient should have got


async def outcome(url: str, campaign_id: int) -> Outcome:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            campaign = await session.get_one(m.Campaign, campaign_id)
            return Outcome(
                await store.counts(session, campaign_id),
                (await store.failures(session, campaign_id)).get("rate_limited", 0),
                campaign.status,
                campaign_reply(campaign).text,
            )
    finally:
        await engine.dispose()


def verdict(ok: bool) -> str:
    return "OK" if ok else "CIBLE MANQUÉE"


def mib(value: float) -> str:
    return f"{value / MIB:.1f} Mo"


def memory_lines(samples: list[Sample], processes: int, total: int) -> list[str]:
    lines = []
    for k in range(processes):
        mine = [(s.accepted, s.rss[k]) for s in samples if s.rss[k]]
        if not mine:
            continue
        at = []
        for percent in PROGRESS:
            reached = next((rss for n, rss in mine if n * 100 >= total * percent), mine[-1][1])
            at.append(f"{percent} % {mib(reached)}")
        peak = max(rss for _, rss in mine)
        first = next((rss for n, rss in mine if n * 100 >= total * PROGRESS[0]), mine[0][1])
        lines.append(
            f"mémoire du processus d'envoi {k + 1} (RSS, {len(mine)} relevés) : "
            f"{', '.join(at)}, fin {mib(mine[-1][1])} ; pic {mib(peak)} ; "
            f"de 10 % à la fin : {(mine[-1][1] - first) / MIB:+.1f} Mo"
        )
    return lines


def work_line(figures: dict[str, float]) -> str:
    sends = int(figures["sends"])
    line = (
        f"{figures['seconds']:.1f} s, {int(figures['sweeps'])} balayages, {sends} envois "
        f"({figures['send_seconds']:.1f} s dans TelegramChannel.send"
    )
    if not sends:  # the other process sent everything
        return f"{line}) ; {int(figures['statements'])} requêtes SQL"
    return (
        f"{line}, {1000 * figures['send_seconds'] / sends:.1f} ms chacun) ; "
        f"{int(figures['statements'])} requêtes SQL ({figures['statements'] / sends:.1f} par "
        f"message), {int(figures['commits'])} commits ({figures['commits'] / sends:.1f} par "
        f"message), {figures['db_seconds']:.1f} s en base "
        f"({1000 * figures['db_seconds'] / sends:.2f} ms par message)"
    )


def pauses(state: LimitedTelegramState) -> tuple[int, float, int, float]:
    """Gaps between two accepted messages longer than PAUSE, (count, seconds): below 0.9 s
    (waiting for the rate limiter, or the sweep writing a batch), and from 0.9 s (PTB halting
    every request retry_after + 0.1 s after a 429, or no sweep running)."""
    times = [message.at for message in state.accepted]
    gaps = [b - a for a, b in itertools.pairwise(times) if b - a > PAUSE]
    short = [g for g in gaps if g < 0.9]
    long = [g for g in gaps if g >= 0.9]
    return len(short), sum(short), len(long), sum(long)


async def run(
    server_url: str | None,
    total: int,
    processes: int = 1,
    batch: int = BATCH,
    cadence: str = "sweep",
) -> bool:
    if processes > 1 and server_url is None:
        raise RuntimeError("several sending processes need PostgreSQL (--database-url)")
    now = datetime.now(UTC)
    state = LimitedTelegramState()
    with tempfile.TemporaryDirectory() as workdir:
        async with throwaway_database(Path(workdir), server_url) as url:
            engine = create_engine(url)
            started = time.perf_counter()
            campaign_id = await seed(engine, now, total)
            await engine.dispose()
            seeded = time.perf_counter() - started
            label = database_label(url)
            print(
                f"broadcast : {label}, {total} destinataires Telegram (base remplie en "
                f"{seeded:.1f} s), {processes} processus d'envoi, lots de {batch}, "
                f"cadence {cadence}"
            )
            stats, samples = await send(url, state, processes, batch, cadence, total)
            result = await outcome(url, campaign_id)
    accepted = state.accepted
    span = accepted[-1].at - accepted[0].at if len(accepted) > 1 else 0.0
    rate = len(accepted) / span if span else 0.0
    duplicates = len(state.duplicates())
    wrong_text = sum(1 for message in accepted if message.text != result.text)
    counts, rate_limited, status = result.counts, result.rate_limited, result.status
    all_sent = counts == {DeliveryState.SENT.value: total} and status == CampaignStatus.DONE
    short, short_s, long, long_s = pauses(state)
    ideal = total / state.limit
    print(
        f"débit soutenu : {len(accepted)} messages acceptés en {span:.2f} s (du premier au "
        f"dernier) = {rate:.2f} msg/s (cible ≥ {TARGET_RATE}) {verdict(rate >= TARGET_RATE)}"
    )
    print(
        f"doublons : {duplicates} chats servis plus d'une fois (cible 0) {verdict(not duplicates)}"
    )
    print(
        f"429 : {state.too_many} renvoyés par le faux Telegram, {rate_limited} messages en échec "
        f"rate_limited (cible 0 non rattrapé) {verdict(not rate_limited)}"
    )
    states = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
    print(f"lignes par état : {states} (campagne {status}) {verdict(all_sent)}")
    print(
        f"fenêtre la plus chargée : {state.busiest_window()} messages acceptés en 1 s glissante "
        f"(limite {state.limit}) ; textes différents du message de la campagne : {wrong_text}"
    )
    print(
        f"temps : idéal à {state.limit} msg/s {ideal:.1f} s ; pauses entre deux messages "
        f"acceptés : de {PAUSE} à 0.9 s {short} ({short_s:.1f} s), d'au moins 0.9 s {long} "
        f"({long_s:.1f} s)"
    )
    for k, figures in enumerate(stats):
        print(f"processus d'envoi {k + 1} : {work_line(figures)}")
    for line in memory_lines(samples, len(stats), total):
        print(line)
    return rate >= TARGET_RATE and not duplicates and not rate_limited and all_sent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast")
    parser.add_argument(
        "--database-url",
        help="serveur PostgreSQL où créer une base jetable, "
        "ex. postgresql+asyncpg://postgres@127.0.0.1:5432/postgres (défaut : SQLite)",
    )
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--processes", type=int, choices=(1, 2), default=1)
    parser.add_argument("--batch", type=int, default=BATCH, help="lot de CampaignService")
    parser.add_argument("--cadence", choices=("sweep", "jobs"), default="sweep")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # one sending process: --database-url is the database itself
        logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
        figures = asyncio.run(work(args.database_url, args.api_url, args.batch, args.cadence))
        print(json.dumps(figures))
        return 0
    try:
        ok = asyncio.run(
            run(args.database_url, args.recipients, args.processes, args.batch, args.cadence)
        )
    except RuntimeError as error:
        print(f"broadcast : ÉCHEC : {error}")
        return 1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

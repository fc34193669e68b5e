"""Benchmark of the counsellor console's inbox (#10): GET /console/api/conversations on a busy
Mission Locale, through the real application.

Fills a throwaway database (a SQLite file in a temporary directory; with --database-url, a fresh
PostgreSQL database cm_bench_<random> on that server, dropped at the end), migrated by the
project's own Alembic migrations, with 10 000 conversations in bulk (SQLAlchemy Core): 300
waiting for a counsellor, 40 urgent, 6 % with a counsellor, 40 % with the bot, the rest closed;
6 messages each, contacts, channel identities, a few eligibility profiles and outreach sources.
On PostgreSQL the tables are then ANALYZEd, as autovacuum would have done on a live database.
Then starts `bot.app.create_app` (no Rasa), signs a counsellor in and sends `?filter=all`, then
`?filter=waiting`, N times each (200, after 10 untimed), one at a time over loopback HTTP.
Prints p50/p95/max per filter; target p95 ≤ 150 ms. Exit code 1 when a filter misses it.

    .venv/bin/python -m bench.console_inbox [-n 10000] [--requests 200] \
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.app import create_app
from bot.console import accounts
from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.core.vocabulary import StaffRole
from bot.settings import Settings, load_settings
from bot.storage import models as m
from bot.storage.database import create_engine, create_session_factory
from bot.storage.live_postgres import asyncpg_dsn
from bot.storage.migrate import upgrade

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150.0
PASSWORD = "bench-console-passphrase"  # noqa: S105 - a throwaway account's password
STATE = ConversationState
HANDED = (STATE.WAITING_FOR_COUNSELLOR, STATE.WITH_COUNSELLOR)
Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Figures:
    """Latencies in milliseconds: median, 95th percentile (nearest rank), worst."""

    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Figures:
        ordered = sorted(s * 1000 for s in seconds)
        rank = max(0, -(-len(ordered) * 95 // 100) - 1)
        return cls(ordered[(len(ordered) - 1) // 2], ordered[rank], ordered[-1])

    def __str__(self) -> str:
        return f"p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, max {self.max:.1f} ms"

    def line(self, target_ms: float) -> str:
        verdict = "OK" if self.p95 <= target_ms else "AU-DESSUS DE LA CIBLE"
        return f"{self} (cible p95 ≤ {target_ms:.0f} ms) {verdict}"


def database_label(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite"


async def _admin(dsn: str, sql: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@asynccontextmanager
async def throwaway_database(workdir: Path, server_url: str | None) -> AsyncIterator[str]:
    """A migrated database for this run: SQLite in `workdir`, or a new PostgreSQL database on
    the server of `server_url` (dropped afterwards)."""
    if server_url is None:
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
        yield url
        return
    name = f"cm_bench_{secrets.token_hex(6)}"
    admin = asyncpg_dsn(server_url)
    await _admin(admin, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, url)
        yield url
    finally:
        await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_settings(database_url: str, workdir: Path) -> Settings:
    environment = {
        "DATABASE_URL": database_url,
        "DEMO": "0",
        "RASA_MANAGED": "0",
        "RASA_URL": "http://127.0.0.1:9",  # nothing listens: no request here needs Rasa
        "RASA_TRACKER_URL": f"sqlite:///{workdir / 'tracker.db'}",
    }
    return load_settings(environment, project_dir=PROJECT_DIR)


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[str]:
    """The real application on a free loopback port; yields its base URL."""
    server = TestServer(create_app(settings))
    await server.start_server(shutdown_timeout=5.0)
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def insert_ids(connection: AsyncConnection, model: type[m.Base], rows: Rows) -> list[int]:
    """One bulk INSERT (executemany), the new ids in the rows' order."""
    statement = insert(model).returning(model.__table__.c.id, sort_by_parameter_order=True)
    return list((await connection.execute(statement, rows)).scalars())


async def seed_team(engine: AsyncEngine, now: datetime, size: int) -> tuple[list[int], str]:
    """A Mission Locale, a site, `size` counsellors with their staff accounts; the accounts' ids
    and a console session of the first one (the `console_session` cookie's value)."""
    async with engine.begin() as connection:
        [ml] = await insert_ids(connection, m.MissionLocale, [{"name": "ML", "created_at": now}])
        [site] = await insert_ids(
            connection,
            m.Site,
            [{"mission_locale_id": ml, "name": "Antenne", "address": "1 rue A", "postcode": "69001",
              "city": "Lyon", "timezone": "Europe/Paris", "created_at": now}],
        )  # fmt: skip
        counsellors = await insert_ids(
            connection,
            m.Counsellor,
            [{"mission_locale_id": ml, "site_id": site, "display_name": f"C{n}", "active": True,
              "created_at": now} for n in range(size)],
        )  # fmt: skip
    async with create_session_factory(engine)() as session, session.begin():
        team = [
            await accounts.create_account(
                session, email=f"c{n}@bench.test", name=f"Conseiller {n}",
                role=StaffRole.COUNSELLOR, password=PASSWORD, now=now, counsellor_id=counsellor,
            )
            for n, counsellor in enumerate(counsellors)
        ]  # fmt: skip
        opened = await accounts.open_session(session, team[0], now)
    return [account.id for account in team], opened.token


def _plan(rng: random.Random, total: int) -> list[tuple[ConversationState, bool]]:
    """(state, urgent) of each conversation, shuffled: 300 waiting (20 urgent), 6 % with a
    counsellor, 40 % with the bot (20 urgent, so held by nobody), the rest closed."""
    plan = [(STATE.WAITING_FOR_COUNSELLOR, n < 20) for n in range(min(300, total // 3))]
    plan += [(STATE.WITH_COUNSELLOR, False)] * (total * 6 // 100)
    plan += [(STATE.BOT, n < 20) for n in range(total * 40 // 100)]
    plan += [(STATE.CLOSED, False)] * (total - len(plan))
    rng.shuffle(plan)
    return plan


def _messages(conversation_id: int, state: ConversationState, start: datetime) -> Rows:
    """Six messages, the young person's and the bot's (a counsellor's once one has it); in a
    waiting conversation the last two are the young person's, held."""
    rows, waiting = [], state is STATE.WAITING_FOR_COUNSELLOR
    for k in range(6):
        young = k % 2 == 0 or (waiting and k == 5)
        author = Author.COUNSELLOR if state is STATE.WITH_COUNSELLOR and k >= 4 else Author.BOT
        status = MessageStatus.PROCESSED if young else MessageStatus.SENT
        rows.append(
            {"conversation_id": conversation_id, "text": f"message {k} de {conversation_id}",
             "direction": (Direction.IN if young else Direction.OUT).value,
             "author": (Author.YOUNG_PERSON if young else author).value,
             "status": (MessageStatus.HELD if waiting and k >= 4 else status).value,
             "created_at": start + timedelta(minutes=5 * k)}
        )  # fmt: skip
    return rows


async def fill(engine: AsyncEngine, now: datetime, total: int, team: Sequence[int]) -> int:
    """`total` conversations with their contacts, identities and messages; the messages' count."""
    rng = random.Random(10)
    plan = _plan(rng, total)
    at = [now - timedelta(minutes=rng.randint(30, 60 * 24 * 60)) for _ in plan]
    channels = ("webchat", "telegram", "instagram")
    async with engine.begin() as c:
        sources = await insert_ids(
            c, m.OutreachSource,
            [{"code": f"src-{n}", "label": f"Affiche {n}", "kind": "poster", "created_at": now}
             for n in range(5)],
        )  # fmt: skip
        contacts = await insert_ids(
            c, m.Contact,
            [{"created_at": at[n], "last_seen_at": at[n] + timedelta(minutes=30),
              "source_id": rng.choice(sources) if n % 3 == 0 else None} for n in range(total)],
        )  # fmt: skip
        identities = await insert_ids(
            c, m.ChannelIdentity,
            [{"contact_id": contact, "channel": channels[n % 3], "external_id": f"bench-{n}",
              "public_id": f"{rng.getrandbits(128):032x}", "created_at": at[n]}
             for n, contact in enumerate(contacts)],
        )  # fmt: skip
        conversations = await insert_ids(
            c, m.Conversation,
            [{"channel_identity_id": identities[n], "state": state.value, "urgent": urgent,
              "urgent_at": at[n] if urgent else None,
              "urgent_reasons": "hunger" if urgent else None,
              "handoff_reason": ("distress" if urgent else "asked") if state in HANDED else None,
              "created_at": at[n], "updated_at": at[n] + timedelta(minutes=25),
              "closed_at": at[n] + timedelta(minutes=30) if state is STATE.CLOSED else None}
             for n, (state, urgent) in enumerate(plan)],
        )  # fmt: skip
        messages = [
            row
            for n, (state, _) in enumerate(plan)
            for row in _messages(conversations[n], state, at[n])
        ]
        for chunk in range(0, len(messages), 5000):
            await c.execute(insert(m.Message), messages[chunk : chunk + 5000])
        await c.execute(
            insert(m.ConversationAssignment),
            [{"conversation_id": conversations[n], "taken_at": at[n] + timedelta(minutes=20),
              "account_id": team[n % len(team)]}
             for n, (state, _) in enumerate(plan) if state is STATE.WITH_COUNSELLOR],
        )  # fmt: skip
        await c.execute(
            insert(m.EligibilityProfile),
            [{"contact_id": contact, "age": 15 + n % 12, "town": "Lyon", "orientation": "cej",
              "updated_at": now} for n, contact in enumerate(contacts) if n % 5 == 0],
        )  # fmt: skip
    return len(messages)


async def measure(base: str, token: str, which: str, count: int) -> tuple[list[float], int]:
    """`count` timed GETs of one filter after 10 untimed ones; the rows of the last answer."""
    url = f"{base}/console/api/conversations?filter={which}"
    samples: list[float] = []
    async with aiohttp.ClientSession(headers={"Cookie": f"console_session={token}"}) as http:
        for n in range(10 + count):
            started = time.perf_counter()
            async with http.get(url) as response:
                body = await response.json()
            if n >= 10:
                samples.append(time.perf_counter() - started)
            if response.status != 200:
                raise RuntimeError(f"filter={which}: HTTP {response.status} {body}")
    return samples, len(body["conversations"])


async def run(server_url: str | None, total: int, count: int) -> bool:
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as workdir:
        async with throwaway_database(Path(workdir), server_url) as url:
            engine = create_engine(url)
            started = time.perf_counter()
            team, token = await seed_team(engine, now, 6)
            messages = await fill(engine, now, total, team)
            if engine.dialect.name == "postgresql":  # as autovacuum does on a live database
                async with engine.connect() as connection:
                    await connection.execution_options(isolation_level="AUTOCOMMIT")
                    await connection.execute(text("ANALYZE"))
            filled = time.perf_counter() - started
            await engine.dispose()
            print(
                f"console_inbox : {database_label(url)}, {total} conversations, {messages} "
                f"messages, remplie en {filled:.1f} s ; {count} requêtes par filtre, une à la fois"
            )
            ok = True
            async with serve(bench_settings(url, Path(workdir))) as base:
                for which in ("all", "waiting"):
                    samples, rows = await measure(base, token, which, count)
                    figures = Figures.of(samples)
                    ok = ok and figures.p95 <= TARGET_P95_MS
                    print(f"filter={which:<8} ({rows} lignes) : {figures.line(TARGET_P95_MS)}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_inbox")
    parser.add_argument(
        "--database-url", help="serveur PostgreSQL où créer une base jetable (défaut : SQLite)"
    )
    parser.add_argument("-n", "--conversations", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    return 0 if asyncio.run(run(args.database_url, args.conversations, args.requests)) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Play the conversation sets (bench/conversations/, FORMAT.md) end to end and score every turn.

Starts the real stack (`python -m bot serve`, which starts Rasa) on free ports with a throwaway
SQLite database, unless `--keep-stack-url` names a running bot. Each conversation is a new young
person on the web chat JSON API; its turns are played one after the other, up to `--concurrency`
conversations at a time. After each turn the bot's database is read (read-only) for the state
checks: urgent flag, unsubscription, erasure, appointments. It reports and never asserts: the exit
code is 0 whenever the sets were played, 1 when the stack could not start.

    .venv/bin/python -m bench.eval_conversations [--set dev|heldout|all] [--only ID_PREFIX]
        [--json FILE] [--failures N] [--keep-stack-url URL [--database FILE]]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import aiohttp

from bench.conversation_checks import (
    Button,
    CheckResult,
    Reply,
    State,
    TurnContext,
    evaluate,
    fold,
)
from bench.conversation_report import TurnOutcome, print_report, to_json
from bench.conversation_sets import SET_NAMES, Conversation, load_sets
from bench.stack import (
    STACK_ERRORS,
    BenchError,
    current_model,
    start_stack,
    stop_stack,
    tail,
    wait_ready,
)

CHANNEL = "webchat"
# The bot waits this long for Rasa: a slow machine must not turn into apologies.
RASA_TIMEOUT_SECONDS = "20"
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=90)
RETRIES = 4
# When the answer to a POST holds no message, how long to poll for one stored just after.
LATE_REPLY_WAIT = 3.0


class TurnError(Exception):
    """The web chat API did not answer a turn (after retries)."""


def read_state(database: Path, user_id: str) -> State:
    """The young person's state, read-only (the bot keeps writing; WAL lets both work)."""
    external_id = hashlib.sha256(user_id.encode()).hexdigest()
    uri = f"file:{database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=15)) as connection:
        row = connection.execute(
            "SELECT contact_id FROM channel_identities WHERE channel = ? AND external_id = ?",
            (CHANNEL, external_id),
        ).fetchone()
        if row is None:
            return State(known=False)
        contact_id = int(row[0])
        urgent, unsubscribed, booked, cancelled = connection.execute(
            """
            SELECT
              (SELECT COUNT(*) FROM conversations c JOIN channel_identities i
                 ON i.id = c.channel_identity_id WHERE i.contact_id = :contact AND c.urgent),
              (SELECT unsubscribed_at IS NOT NULL FROM contacts WHERE id = :contact),
              (SELECT COUNT(*) FROM appointments WHERE contact_id = :contact
                 AND status = 'booked'),
              (SELECT COUNT(*) FROM appointments WHERE contact_id = :contact
                 AND status = 'cancelled')
            """,
            {"contact": contact_id},
        ).fetchone()
    return State(
        known=True,
        urgent=bool(urgent),
        unsubscribed=bool(unsubscribed),
        booked=int(booked),
        cancelled=int(cancelled),
    )


def _button_key(text: str) -> str:
    """Labels compared without case, accents or a leading emoji (« 📍 Sur place »)."""
    return re.sub(r"^[\W_]+", "", fold(text)).strip()


def find_button(reply: Reply | None, label_start: str) -> Button | None:
    """The first button of the reply whose label starts with `label_start`."""
    wanted = _button_key(label_start)
    for button in reply.buttons if reply else ():
        if _button_key(button.title).startswith(wanted):
            return button
    return None


class Player:
    """Plays conversations against one bot over its web chat JSON API."""

    def __init__(self, http: aiohttp.ClientSession, bot_url: str, database: Path | None) -> None:
        self._http = http
        self._url = f"{bot_url.rstrip('/')}/webchat/api/messages"
        self._database = database

    async def _state(self, user_id: str) -> State | None:
        """None (state checks not evaluated) without a database or when it cannot be read."""
        if self._database is None:
            return None
        try:
            return await asyncio.to_thread(read_state, self._database, user_id)
        except sqlite3.Error as error:
            print(f"attention : base illisible ({error})", file=sys.stderr)
            return None

    async def _post(self, body: dict[str, str]) -> tuple[list[dict[str, Any]], bool]:
        """POST one message; a retry carries the same client_message_id, so the bot answers
        it once and sends the stored replies again."""
        problem = ""
        for attempt in range(RETRIES):
            try:
                async with self._http.post(self._url, json=body, timeout=REQUEST_TIMEOUT) as answer:
                    data: Any = await answer.json(content_type=None)
                    if answer.status == 429:
                        problem = f"HTTP 429 {data}"
                        await asyncio.sleep(min(60, int(answer.headers.get("Retry-After", "5"))))
                        continue
                    if answer.status != 200 or not isinstance(data, dict):
                        raise TurnError(f"HTTP {answer.status}: {str(data)[:200]}")
                    return list(data.get("messages") or []), bool(data.get("erased"))
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                problem = f"{type(error).__name__}: {error}"
                await asyncio.sleep(1 + attempt)
        raise TurnError(problem)

    async def _later(self, user_id: str, after: int) -> list[dict[str, Any]]:
        """Messages stored after `after` (what the page polls for); none if the poll fails."""
        try:
            async with self._http.get(
                self._url,
                params={"user_id": user_id, "after": str(after)},
                timeout=REQUEST_TIMEOUT,
            ) as answer:
                data: Any = await answer.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return []
        return list(data.get("messages") or []) if isinstance(data, dict) else []

    async def _exchange(
        self, user_id: str, body: dict[str, str], last_id: int
    ) -> tuple[list[dict[str, Any]], bool]:
        """The bot's messages for one turn: the POST's answer (the web chat answers in the
        request), plus anything stored for this young person meanwhile (GET ?after=)."""
        messages, erased = await self._post(body)
        if erased:
            return messages, True
        ids = [int(m["id"]) for m in messages if m.get("id")]
        after = max([last_id, *ids])
        deadline = time.monotonic() + (LATE_REPLY_WAIT if not messages else 0.0)
        while True:
            later = [m for m in await self._later(user_id, after) if m.get("id") not in ids]
            messages.extend(later)
            if messages or time.monotonic() >= deadline:
                return messages, False
            await asyncio.sleep(0.5)

    async def play(self, conversation: Conversation) -> list[TurnOutcome]:
        user_id = secrets.token_urlsafe(24)
        outcomes: list[TurnOutcome] = []
        earlier: list[tuple[str, Reply]] = []
        previous: Reply | None = None
        before: State | None = await self._state(user_id)
        last_id = 0
        for index, turn in enumerate(conversation.turns, start=1):
            started = time.monotonic()
            pre: list[CheckResult] = []
            body: dict[str, str] = {
                "user_id": user_id,
                "client_message_id": secrets.token_urlsafe(12),
            }
            if turn.button is not None:
                button = find_button(previous, turn.button)
                if button is None:
                    labels = [b.title for b in previous.buttons] if previous else []
                    pre.append(CheckResult("button", False, f"no « {turn.button} » in {labels}"))
                    body["text"] = turn.button  # typed instead, so the conversation goes on
                else:
                    body["payload"] = button.payload
            else:
                body["text"] = str(turn.user)
            if index == 1 and conversation.source:
                body["source"] = conversation.source
            try:
                messages, erased = await self._exchange(user_id, body, last_id)
            except TurnError as error:
                messages, erased = [], False
                pre.append(CheckResult("api", False, str(error)))
            last_id = max([last_id, *(int(m["id"]) for m in messages if m.get("id"))])
            reply = Reply(
                text="\n\n".join(str(m.get("text") or "") for m in messages).strip(),
                buttons=tuple(
                    Button(str(b.get("title", "")), str(b.get("payload", "")))
                    for m in messages
                    for b in m.get("buttons") or []
                ),
                erased=erased,
            )
            after = await self._state(user_id)
            said = turn.user if turn.user is not None else turn.button or ""
            context = TurnContext(reply, said, tuple(earlier), before, after)
            results = (*pre, *evaluate(turn.expect, context))
            outcomes.append(
                TurnOutcome(
                    conversation,
                    index,
                    turn.said,
                    reply,
                    tuple(results),
                    before,
                    after,
                    time.monotonic() - started,
                )
            )
            earlier.append((said, reply))
            previous, before = reply, after
        return outcomes


async def play_all(
    conversations: Sequence[Conversation],
    bot_url: str,
    database: Path | None,
    concurrency: int,
    stack_ready: Callable[[aiohttp.ClientSession], Awaitable[None]] | None = None,
) -> list[list[TurnOutcome]]:
    """Every conversation, `concurrency` at a time, in the given order."""
    connector = aiohttp.TCPConnector(limit=max(4, concurrency * 2))
    async with aiohttp.ClientSession(connector=connector) as http:
        if stack_ready is not None:
            await stack_ready(http)
        player = Player(http, bot_url, database)
        gate = asyncio.Semaphore(concurrency)
        done = 0

        async def one(conversation: Conversation) -> list[TurnOutcome]:
            nonlocal done
            async with gate:
                outcomes = await player.play(conversation)
            done += 1
            if done % 20 == 0 or done == len(conversations):
                print(f"  … {done}/{len(conversations)} conversations", file=sys.stderr)
            return outcomes

        return list(await asyncio.gather(*(one(c) for c in conversations)))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.eval_conversations",
        description="Joue les conversations de bench/conversations/ de bout en bout (web chat, "
        "vrai Rasa) et mesure chaque tour.",
    )
    parser.add_argument("--set", choices=(*SET_NAMES, "all"), default="all", dest="set_name")
    parser.add_argument("--only", default="", metavar="ID_PREFIX", help="ids qui commencent par")
    parser.add_argument("--json", type=Path, metavar="FILE", help="écrit tout le détail en JSON")
    parser.add_argument(
        "--failures", type=int, metavar="N", help="échecs affichés par jeu (tous par défaut)"
    )
    parser.add_argument(
        "--keep-stack-url", metavar="URL", help="un bot déjà lancé (sinon une pile jetable)"
    )
    parser.add_argument(
        "--database",
        type=Path,
        metavar="FILE",
        help="avec --keep-stack-url : sa base SQLite, pour les vérifications d'état",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="conversations à la fois (4)")
    return parser.parse_args(argv)


async def _check_running(http: aiohttp.ClientSession, bot_url: str) -> None:
    """A bot given by URL must answer /readyz with 200 (database and Rasa reachable)."""
    async with http.get(
        f"{bot_url.rstrip('/')}/readyz", timeout=aiohttp.ClientTimeout(total=10)
    ) as answer:
        if answer.status != 200:
            raise BenchError(f"{bot_url}/readyz answered HTTP {answer.status}")


def play_on_new_stack(
    playlist: Sequence[Conversation], concurrency: int, workdir: Path
) -> list[list[TurnOutcome]]:
    """Start the bot and Rasa (throwaway SQLite databases in `workdir`), play, stop them."""
    model = current_model()
    stack = start_stack(
        workdir,
        model,
        f"sqlite+aiosqlite:///{workdir / 'bot.db'}",
        f"sqlite:///{workdir / 'tracker.db'}",
        {"RASA_TIMEOUT": RASA_TIMEOUT_SECONDS},
    )
    try:
        print(f"pile lancée sur {stack.bot_url}, modèle {model.name}", file=sys.stderr)

        async def ready(http: aiohttp.ClientSession) -> None:
            await wait_ready(http, stack)

        return asyncio.run(play_all(playlist, stack.bot_url, stack.sqlite_path, concurrency, ready))
    finally:
        stop_stack(stack)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    set_names = SET_NAMES if args.set_name == "all" else (args.set_name,)
    sets, problems = load_sets(set_names)
    for problem in problems:
        print(f"conversation ignorée : {problem}", file=sys.stderr)
    sets = {
        name: [c for c in conversations if c.id.startswith(args.only)]
        for name, conversations in sets.items()
    }
    playlist = [c for name in set_names for c in sets[name]]
    if not playlist:
        print("eval_conversations : aucune conversation à jouer", file=sys.stderr)
        return 0
    started = time.monotonic()
    workdir: Path | None = None
    try:
        if args.keep_stack_url:
            if args.database is None:
                print(
                    "attention : sans --database, les vérifications d'état (urgence, "
                    "désinscription, effacement, rendez-vous) ne sont pas faites",
                    file=sys.stderr,
                )

            async def running(http: aiohttp.ClientSession) -> None:
                await _check_running(http, args.keep_stack_url)

            results = asyncio.run(
                play_all(playlist, args.keep_stack_url, args.database, args.concurrency, running)
            )
        else:
            workdir = Path(tempfile.mkdtemp(prefix="eval_conversations-"))
            results = play_on_new_stack(playlist, args.concurrency, workdir)
    except STACK_ERRORS as exc:
        print(f"eval_conversations : échec ({type(exc).__name__}: {exc})", file=sys.stderr)
        if workdir is not None:
            print(tail(workdir / "bot.log"), file=sys.stderr)
            print(tail(workdir / "var" / "log" / "rasa.log"), file=sys.stderr)
            print(f"(journaux conservés dans {workdir})", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    outcomes: dict[str, list[TurnOutcome]] = {name: [] for name in set_names}
    for conversation_outcomes in results:
        for outcome in conversation_outcomes:
            outcomes[outcome.conversation.set_name].append(outcome)
    print_report(outcomes, sets, args.failures, elapsed)
    if args.json:
        args.json.write_text(
            json.dumps(to_json(outcomes, sets, elapsed), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        print(f"détail écrit dans {args.json}")
    if workdir is not None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

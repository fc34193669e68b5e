"""Benchmark: how fast the Telegram and Instagram webhooks acknowledge, while Rasa is slow.

Both platforms resend what is not acknowledged quickly, so the webhook answers before the
message is processed. This runs the bot in-process with a fake Rasa that takes `--rasa-delay`
seconds per message and fake Telegram / Graph API servers on loopback, posts N signed updates
(one at a time, over 20 conversations) to each webhook, and prints p50/p99/max of the time to the
200, against the target of well under a second (200 ms at p99). It then waits until every reply
has left, and checks each message was answered exactly once. Reports; exit code 0 once it ran.

    .venv/bin/python -m bench.webhook_ack -n 200 [--rasa-delay 1.5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.channels.instagram.signature import HEADER as SIGNATURE_HEADER
from bot.channels.instagram.signature import sign as signature_of
from bot.channels.telegram import SECRET_HEADER, TELEGRAM
from bot.settings import load_settings
from bot.storage.migrate import upgrade
from tests.fake_graph import APP_SECRET, FakeGraphState, fake_graph_app, instagram_env
from tests.fake_graph import notification as ig_notification
from tests.fake_graph import text_event as ig_text
from tests.fake_rasa import FakeRasaState, fake_rasa_app
from tests.fake_telegram import TOKEN, FakeTelegramState, fake_telegram_app, text_update

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_P99 = 0.2
SECRET = "bench-webhook-secret-0123"  # noqa: S105 - a throwaway test secret
CONVERSATIONS = 20


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered),
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "max": ordered[-1],
    }


async def _serve(app: web.Application) -> TestServer:
    server = TestServer(app)
    await server.start_server()
    return server


async def run(count: int, rasa_delay: float) -> dict[str, object]:
    rasa, telegram, graph = FakeRasaState(delay=rasa_delay), FakeTelegramState(), FakeGraphState()
    servers = [
        await _serve(fake_rasa_app(rasa)),
        await _serve(fake_telegram_app(telegram)),
        await _serve(fake_graph_app(graph)),
    ]
    rasa_url, telegram_url, graph_url = (str(s.make_url("")).rstrip("/") for s in servers)
    with tempfile.TemporaryDirectory() as workdir:
        database = f"sqlite+aiosqlite:///{Path(workdir) / 'bench.db'}"
        await asyncio.to_thread(upgrade, database)  # Alembic runs its own event loop
        settings = load_settings(
            {
                "DATABASE_URL": database,
                "RASA_URL": rasa_url,
                "RASA_MANAGED": "0",
                "RASA_TIMEOUT": str(rasa_delay + 5),
                "DEMO": "1",
                # An acknowledgement bench, not a flood test: one sender sends many messages.
                "FLOOD_MESSAGES": "1000000/minute",
                "TELEGRAM_TOKEN": TOKEN,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "TELEGRAM_API_BASE_URL": f"{telegram_url}/bot",
                **instagram_env(graph_url),
            },
            project_dir=PROJECT_DIR,
        )
        client: TestClient[web.Request, web.Application] = TestClient(
            TestServer(create_app(settings))
        )
        await client.start_server()
        await asyncio.wait_for(client.app[TELEGRAM].ready.wait(), 10)
        acks: dict[str, list[float]] = {"telegram": [], "instagram": []}
        for i in range(count):
            chat = 500_000 + i % CONVERSATIONS
            started = time.perf_counter()
            response = await client.post(
                "/telegram/webhook",
                json=text_update(10_000 + i, chat, f"message {i}"),
                headers={SECRET_HEADER: SECRET},
            )
            acks["telegram"].append(time.perf_counter() - started)
            assert response.status == 200, response.status
            raw = json.dumps(ig_notification(ig_text(f"9{chat}", f"mid-{i}", f"message {i}")))
            started = time.perf_counter()
            response = await client.post(
                "/instagram/webhook",
                data=raw.encode(),
                headers={SIGNATURE_HEADER: signature_of(APP_SECRET, raw.encode())},
            )
            acks["instagram"].append(time.perf_counter() - started)
            assert response.status == 200, response.status
        started = time.perf_counter()
        expected = 2 * count  # the fake Rasa answers each message with two texts
        while len(telegram.of("sendMessage")) < expected or len(graph.calls) < expected:
            if time.perf_counter() - started > 120:
                break
            await asyncio.sleep(0.05)
        drained = time.perf_counter() - started
        await client.close()
    for server in servers:
        await server.close()
    return {
        "updates_per_channel": count,
        "rasa_delay_s": rasa_delay,
        "ack_s": {name: _percentiles(samples) for name, samples in acks.items()},
        "rasa_calls": len(rasa.received),
        "telegram_sent": len(telegram.of("sendMessage")),
        "instagram_sent": len(graph.calls),
        "all_replies_after_last_ack_s": round(drained, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_ack")
    parser.add_argument("-n", "--updates", type=int, default=200)
    parser.add_argument("--rasa-delay", type=float, default=1.5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.updates, args.rasa_delay))
    for name, figures in result["ack_s"].items():  # type: ignore[attr-defined]
        verdict = "OK" if figures["p99"] <= TARGET_P99 else "AU-DESSUS DE LA CIBLE"
        print(
            f"{name:<9} accusé de réception : p50 {figures['p50'] * 1000:.1f} ms, "
            f"p99 {figures['p99'] * 1000:.1f} ms, max {figures['max'] * 1000:.1f} ms "
            f"(cible p99 ≤ {TARGET_P99 * 1000:.0f} ms) {verdict}"
        )
    print(
        f"Rasa lent de {args.rasa_delay} s par message ; appels à Rasa : {result['rasa_calls']} "
        f"pour {2 * args.updates} messages ; réponses envoyées : Telegram "
        f"{result['telegram_sent']}, Instagram {result['instagram_sent']} (attendu "
        f"{2 * args.updates} chacun) ; toutes parties {result['all_replies_after_last_ack_s']} s "
        "après le dernier accusé"
    )
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

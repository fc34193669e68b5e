"""Command line: `python -m bot [serve|migrate|sources|appointments|staff]` (logging set up once
here)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aiohttp import web
from dotenv import dotenv_values

from bot.app import create_app
from bot.booking import cli as booking_cli
from bot.console import accounts
from bot.console import cli as staff_cli
from bot.core.ports import SystemClock
from bot.errors import ConfigError
from bot.http.middleware import PrivateAccessLogger
from bot.outreach import cli as outreach_cli
from bot.settings import Settings, load_settings
from bot.storage import staff as staff_store
from bot.storage.migrate import upgrade
from bot.wiring import SESSIONS

logger = logging.getLogger("bot")


def _environment() -> dict[str, str]:
    """Process environment over the optional .env file."""
    values = {k: v for k, v in dotenv_values(Path.cwd() / ".env").items() if v is not None}
    values.update(os.environ)
    return values


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    # httpx logs full URLs, which would carry a Telegram token; our own lines are enough.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler notes every run of the reminder sweep (each minute): only problems are kept.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def _serve(settings: Settings, environ: dict[str, str]) -> None:
    app = create_app(settings, environ=environ)

    async def announce(_: web.Application) -> None:
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"\n  Chat des jeunes : {base}/\n  Console des conseillers : {base}/console/\n"
            f"  État du service : {base}/readyz\n"
            f"  (Rasa démarre en 20 à 60 s ; d'ici là, le chat répond par un message d'excuse.)\n",
            flush=True,
        )
        if settings.demo:
            async with app[SESSIONS]() as session, session.begin():
                password = await accounts.demo_account_password(session, SystemClock().now())
            print(
                f"  Compte de démonstration de la console : {accounts.DEMO_EMAIL}\n"
                f"    mot de passe (nouveau à chaque démarrage) : {password}\n",
                flush=True,
            )
        else:
            async with app[SESSIONS]() as session:
                nobody = not await staff_store.all_accounts(session)
            if nobody:
                print(
                    "  Aucun compte pour la console. Le premier admin :\n"
                    "    echo 'une phrase de passe' | .venv/bin/python -m bot staff add "
                    'chef@exemple.fr --name "Prénom Nom" --role admin\n',
                    flush=True,
                )
        if settings.demo and not settings.staff_token_configured:
            print(
                f"  API équipe ({base}/api/staff/sources) : jeton de cette session :\n"
                f"    {settings.staff_token}\n"
                "  (mets STAFF_API_TOKEN dans .env pour le garder)\n",
                flush=True,
            )

    app.on_startup.append(announce)
    web.run_app(
        app,
        host=settings.host,
        port=settings.port,
        access_log_class=PrivateAccessLogger,
        print=None,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bot")
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "migrate", "sources", "appointments", "staff"],
    )
    args = parser.parse_args(argv[:1])
    environ = _environment()
    try:
        settings = load_settings(environ)
    except ConfigError as exc:
        print(f"Configuration invalide : {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    if args.command == "sources":
        return outreach_cli.main(argv[1:], settings)
    if args.command == "appointments":
        return booking_cli.main(argv[1:], settings)
    if args.command == "staff":
        return staff_cli.main(argv[1:], settings)
    if argv[1:]:
        parser.error(f"unexpected arguments: {' '.join(argv[1:])}")
    if args.command == "migrate":
        upgrade(settings.database_url)
        logger.info("database schema up to date")
        return 0
    _serve(settings, environ)
    return 0


if __name__ == "__main__":
    sys.exit(main())

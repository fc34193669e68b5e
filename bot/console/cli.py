"""`python -m bot staff add|list|disable`: staff accounts from the command line (the first admin,
scripts). The password is read from standard input, never from the command line."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.console import accounts
from bot.core.ports import SystemClock
from bot.core.vocabulary import AuditAction, StaffRole
from bot.errors import StaffAccountError
from bot.settings import Settings
from bot.storage import audit
from bot.storage import staff as store
from bot.storage.commands import run_command
from bot.storage.database import create_engine, create_session_factory

# Who the audit log names for a change made on the server's command line.
CLI = "ligne de commande"
ROLE_LABELS = {
    StaffRole.COUNSELLOR: "conseiller",
    StaffRole.CAMPAIGN: "campagnes",
    StaffRole.ADMIN: "admin",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot staff", description="Comptes de l'équipe (console des conseillers)."
    )
    commands = root.add_subparsers(dest="action", required=True)
    add = commands.add_parser("add", help="créer un compte (mot de passe lu sur l'entrée standard)")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="nom affiché, ex. « Samia B. »")
    add.add_argument("--role", required=True, choices=[role.value for role in StaffRole])
    add.add_argument("--counsellor-id", type=int, help="la fiche conseiller (rôle counsellor)")
    commands.add_parser("list", help="les comptes")
    disable = commands.add_parser("disable", help="désactiver un compte (ses sessions se ferment)")
    disable.add_argument("email")
    return root


def main(
    argv: list[str], settings: Settings, out: TextIO | None = None, stdin: TextIO | None = None
) -> int:
    """Run one command; 0 done, 1 database not ready, 2 bad input (argparse exits with 2 too)."""
    args = parser().parse_args(argv)
    return run_command(
        _run(
            args,
            settings,
            sys.stdout if out is None else out,
            sys.stdin if stdin is None else stdin,
        )
    )


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO, stdin: TextIO) -> int:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    now = SystemClock().now()
    try:
        async with sessions() as session, session.begin():
            if args.action == "add":
                password = stdin.readline().rstrip("\r\n")
                try:
                    account = await accounts.create_account(
                        session,
                        email=args.email,
                        name=args.name,
                        role=StaffRole(args.role),
                        password=password,
                        now=now,
                        counsellor_id=args.counsellor_id,
                    )
                except StaffAccountError as error:
                    print(f"Impossible : {error}.", file=sys.stderr)
                    return 2
                await audit.record(
                    session, at=now, action=AuditAction.ACCOUNT_CREATE, staff=CLI, target=account
                )
                print(
                    f"Compte créé : {account.email} ({ROLE_LABELS[StaffRole(account.role)]}).",
                    file=out,
                )
                return 0
            if args.action == "disable":
                target = await store.account_by_email(session, accounts.normalize_email(args.email))
                if not await accounts.disable(session, args.email, now):
                    print(f"Aucun compte {args.email}.", file=sys.stderr)
                    return 2
                await audit.record(
                    session, at=now, action=AuditAction.ACCOUNT_CHANGE, staff=CLI, target=target
                )
                print(f"Compte {args.email} désactivé : ses sessions sont fermées.", file=out)
                return 0
            for account in await store.all_accounts(session):
                state = "actif" if account.active else "désactivé"
                label = ROLE_LABELS[StaffRole(account.role)]
                print(f"{account.email:<40} {account.name:<24} {label:<11} {state}", file=out)
            return 0
    finally:
        await engine.dispose()

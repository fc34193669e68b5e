"""`python -m bot sources …`: the registry of outreach actions, their links, QR codes and figures.

Staff run these on the server (the console will show the same later). Output is French.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from bot.core.ports import SystemClock
from bot.core.vocabulary import SourceKind
from bot.outreach import qr
from bot.outreach.links import Target, links_for
from bot.outreach.report import figures_json
from bot.settings import Settings
from bot.storage import sources
from bot.storage.commands import run_command
from bot.storage.database import create_engine, create_session_factory

KIND_LABELS = {
    "poster": "affiche",
    "flyer": "flyer",
    SourceKind.PERMANENCE: "permanence",
    "snapchat": "Snapchat",
    "instagram": "Instagram",
    "partner": "partenaire",
    "event": "événement",
    "website": "site web",
    "other": "autre",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot sources", description="Actions de repérage et jeunes venus par chacune."
    )
    commands = root.add_subparsers(dest="action", required=True)
    add = commands.add_parser("add", help="enregistrer une action (affiche, flyer, story…)")
    add.add_argument(
        "code", help="code court : minuscules, chiffres, - ou _ (ex. boulangerie-gare)"
    )
    add.add_argument("label", help="description, ex. « Affiche boulangerie de la gare »")
    add.add_argument("--kind", choices=list(SourceKind), default=SourceKind.OTHER)
    listing = commands.add_parser("list", help="les actions et les jeunes venus par chacune")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    archive = commands.add_parser(
        "archive", help="ne plus compter de nouveaux jeunes pour une action"
    )
    archive.add_argument("code")
    links = commands.add_parser("links", help="les liens à diffuser pour une action")
    links.add_argument("code")
    code = commands.add_parser("qr", help="QR code imprimable (PNG et SVG) d'une action")
    code.add_argument("code")
    code.add_argument("--target", choices=[t.value for t in Target], default=Target.WEBCHAT.value)
    code.add_argument("--out", type=Path, help="dossier de sortie (par défaut var/qr/)")
    return root


def main(argv: list[str], settings: Settings, out: TextIO | None = None) -> int:
    """Run one command; 0 done, 1 database not ready, 2 bad input (argparse exits with 2 too)."""
    args = parser().parse_args(argv)
    return run_command(_run(args, settings, sys.stdout if out is None else out))


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    now = SystemClock().now()
    try:
        async with sessions() as session, session.begin():
            if args.action == "add":
                try:
                    source = await sources.add_source(
                        session, args.code, args.label, args.kind, now
                    )
                except sources.InvalidSource as error:
                    print(f"Impossible : {error}.", file=sys.stderr)
                    return 2
                print(
                    f"Action « {source.label} » enregistrée avec le code {source.code}.", file=out
                )
                _print_links(settings, source.code, out)
                return 0
            if args.action == "archive":
                if not await sources.archive_source(session, args.code, now):
                    return _unknown(args.code)
                print(f"Action {args.code} archivée : ses chiffres restent.", file=out)
                return 0
            if args.action == "list":
                figures = await sources.figures(session)
                if args.json:
                    json.dump(
                        [figures_json(settings, f) for f in figures],
                        out,
                        ensure_ascii=False,
                        indent=2,
                    )
                    print(file=out)
                else:
                    _print_table(figures, out)
                return 0
            found = await sources.find_source(session, args.code)
            if found is None:
                return _unknown(args.code)
            if args.action == "links":
                _print_links(settings, found.code, out)
                return 0
            target = Target(args.target)
            link = links_for(settings, found.code).of(target)
            if link is None:
                print(
                    f"Pas de lien {target.value} : ce canal n'est pas configuré.", file=sys.stderr
                )
                return 2
            png_path, svg_path = qr.write_files(
                link, args.out or settings.var_dir / "qr", f"{found.code}-{target.value}"
            )
            print(f"QR code de {link}\n  {png_path}\n  {svg_path}", file=out)
            return 0
    finally:
        await engine.dispose()


def _unknown(code: str) -> int:
    print(
        f"Aucune action avec le code {code} (voir `python -m bot sources list`).", file=sys.stderr
    )
    return 2


def _print_links(settings: Settings, code: str, out: TextIO) -> None:
    links = links_for(settings, code)
    print(f"  Chat web : {links.webchat}", file=out)
    print(f"  Telegram : {links.telegram or '(TELEGRAM_BOT_USERNAME non configuré)'}", file=out)
    print(f"  Instagram : {links.instagram or '(INSTAGRAM_USERNAME non configuré)'}", file=out)


def _print_table(figures: list[sources.SourceFigures], out: TextIO) -> None:
    if not figures:
        print("Aucune action enregistrée : `python -m bot sources add <code> <libellé>`.", file=out)
        return
    # « avec rdv »: young people who booked an appointment (any status); « présents »: who came.
    print(
        f"{'code':<24} {'type':<11} {'jeunes':>6} {'avec rdv':>8} {'présents':>8}  "
        f"par canal{'':<17} libellé",
        file=out,
    )
    for f in figures:
        channels = ", ".join(f"{name} {count}" for name, count in f.by_channel.items()) or "—"
        state = "" if f.active else " (archivée)"
        print(
            f"{f.code:<24} {KIND_LABELS[f.kind]:<11} {f.contacts:>6} "
            f"{f.appointments_booked:>8} {f.appointments_attended:>8}  {channels:<26} "
            f"{f.label}{state}",
            file=out,
        )

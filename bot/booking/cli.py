"""`python -m bot appointments …`: the agenda of the coming days, and who came or not.

Counsellors run these on the server (the console will do the same later). Output is French.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TextIO

from bot.booking import staff_view
from bot.booking.wording import clock_time, local, timezone_of
from bot.core.french_dates import SHORT_WEEKDAYS
from bot.core.ports import Clock, SystemClock
from bot.core.vocabulary import AppointmentStatus
from bot.errors import AppointmentNotFound, OutcomeRefused
from bot.settings import Settings
from bot.storage import staff_agenda
from bot.storage.commands import run_command
from bot.storage.database import create_engine, create_session_factory
from bot.storage.models import Appointment

OUTCOME_LABELS: dict[str, str] = {
    AppointmentStatus.ATTENDED: "venu·e",
    AppointmentStatus.MISSED: "absent·e",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m bot appointments",
        description="Rendez-vous des jeunes : agenda, et qui est venu ou non.",
    )
    commands = root.add_subparsers(dest="action", required=True)
    listing = commands.add_parser(
        "list", help="les rendez-vous (par défaut : aujourd'hui et les 7 jours suivants)"
    )
    listing.add_argument("--from", dest="first", metavar="AAAA-MM-JJ", help="premier jour")
    listing.add_argument("--to", dest="last", metavar="AAAA-MM-JJ", help="dernier jour (inclus)")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    mark = commands.add_parser("mark", help="noter qu'un jeune est venu ou non")
    mark.add_argument("id", type=int, help="numéro du rendez-vous (voir `list`)")
    mark.add_argument(
        "outcome", choices=staff_agenda.OUTCOMES, help="attended : venu·e ; missed : absent·e"
    )
    return root


def main(
    argv: list[str], settings: Settings, out: TextIO | None = None, clock: Clock | None = None
) -> int:
    """Run one command; 0 done, 1 database not ready, 2 refused (argparse exits with 2 too)."""
    args = parser().parse_args(argv)
    now = (clock or SystemClock()).now()
    return run_command(_run(args, settings, sys.stdout if out is None else out, now))


async def _run(args: argparse.Namespace, settings: Settings, out: TextIO, now: datetime) -> int:
    engine = create_engine(settings.database_url)
    sessions = create_session_factory(engine)
    try:
        if args.action == "list":
            try:
                first, last = staff_view.days_asked(args.first, args.last, now)
            except staff_view.InvalidDays as error:
                print(f"Impossible : {error}", file=sys.stderr)
                return 2
            async with sessions() as session:
                found = await staff_view.appointments_on_days(session, first, last)
            if args.json:
                json.dump(
                    [staff_view.appointment_json(a) for a in found],
                    out,
                    ensure_ascii=False,
                    indent=2,
                )
                print(file=out)
            else:
                _print_table(found, first.isoformat(), last.isoformat(), out)
            return 0
        try:
            async with sessions() as session, session.begin():
                appointment = await staff_agenda.set_outcome(session, args.id, args.outcome, now)
        except AppointmentNotFound:
            print(f"Aucun rendez-vous n° {args.id} (voir `list`).", file=sys.stderr)
            return 2
        except OutcomeRefused as error:
            print(f"Impossible : {staff_view.OUTCOME_REFUSALS[error.reason]}", file=sys.stderr)
            return 2
        print(
            f"Rendez-vous n° {appointment.id} ({staff_view.first_name_label(appointment)}) noté : "
            f"{OUTCOME_LABELS[appointment.status]}.",
            file=out,
        )
        return 0
    finally:
        await engine.dispose()


def _when(appointment: Appointment) -> str:
    zone = timezone_of(appointment)
    start, end = local(appointment.starts_at, zone), local(appointment.ends_at, zone)
    return f"{SHORT_WEEKDAYS[start.weekday()]} {start:%d/%m} {clock_time(start)}-{clock_time(end)}"


def _print_table(found: list[Appointment], first: str, last: str, out: TextIO) -> None:
    if not found:
        print(f"Aucun rendez-vous du {first} au {last}.", file=out)
        return
    print(
        f"{'n°':>5}  {'quand (heure du lieu)':<22} {'type':<10} {'lieu':<28} {'avec':<12} "
        f"{'statut':<9} {'prénom':<14} téléphone",
        file=out,
    )
    for a in found:
        print(
            f"{a.id:>5}  {_when(a):<22} {staff_view.KIND_LABELS[a.kind]:<10} "
            f"{staff_view.place_label(a)[:28]:<28} {a.counsellor.display_name[:12]:<12} "
            f"{staff_view.STATUS_LABELS[a.status]:<9} {staff_view.first_name_label(a)[:14]:<14} "
            f"{a.phone or '—'}",
            file=out,
        )

"""The supply-chain audit (#12): every pin of bot.lock and rasa.lock (plus rasa and rasa-sdk,
installed apart) checked by pip-audit against a vulnerability database.

Known vulnerabilities that cannot be fixed yet (Rasa 3.6 pins old libraries) are listed, each
with its justification, in requirements/audit-ignore.toml, reviewed by a person; any other one
fails the build. An entry that no longer matches anything is reported, to be removed.

When the vulnerability data cannot be reached (no network, the service down), pip-audit marks
each package « could not be audited » and exits 0: that is no proof of safety, so this script
says plainly that nothing was checked. It then fails with AUDIT_STRICT=1 (CI with network
access) and passes with a warning otherwise (offline machines, where the rest of `make test`
must still run). AUDIT_SERVICE=osv|pypi chooses the database (default pypi); AUDIT_OSV_URL
points OSV queries at a mirror reachable from a closed network.

    .venv-audit/bin/python requirements/audit.py [--pip-audit PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LOCKS = (HERE / "bot.lock", HERE / "rasa.lock")
IGNORE_FILE = HERE / "audit-ignore.toml"
# Installed with --no-deps next to rasa.lock (see the Makefile): audited too.
EXTRA_PINS = ("rasa==3.6.21", "rasa-sdk==3.6.2")


@dataclass(frozen=True, slots=True)
class Finding:
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def names(self) -> frozenset[str]:
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True, slots=True)
class Ignored:
    id: str
    package: str
    reason: str
    reviewed: str


@dataclass(slots=True)
class Verdict:
    audited: int = 0
    unaudited: list[str] = field(default_factory=list)
    new: list[Finding] = field(default_factory=list)
    known: list[tuple[Finding, Ignored]] = field(default_factory=list)
    stale: list[Ignored] = field(default_factory=list)

    def failed(self, strict: bool) -> bool:
        return bool(self.new) or (strict and bool(self.unaudited))


def load_ignored(path: Path = IGNORE_FILE) -> list[Ignored]:
    """The reviewed exceptions; each must say which package, why, and when it was reviewed."""
    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    entries = []
    for raw in data.get("ignore", []):
        missing = [k for k in ("id", "package", "reason", "reviewed") if not raw.get(k)]
        if missing:
            raise ValueError(f"{path.name}: an entry lacks {', '.join(missing)}: {raw!r}")
        entries.append(Ignored(raw["id"], raw["package"].lower(), raw["reason"], raw["reviewed"]))
    return entries


def findings(report: Mapping[str, Any]) -> tuple[list[Finding], list[str], int]:
    """pip-audit's JSON: the vulnerabilities, the packages it could not audit, and how many it
    did."""
    found, unaudited, audited = [], [], 0
    for dependency in report.get("dependencies", []):
        name = str(dependency.get("name", "?")).lower()
        if dependency.get("skip_reason"):
            unaudited.append(name)
            continue
        audited += 1
        for vuln in dependency.get("vulns", []):
            found.append(
                Finding(
                    package=name,
                    version=str(dependency.get("version", "?")),
                    id=str(vuln["id"]),
                    aliases=tuple(str(a) for a in vuln.get("aliases", [])),
                    fix_versions=tuple(str(v) for v in vuln.get("fix_versions", [])),
                )
            )
    return found, unaudited, audited


def judge(reports: Iterable[Mapping[str, Any]], ignored: Sequence[Ignored]) -> Verdict:
    verdict = Verdict()
    used: set[int] = set()
    for report in reports:
        found, unaudited, audited = findings(report)
        verdict.audited += audited
        verdict.unaudited.extend(unaudited)
        for finding in found:
            match = next(
                (
                    (i, entry)
                    for i, entry in enumerate(ignored)
                    if entry.package == finding.package and entry.id in finding.names()
                ),
                None,
            )
            if match is None:
                verdict.new.append(finding)
            else:
                used.add(match[0])
                verdict.known.append((finding, match[1]))
    if not verdict.unaudited:  # only a complete audit can tell an entry is stale
        verdict.stale = [entry for i, entry in enumerate(ignored) if i not in used]
    return verdict


def run_pip_audit(pip_audit: str, requirements: Path, env: Mapping[str, str]) -> dict[str, Any]:
    command = [
        pip_audit,
        "--requirement",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        env.get("AUDIT_SERVICE", "pypi"),
        "--timeout",
        "20",
    ]
    if env.get("AUDIT_OSV_URL"):
        command += ["--osv-url", env["AUDIT_OSV_URL"]]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (our own argv)
    try:
        return dict(json.loads(done.stdout))
    except ValueError:
        # The service could not be reached at all: nothing of this file was audited.
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"pip-audit n'a pas pu interroger la base ({last[:200]})", file=sys.stderr)
        names = [
            line.split("==")[0].strip()
            for line in requirements.read_text().splitlines()
            if "==" in line and not line.lstrip().startswith("#")
        ]
        return {"dependencies": [{"name": n, "skip_reason": "unreachable"} for n in names]}


def without_hashes(lock: Path, extra: Sequence[str], folder: Path) -> Path:
    """The lock's pins (and the extra ones), one per line, for `pip-audit --no-deps`."""
    pins = [
        line.split(";")[0].split(" ")[0].strip()
        for line in lock.read_text().splitlines()
        if "==" in line and not line.lstrip().startswith(("#", "-"))
    ]
    path = folder / f"{lock.stem}.txt"
    path.write_text("\n".join([*pins, *extra]) + "\n")
    return path


def describe(verdict: Verdict, strict: bool) -> list[str]:
    lines = []
    for finding in verdict.new:
        fix = ", ".join(finding.fix_versions) or "aucune version corrigée connue"
        lines.append(
            f"NOUVELLE vulnérabilité : {finding.package} {finding.version} {finding.id} "
            f"(corrigée dans : {fix}) — mettre à jour, ou la justifier dans {IGNORE_FILE.name}"
        )
    for finding, entry in verdict.known:
        lines.append(
            f"connue et acceptée : {finding.package} {finding.version} {finding.id} "
            f"(revue le {entry.reviewed})"
        )
    for entry in verdict.stale:
        lines.append(f"exception devenue inutile : {entry.package} {entry.id} — à retirer")
    if verdict.unaudited:
        lines.append(
            f"NON VÉRIFIÉ : {len(verdict.unaudited)} paquets sur "
            f"{len(verdict.unaudited) + verdict.audited} n'ont pas pu être audités (base de "
            "vulnérabilités injoignable) : ceci ne prouve PAS l'absence de failles"
            + ("." if strict else " (AUDIT_STRICT=1 en fait un échec).")
        )
    lines.append(
        f"audit : {verdict.audited} paquets vérifiés, {len(verdict.new)} nouvelles failles, "
        f"{len(verdict.known)} acceptées, {len(verdict.unaudited)} non vérifiés"
    )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip-audit", default=str(Path(sys.executable).parent / "pip-audit"))
    args = parser.parse_args(argv)
    env = dict(os.environ)
    strict = env.get("AUDIT_STRICT", "") in {"1", "true", "yes"}
    ignored = load_ignored()
    with tempfile.TemporaryDirectory() as folder:
        reports = [
            run_pip_audit(
                args.pip_audit,
                without_hashes(lock, EXTRA_PINS if lock.stem == "rasa" else (), Path(folder)),
                env,
            )
            for lock in LOCKS
        ]
    verdict = judge(reports, ignored)
    for line in describe(verdict, strict):
        print(line)
    return 1 if verdict.failed(strict) else 0


if __name__ == "__main__":
    sys.exit(main())

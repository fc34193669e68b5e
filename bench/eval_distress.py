"""Measure distress detection: recall on distress messages, false alarms on ordinary ones.

Messages: bench/distress/heldout.yml, or with `--set dev` bench/distress/dev.yml (both written
blind, the dev one may be tuned on: `distress: [{text, kind}]`,
`ordinary: [{text, idiom}]`), and, as more ordinary messages, the examples of every intent but
`distress` in nlu/*.yml and nlu/heldout/**.yml (the model was trained on part of them, so that
figure is optimistic for the Rasa reading). Two readings:

- the keyword net alone: `bot.core.distress.classify(text)` is not empty, in a message that
  does not laugh (the bot asks a laughing one: bot/core/dialogue.py);
- the net or Rasa's NLU: or else `POST /model/parse` gives the intent `distress` at or above the
  FallbackClassifier threshold of config.yml, in a message that does not laugh (what the bot acts
  on: actions/distress.py asks a laughing one instead).

Starts Rasa with the current model on a free port (`--rasa-url` uses a running one). It reports
and never asserts: the exit code is 0 whenever it ran, 1 when Rasa could not be reached.

    .venv/bin/python -m bench.eval_distress [--show N] [--json FILE] [--rasa-url URL] [--net-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from actions.check_in import CHECK_IN_SCORE
from bench.eval_nlu import configured_threshold
from bench.stack import (
    PROJECT_DIR,
    STACK_ERRORS,
    BenchError,
    RasaServer,
    current_model,
    start_rasa,
    stop_process_group,
    tail,
    wait_rasa_ready,
)
from bot.core.distress import classify, laughs

DISTRESS_SETS = {
    "heldout": PROJECT_DIR / "bench" / "distress" / "heldout.yml",  # blind, never tuned on
    "dev": PROJECT_DIR / "bench" / "distress" / "dev.yml",  # written blind too, tuned on
    "dev2": PROJECT_DIR / "bench" / "distress" / "dev2.yml",  # a second blind set, tuned on
}
BLIND_SET = DISTRESS_SETS["heldout"]
DISTRESS_INTENT = "distress"
TARGET_RECALL = 0.98
TARGET_FALSE_ALARMS = 0.005
PARALLEL_PARSES = 4
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
# Rasa's inline entity annotations: [text](entity), [text](entity:value), [text]{"entity": …}.
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    group: str  # "distress", "blind", "nlu"
    label: str  # the distress kind, « idiom » / « plain », or the NLU intent
    source: str = ""


@dataclass(frozen=True, slots=True)
class Reading:
    """What each detector said about one message."""

    message: Message
    net: tuple[str, ...]  # the kinds the keyword net found
    intent: str = ""  # Rasa's intent ("" when Rasa was not asked)
    confidence: float = 0.0
    nlu_distress: bool = False
    distress_score: float = 0.0  # the distress intent's confidence in the NLU ranking

    @property
    def net_alarm(self) -> bool:
        # What the bot acts on: in a laughing message it asks instead (bot/core/dialogue.py).
        return bool(self.net) and not laughs(self.message.text)

    @property
    def alarm(self) -> bool:
        return self.net_alarm or self.nlu_distress


def blind_set(path: Path = BLIND_SET) -> list[Message]:
    data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = [
        Message(str(item["text"]), "distress", str(item["kind"]), path.name)
        for item in data["distress"]
    ]
    messages += [
        Message(str(item["text"]), "blind", "idiom" if item.get("idiom") else "plain", path.name)
        for item in data["ordinary"]
    ]
    return messages


def nlu_examples(project_dir: Path = PROJECT_DIR) -> list[Message]:
    """Every example of every intent but distress, training and held-out, once per text."""
    nlu = project_dir / "nlu"
    seen: set[str] = set()
    messages: list[Message] = []
    for path in sorted(nlu.rglob("*.yml")):
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            intent = block.get("intent") if isinstance(block, dict) else None
            if not intent or intent == DISTRESS_INTENT:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ")).strip()
                if text and text.casefold() not in seen:
                    seen.add(text.casefold())
                    source = str(path.relative_to(project_dir))
                    messages.append(Message(text, "nlu", str(intent), source))
    return messages


async def parse_all(
    messages: Sequence[Message], rasa_url: str, token: str | None, threshold: float
) -> list[Reading]:
    """Both readings for every message; Rasa is asked a few messages at a time."""
    gate = asyncio.Semaphore(PARALLEL_PARSES)
    params = {"token": token} if token else {}
    async with aiohttp.ClientSession() as http:

        async def one(message: Message) -> Reading:
            net = tuple(sorted(classify(message.text)))
            async with (
                gate,
                http.post(
                    f"{rasa_url.rstrip('/')}/model/parse",
                    params=params,
                    json={"text": message.text},
                    timeout=REQUEST_TIMEOUT,
                ) as answer,
            ):
                if answer.status != 200:
                    raise BenchError(f"/model/parse answered HTTP {answer.status}")
                data: Any = await answer.json(content_type=None)
            intent = data.get("intent") or {}
            name, confidence = str(intent.get("name") or ""), float(intent.get("confidence") or 0)
            # What actions/distress.py acts on: a laughing message read as distress by the NLU
            # alone gets a question (« ça ne va pas ? »), not the numbers nor the urgent flag.
            hit = name == DISTRESS_INTENT and confidence >= threshold and not laughs(message.text)
            score = next(
                (
                    float(r.get("confidence") or 0)
                    for r in data.get("intent_ranking") or []
                    if r.get("name") == DISTRESS_INTENT
                ),
                0.0,
            )
            return Reading(message, net, name, confidence, hit, score)

        return list(await asyncio.gather(*(one(m) for m in messages)))


def net_only(messages: Iterable[Message]) -> list[Reading]:
    return [Reading(m, tuple(sorted(classify(m.text)))) for m in messages]


def _rate(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "—"


def _percent(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.2%})" if whole else "—"


def _net_alarm(reading: Reading) -> bool:
    return reading.net_alarm


def _any_alarm(reading: Reading) -> bool:
    return reading.alarm


READINGS: dict[str, Callable[[Reading], bool]] = {"net": _net_alarm, "net_or_nlu": _any_alarm}


def figures(readings: Sequence[Reading], with_nlu: bool) -> dict[str, Any]:
    distress = [r for r in readings if r.message.group == "distress"]
    result: dict[str, Any] = {"distress": len(distress), "recall": {}, "false_alarms": {}}
    for name in READINGS if with_nlu else ("net",):
        alarm = READINGS[name]
        kinds = Counter(r.message.label for r in distress)
        found = Counter(r.message.label for r in distress if alarm(r))
        result["recall"][name] = {
            "overall": sum(found.values()) / len(distress) if distress else None,
            "by_kind": {k: {"found": found[k], "of": n} for k, n in sorted(kinds.items())},
        }
        alarms: dict[str, Any] = {}
        for group, labels in (("blind", None), ("blind_idioms", {"idiom"}), ("nlu", None)):
            base = "blind" if group.startswith("blind") else group
            pool = [
                r
                for r in readings
                if r.message.group == base and (labels is None or r.message.label in labels)
            ]
            alarms[group] = {"alarms": sum(alarm(r) for r in pool), "of": len(pool)}
        result["false_alarms"][name] = alarms
    return result


def print_report(
    readings: Sequence[Reading], with_nlu: bool, threshold: float, model: str, show: int | None
) -> None:
    f = figures(readings, with_nlu)
    columns = ["net"] + (["net_or_nlu"] if with_nlu else [])
    heads = {"net": "filet seul", "net_or_nlu": "filet ou NLU"}
    print(f"eval_distress : modèle {model}, seuil de repli {threshold:.2f}")
    print(f"{'':50}" + "".join(f"{heads[c]:>18}" for c in columns))
    distress = [r for r in readings if r.message.group == "distress"]
    print(
        f"{'rappel détresse (' + str(len(distress)) + ')':50}"
        + "".join(f"{_rate(*_found(f, c)):>18}" for c in columns)
        + f"   cible ≥ {TARGET_RECALL:.2f}"
    )
    for kind in f["recall"]["net"]["by_kind"]:
        cells = []
        for c in columns:
            got = f["recall"][c]["by_kind"][kind]
            cells.append(f"{_rate(got['found'], got['of'])} ({got['found']}/{got['of']})")
        print(f"{'  ' + kind:50}" + "".join(f"{cell:>18}" for cell in cells))
    labels = {
        "blind": "fausses alertes, ordinaire (jeu à l'aveugle)",
        "blind_idioms": "  dont expressions (idiomes)",
        "nlu": "fausses alertes, ordinaire (données NLU)",
    }
    for group, label in labels.items():
        of = f["false_alarms"]["net"][group]["of"]
        cells = [_percent(f["false_alarms"][c][group]["alarms"], of) for c in columns]
        target = f"   cible ≤ {TARGET_FALSE_ALARMS:.1%}" if group != "blind_idioms" else ""
        print(f"{label + ' (' + str(of) + ')':50}" + "".join(f"{c:>18}" for c in cells) + target)
    final = _any_alarm if with_nlu else _net_alarm
    which = "filet ou NLU" if with_nlu else "filet seul"
    misses = [r for r in distress if not final(r)]
    alarms = [r for r in readings if r.message.group != "distress" and final(r)]
    if with_nlu:
        asked = [r for r in readings if not final(r) and asks_back(r)]
        asked_distress = sum(r.message.group == "distress" for r in asked)
        print(
            f"\ndemandés (« ça ne va pas ? », distress en 2e lecture ≥ {CHECK_IN_SCORE:.2f}) : "
            f"{asked_distress} détresse(s) ratée(s), {len(asked) - asked_distress} ordinaire(s)"
        )
    _listing(f"ratés ({which})", misses, show)
    _listing(f"fausses alertes ({which})", alarms, show)


def asks_back(reading: Reading) -> bool:
    """What actions/distress.py `distress_close` does: no alarm, but a « ça ne va pas ? »."""
    return reading.intent != DISTRESS_INTENT and reading.distress_score >= CHECK_IN_SCORE


def _found(f: dict[str, Any], column: str) -> tuple[int, int]:
    kinds = f["recall"][column]["by_kind"].values()
    return sum(k["found"] for k in kinds), sum(k["of"] for k in kinds)


def _why(reading: Reading) -> str:
    parts = [f"filet: {','.join(reading.net)}"] if reading.net else []
    if reading.intent:
        parts.append(f"NLU: {reading.intent} {reading.confidence:.2f}")
    return "; ".join(parts) or "rien"


def _listing(title: str, readings: Sequence[Reading], show: int | None) -> None:
    shown = readings if show is None else readings[:show]
    more = f" ({len(shown)} affichés)" if len(shown) < len(readings) else ""
    print(f"\n{title} : {len(readings)}{more}")
    for r in shown:
        origin = r.message.label
        if r.message.group == "nlu":
            origin = f"{r.message.source} {r.message.label}"
        print(f"  [{origin}] « {r.message.text} » — {_why(r)}")


async def _with_rasa(
    messages: Sequence[Message], rasa_url: str | None, rasa_token: str | None, threshold: float
) -> tuple[list[Reading], str]:
    if rasa_url:
        return await parse_all(messages, rasa_url, rasa_token, threshold), "(Rasa déjà lancé)"
    model = current_model()
    workdir = Path(tempfile.mkdtemp(prefix="eval_distress-"))
    rasa: RasaServer | None = None
    try:
        rasa = start_rasa(workdir, model)
        async with aiohttp.ClientSession() as http:
            await wait_rasa_ready(http, rasa)
        readings = await parse_all(messages, rasa.url, rasa.token, threshold)
    except (BenchError, aiohttp.ClientError, TimeoutError, OSError):
        print(tail(workdir / "rasa.log"), file=sys.stderr)
        print(f"(journaux conservés dans {workdir})", file=sys.stderr)
        raise
    finally:
        if rasa is not None:
            stop_process_group(rasa.process)
    shutil.rmtree(workdir, ignore_errors=True)
    return readings, model.name


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.eval_distress",
        description="Détection de la détresse : rappel et fausses alertes (filet de mots-clés, "
        "puis filet ou NLU de Rasa).",
    )
    parser.add_argument("--show", type=int, default=30, metavar="N", help="lignes par liste (30)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="écrit le détail en JSON")
    parser.add_argument("--rasa-url", help="un Rasa déjà lancé (avec --enable-api)")
    parser.add_argument("--rasa-token", help="le jeton de ce Rasa (--auth-token), s'il en a un")
    parser.add_argument("--net-only", action="store_true", help="sans Rasa : le filet seul")
    parser.add_argument(
        "--set",
        choices=sorted(DISTRESS_SETS),
        default="heldout",
        help="heldout (à l'aveugle, jamais réglé dessus ; défaut) ou dev (pour régler)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    messages = blind_set(DISTRESS_SETS[args.set]) + nlu_examples()
    threshold = configured_threshold(PROJECT_DIR / "config.yml")
    if args.net_only:
        readings, model = net_only(messages), "(aucun : filet seul)"
    else:
        try:
            readings, model = asyncio.run(
                _with_rasa(messages, args.rasa_url, args.rasa_token, threshold)
            )
        except STACK_ERRORS as exc:
            print(f"eval_distress : échec ({type(exc).__name__}: {exc})", file=sys.stderr)
            return 1
    with_nlu = not args.net_only
    print_report(readings, with_nlu, threshold, model, args.show)
    print(f"\n({len(messages)} messages en {time.monotonic() - started:.0f} s)")
    if args.json:
        detail = {
            "model": model,
            "threshold": threshold,
            "figures": figures(readings, with_nlu),
            "readings": [
                {
                    "text": r.message.text,
                    "group": r.message.group,
                    "label": r.message.label,
                    "source": r.message.source,
                    "net": list(r.net),
                    "intent": r.intent,
                    "confidence": round(r.confidence, 4),
                    "distress_score": round(r.distress_score, 4),
                    "alarm": r.alarm,
                }
                for r in readings
            ],
        }
        args.json.write_text(json.dumps(detail, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

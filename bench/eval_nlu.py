"""Evaluate intent classification on held-out data that is never trained on.

Two held-out sets: nlu/heldout/*.yml (20 % of the examples, set aside when the data was written;
used while developing, so slightly optimistic) and nlu/heldout/blind/ (written later by someone
who never saw the training data, measured only at the end). Trains an NLU-only model on the
training files with a config (config.yml by default), runs `rasa test nlu` on each set, and prints
accuracy, macro-F1, the most confused pairs, and how the FallbackClassifier threshold trades
answers for fallbacks (simulated from raw confidences; the ambiguity rule is not simulated).

    .venv/bin/python -m bench.eval_nlu [--config CONFIG] [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.rasa.model import HELD_OUT_DIR, training_files

PROJECT_DIR = Path(__file__).resolve().parents[1]
RASA = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"
FALLBACK = "nlu_fallback"
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


@dataclass(frozen=True, slots=True)
class Prediction:
    text: str
    gold: str
    predicted: str
    confidence: float


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, cwd=PROJECT_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(argv[:3])}")


def _without_fallback(config: Path, target: Path) -> None:
    """A copy of the config whose FallbackClassifier never fires: raw confidences are measured."""
    text = config.read_text(encoding="utf-8")
    text = re.sub(r"(name: FallbackClassifier\s*\n(?:\s+\w+:.*\n)*?\s+threshold:)\s*[\d.]+",
                  r"\1 0.0", text)  # fmt: skip
    text = re.sub(r"(ambiguity_threshold:)\s*[\d.]+", r"\1 0.0", text)
    target.write_text(text, encoding="utf-8")


def configured_threshold(config: Path) -> float:
    match = re.search(
        r"name: FallbackClassifier\s*\n(?:\s+\w+:.*\n)*?\s+threshold:\s*([\d.]+)",
        config.read_text(encoding="utf-8"),
    )
    return float(match.group(1)) if match else 0.3


HELD_OUT_SETS = {
    "dev": sorted((PROJECT_DIR / "nlu" / HELD_OUT_DIR).glob("*.yml")),
    "blind": sorted((PROJECT_DIR / "nlu" / HELD_OUT_DIR / "blind").glob("*.yml")),
}


def train(config: Path, workdir: Path) -> Path:
    data = workdir / "data"
    data.mkdir()
    for path in training_files(PROJECT_DIR)[2:]:
        shutil.copy(path, data / path.name)
    model_dir = workdir / "model"
    _run([str(RASA), "train", "nlu", "--config", str(config), "--nlu", str(data),
          "--out", str(model_dir), "--fixed-model-name", "eval"])  # fmt: skip
    return model_dir / "eval.tar.gz"


def test(model: Path, name: str, files: list[Path], workdir: Path) -> list[Prediction]:
    data = workdir / f"heldout-{name}"
    data.mkdir()
    for path in files:
        shutil.copy(path, data / path.name)
    results = workdir / f"results-{name}"
    _run([str(RASA), "test", "nlu", "--model", str(model), "--nlu", str(data),
          "--out", str(results), "--successes", "--no-plot"])  # fmt: skip
    predictions: list[Prediction] = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = results / name
        if path.exists():
            for item in json.loads(path.read_text(encoding="utf-8")):
                predicted = item.get("intent_prediction") or {}
                predictions.append(
                    Prediction(
                        text=item["text"],
                        gold=item["intent"],
                        predicted=predicted.get("name") or FALLBACK,
                        confidence=float(predicted.get("confidence") or 0.0),
                    )
                )
    return predictions


def with_threshold(predictions: list[Prediction], threshold: float) -> list[tuple[str, str]]:
    return [(p.gold, p.predicted if p.confidence >= threshold else FALLBACK) for p in predictions]


def scores(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy and macro-F1 over the gold intents (a fallback counts as a miss)."""
    intents = sorted({gold for gold, _ in pairs})
    f1s: dict[str, float] = {}
    for intent in intents:
        tp = sum(1 for g, p in pairs if g == intent and p == intent)
        fp = sum(1 for g, p in pairs if g != intent and p == intent)
        fn = sum(1 for g, p in pairs if g == intent and p != intent)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s[intent] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "examples": len(pairs),
        "accuracy": sum(1 for g, p in pairs if g == p) / len(pairs),
        "macro_f1": sum(f1s.values()) / len(f1s),
        "fallbacks": sum(1 for _, p in pairs if p == FALLBACK),
        "f1_by_intent": f1s,
        "confused": Counter((g, p) for g, p in pairs if g != p).most_common(10),
    }


def report(config: Path, name: str, predictions: list[Prediction]) -> dict[str, Any]:
    chosen = configured_threshold(config)
    final = scores(with_threshold(predictions, chosen))
    table = [(t, scores(with_threshold(predictions, t))) for t in sorted({*THRESHOLDS, chosen})]
    print(f"\n=== {name} : {final['examples']} exemples jamais appris ({config.name}) ===")
    print(f"seuil de repli (FallbackClassifier) : {chosen}")
    print(f"  exactitude des intentions : {final['accuracy']:.3f}")
    print(f"  macro-F1                  : {final['macro_f1']:.3f}   (cible ≥ 0,93, #8)")
    print(f"  messages envoyés au repli : {final['fallbacks']}")
    print("\nIntentions les plus confondues (attendue → prédite : nombre)")
    for (gold, predicted), count in final["confused"]:
        print(f"  {gold} → {predicted} : {count}")
    print("\nF1 les plus bas")
    for intent, f1 in sorted(final["f1_by_intent"].items(), key=lambda kv: kv[1])[:6]:
        print(f"  {intent:26s} {f1:.3f}")
    print("\nSeuil → exactitude, macro-F1, replis (bons messages perdus / erreurs évitées)")
    for threshold, s in table:
        below = [p for p in predictions if p.confidence < threshold]
        kept_wrong = sum(1 for p in below if p.gold != p.predicted)
        lost_right = len(below) - kept_wrong
        print(f"  {threshold:.2f} → {s['accuracy']:.3f}  {s['macro_f1']:.3f}  "
              f"{s['fallbacks']:3d} ({lost_right} / {kept_wrong})")  # fmt: skip
    return {"set": name, "threshold": chosen, "accuracy": round(final["accuracy"], 4),
            "macro_f1": round(final["macro_f1"], 4), "examples": final["examples"]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=PROJECT_DIR / "config.yml")
    parser.add_argument("--out", type=Path, help="keep the model and Rasa's reports here")
    parser.add_argument("--json", action="store_true", help="also print a JSON summary line")
    args = parser.parse_args()
    config = args.config.resolve()
    with tempfile.TemporaryDirectory(prefix="eval-nlu-") as tmp:
        workdir = Path(tmp)
        raw_config = workdir / "config-no-fallback.yml"
        _without_fallback(config, raw_config)
        model = train(raw_config, workdir)
        results = {
            name: test(model, name, files, workdir)
            for name, files in HELD_OUT_SETS.items()
            if files
        }
        if args.out:
            shutil.copytree(workdir, args.out, dirs_exist_ok=True)
    summaries = [report(config, name, predictions) for name, predictions in results.items()]
    if args.json:
        print(json.dumps({"config": str(config), "results": summaries}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the Rasa model only when its inputs changed (content hash), and find the current one.

`python -m bot.rasa.model` prints the model path, training first if needed;
`python -m bot.rasa.model --data-files` prints the training data files (held-out data excluded).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path

logger = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"
HELD_OUT_DIR = "heldout"  # nlu/heldout/ is evaluation data, never trained on
KEEP_MODELS = 3


def training_files(project_dir: Path) -> list[Path]:
    """The files a model is trained from: config, domain and nlu/ minus the held-out data."""
    nlu = project_dir / "nlu"
    data = sorted(p for p in nlu.rglob("*.yml") if HELD_OUT_DIR not in p.relative_to(nlu).parts)
    return [project_dir / "config.yml", project_dir / "domain.yml", *data]


def fingerprint(project_dir: Path) -> str:
    digest = hashlib.sha256(RASA_VERSION.encode())
    for path in training_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def expected_model(project_dir: Path, models_dir: Path) -> Path:
    return models_dir / f"model-{fingerprint(project_dir)}.tar.gz"


def ensure_model(project_dir: Path, rasa_bin: Path, models_dir: Path) -> Path:
    """Return the model for the current training data, training it if it does not exist yet."""
    target = expected_model(project_dir, models_dir)
    if target.exists():
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    data = [str(p.relative_to(project_dir)) for p in training_files(project_dir)[2:]]
    command = [
        str(rasa_bin), "train",
        "--config", "config.yml",
        "--domain", "domain.yml",
        "--data", *data,
        "--out", str(models_dir),
        "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    logger.info("training the Rasa model %s", target.name)
    subprocess.run(command, cwd=project_dir, check=True)  # noqa: S603 - fixed argv, no shell
    if not target.exists():
        raise RuntimeError(f"rasa train did not write {target}")
    _prune(models_dir, keep=target)
    return target


def current_model(model_setting: Path) -> Path | None:
    """The model file to serve: the setting itself, or the newest model in that directory."""
    if model_setting.is_file():
        return model_setting
    if not model_setting.is_dir():
        return None
    models = sorted(model_setting.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _prune(models_dir: Path, keep: Path) -> None:
    models = sorted(models_dir.glob("model-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-KEEP_MODELS]:
        if old != keep:
            old.unlink(missing_ok=True)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    project_dir = Path.cwd()
    if sys.argv[1:] == ["--data-files"]:
        print(" ".join(str(p.relative_to(project_dir)) for p in training_files(project_dir)[2:]))
        return 0
    model = ensure_model(
        project_dir, project_dir / ".venv-rasa" / "bin" / "rasa", project_dir / "models"
    )
    print(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())

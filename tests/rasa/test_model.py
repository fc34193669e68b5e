"""The model cache key: changes with the training data, ignores the held-out evaluation data."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.rasa.model import expected_model, fingerprint, training_files
from tests.paths import PROJECT_DIR


def _copy_project(tmp_path: Path) -> Path:
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    shutil.copytree(PROJECT_DIR / "nlu", tmp_path / "nlu")
    return tmp_path


def test_held_out_data_is_never_a_training_file(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    (project / "nlu" / "heldout").mkdir(exist_ok=True)
    (project / "nlu" / "heldout" / "eval.yml").write_text("version: '3.1'\n")
    before = fingerprint(project)

    (project / "nlu" / "heldout" / "eval.yml").write_text("version: '3.1'\nnlu: []\n")

    assert fingerprint(project) == before
    assert all("heldout" not in p.parts for p in training_files(project))


def test_any_change_to_training_data_changes_the_model_name(tmp_path: Path) -> None:
    project = _copy_project(tmp_path)
    before = expected_model(project, project / "models")

    with (project / "nlu" / "greetings.yml").open("a") as file:
        file.write("      - wesh la team\n")

    assert expected_model(project, project / "models") != before

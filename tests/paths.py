"""Where the project lives, for tests and test helpers (importable without the fixtures)."""

from __future__ import annotations

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]

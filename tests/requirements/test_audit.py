"""The supply-chain audit's verdict (requirements/audit.py, #12): a new vulnerability fails, a
reviewed one passes, an exception that matches nothing is reported, and an audit that could not
reach its database says so instead of passing as clean."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.paths import PROJECT_DIR


def _load() -> ModuleType:
    path = PROJECT_DIR / "requirements" / "audit.py"
    spec = importlib.util.spec_from_file_location("requirements_audit", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


audit = _load()

REPORT: dict[str, Any] = {
    "dependencies": [
        {"name": "aiohttp", "version": "3.14.5", "vulns": []},
        {
            "name": "TensorFlow",
            "version": "2.12.0",
            "vulns": [
                {"id": "PYSEC-0000-1", "aliases": ["CVE-0000-1"], "fix_versions": ["2.12.1"]},
                {"id": "GHSA-aaaa-bbbb-cccc", "aliases": [], "fix_versions": []},
            ],
        },
    ]
}


def _ignored(*entries: tuple[str, str]) -> list[Any]:
    return [audit.Ignored(i, package, "raison revue", "2026-12-05") for i, package in entries]


def test_a_vulnerability_nobody_reviewed_fails_the_build() -> None:
    verdict = audit.judge([REPORT], _ignored(("CVE-0000-1", "tensorflow")))

    assert [f.id for f in verdict.new] == ["GHSA-aaaa-bbbb-cccc"]
    assert [f.id for f, _ in verdict.known] == ["PYSEC-0000-1"]  # matched by its alias
    assert verdict.audited == 2
    assert verdict.failed(strict=False)


def test_reviewed_vulnerabilities_pass_and_unused_exceptions_are_reported() -> None:
    verdict = audit.judge(
        [REPORT],
        _ignored(
            ("PYSEC-0000-1", "tensorflow"),
            ("GHSA-aaaa-bbbb-cccc", "tensorflow"),
            ("GHSA-gone-gone-gone", "jinja2"),
            ("PYSEC-0000-1", "aiohttp"),  # an id is accepted for its own package only
        ),
    )

    assert verdict.new == []
    assert not verdict.failed(strict=True)
    assert [(e.package, e.id) for e in verdict.stale] == [
        ("jinja2", "GHSA-gone-gone-gone"),
        ("aiohttp", "PYSEC-0000-1"),
    ]
    assert any("à retirer" in line for line in audit.describe(verdict, strict=True))


def test_an_audit_without_its_database_is_not_a_clean_audit() -> None:
    offline = {
        "dependencies": [
            {"name": "aiohttp", "skip_reason": "Dependency not found on PyPI and could not…"},
            {"name": "yarl", "skip_reason": "Dependency not found on PyPI and could not…"},
        ]
    }

    verdict = audit.judge([offline], _ignored(("GHSA-x", "jinja2")))

    assert verdict.unaudited == ["aiohttp", "yarl"]
    assert verdict.stale == []  # nothing can be called stale without the data
    assert not verdict.failed(strict=False)
    assert verdict.failed(strict=True)
    said = "\n".join(audit.describe(verdict, strict=False))
    assert "NON VÉRIFIÉ : 2 paquets sur 2" in said
    assert "ne prouve PAS" in said


def test_an_exception_must_say_why_and_when(tmp_path: Path) -> None:
    path = tmp_path / "ignore.toml"
    path.write_text('[[ignore]]\nid = "GHSA-x"\npackage = "jinja2"\n')

    with pytest.raises(ValueError, match="reason, reviewed"):
        audit.load_ignored(path)


def test_the_reviewed_file_reads_and_the_lock_pins_are_all_audited(tmp_path: Path) -> None:
    audit.load_ignored()  # the repository's own file is well formed
    pins = audit.without_hashes(
        PROJECT_DIR / "requirements" / "rasa.lock", audit.EXTRA_PINS, tmp_path
    ).read_text()

    assert "rasa==3.6.21" in pins
    assert "rasa-sdk==3.6.2" in pins
    assert all("==" in line and " " not in line for line in pins.splitlines())

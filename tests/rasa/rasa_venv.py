"""Run a short Python snippet inside Rasa's own virtualenv (no server): Rasa's code, for real."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Sequence
from typing import Any

import pytest

from tests.paths import PROJECT_DIR

RASA_PYTHON = PROJECT_DIR / ".venv-rasa" / "bin" / "python"
RESULT_PREFIX = "RESULT "  # the snippet's answer: one line, JSON

needs_rasa_venv = pytest.mark.skipif(
    not RASA_PYTHON.exists(), reason=f"{RASA_PYTHON} missing (make install)"
)


def run_in_rasa(code: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `code` with Rasa's interpreter; its stdout and stderr are both in `.stdout`."""
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("LOG_LEVEL", None)  # Rasa's default (INFO), as when the bot starts it
    return subprocess.run(
        [str(RASA_PYTHON), "-c", textwrap.dedent(code), *args],
        cwd=PROJECT_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def result_of(completed: subprocess.CompletedProcess[str]) -> Any:
    """The JSON the snippet printed after RESULT_PREFIX (fails with its whole output otherwise)."""
    assert completed.returncode == 0, completed.stdout
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    assert len(lines) == 1, completed.stdout
    return json.loads(lines[0].removeprefix(RESULT_PREFIX))


# As rasa.__main__.main does: fix a positional model path, then parse (but run nothing).
PARSE_ARGV = """
    import json, sys
    from rasa.__main__ import create_argument_parser
    from rasa.cli.utils import parse_last_positional_argument_as_model_path

    sys.argv = sys.argv[1:]
    parse_last_positional_argument_as_model_path()
    args = create_argument_parser().parse_args(sys.argv[1:])
    print("RESULT " + json.dumps(vars(args), default=str))
"""


def rasa_parses(argv: Sequence[str]) -> dict[str, Any]:
    """The options Rasa's own command-line parser reads from `argv` (`[<rasa>, "run", …]`)."""
    parsed: dict[str, Any] = result_of(run_in_rasa(PARSE_ARGV, *argv))
    return parsed

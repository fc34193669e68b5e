"""docker-compose.yml starts Rasa as the bot does (bot/rasa/supervisor.py:rasa_argv)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from bot.rasa.supervisor import RASA_LOGGING_CONFIG, rasa_argv
from tests.paths import PROJECT_DIR
from tests.rasa.rasa_venv import needs_rasa_venv, rasa_parses
from tests.rasa.test_supervisor import DASH_TOKEN

RASA_IN_IMAGE = "/app/.venv-rasa/bin/rasa"
PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


def _compose_argv(actions_token: str) -> list[str]:
    """The argv the Rasa container's shell builds, its token taken from the environment."""
    compose = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
    shell, flag, script = compose["services"]["rasa"]["command"]
    assert (shell, flag) == ("sh", "-c")
    assert RASA_IN_IMAGE in script
    script = script.replace("$$", "$").replace(  # `$$` is compose's escape for `$`
        RASA_IN_IMAGE, f"{shlex.quote(sys.executable)} -c {shlex.quote(PRINT_ARGV)}"
    )
    printed = subprocess.run(
        ["sh", "-c", script],  # noqa: S607 - the shell the container runs
        env={**os.environ, "ACTIONS_TOKEN": actions_token},
        capture_output=True,
        text=True,
        check=True,
    )
    return [RASA_IN_IMAGE, *json.loads(printed.stdout)]


def _options(argv: list[str]) -> set[str]:
    return {arg.split("=", 1)[0] for arg in argv if arg.startswith("-")}


def test_compose_gives_rasa_the_options_the_bot_gives_it() -> None:
    compose = _compose_argv(DASH_TOKEN)

    assert _options(compose) == _options(rasa_argv(Path("r"), Path("m"), 1, "t", PROJECT_DIR))
    assert f"--auth-token={DASH_TOKEN}" in compose
    assert f"--logging-config-file={RASA_LOGGING_CONFIG}" in compose


def test_the_image_holds_rasas_logging_config() -> None:
    dockerfile = (PROJECT_DIR / "Dockerfile").read_text()
    runtime = dockerfile.split("AS runtime", 1)[1]

    copied = re.findall(r"^COPY (?!--from)((?:.*\\\n)*.*)$", runtime, re.MULTILINE)
    assert any(RASA_LOGGING_CONFIG in line.split() for line in copied), copied


@needs_rasa_venv
def test_rasa_reads_composes_command_line_with_a_token_starting_with_a_dash() -> None:
    parsed = rasa_parses(_compose_argv(DASH_TOKEN))

    assert parsed["auth_token"] == DASH_TOKEN
    assert parsed["logging_config_file"] == RASA_LOGGING_CONFIG
    assert parsed["interface"] == "0.0.0.0"  # noqa: S104 - the compose network, by design

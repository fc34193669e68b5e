"""Rasa's log never receives slot values from its response interpolator (rasa_logging.yml)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from bot.errors import ConfigError
from bot.rasa.supervisor import RASA_LOGGING_CONFIG, rasa_argv
from bot.settings import load_settings
from tests.paths import PROJECT_DIR
from tests.rasa.rasa_venv import needs_rasa_venv, result_of, run_in_rasa

MARKER = "Villeurbanne-MARKER-7f3a"  # what a young person typed, held in slots

# Parses the argv as Rasa does, sets logging up exactly as rasa.__main__.main does, then renders a
# response whose button payload looks like a template to the interpolator (KeyError, logged with
# the traceback's local variables), and logs two ordinary events to show the rest still logs.
PROVOKE = """
    import json, logging, sys
    import structlog
    from rasa.__main__ import create_argument_parser
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.io import configure_colored_logging
    from rasa.utils.log_utils import configure_structlog

    marker = sys.argv[1]
    args = create_argument_parser().parse_args(sys.argv[3:])
    configure_logging_and_warnings(
        args.loglevel, args.logging_config_file, warn_only_once=True, filter_repeated_logs=True
    )
    configure_colored_logging(args.loglevel)
    configure_structlog(args.loglevel)

    button = {"title": "Oui", "payload": '/inform{"choice": "rqth=yes"}'}
    response = {"text": "RQTH ?", "buttons": [button]}
    nlg = TemplatedNaturalLanguageGenerator({"utter_ask": [response]})
    reply = nlg.generate_from_slots("utter_ask", {"location": marker, "age": marker}, "rest")
    structlog.get_logger("rasa.core.processor").info("probe.structlog.still.logs")
    logging.getLogger("rasa.core.agent").info("probe stdlib still logs")
    print("RESULT " + json.dumps(reply["buttons"][0]["payload"]))
"""


def _argv(with_logging_config: bool) -> list[str]:
    argv = rasa_argv(Path("rasa"), Path("model.tar.gz"), 5005, "token", PROJECT_DIR)
    if not with_logging_config:
        argv = [a for a in argv if not a.startswith("--logging-config-file=")]
    return argv


def _provoke(with_logging_config: bool) -> tuple[str, Any]:
    completed = run_in_rasa(PROVOKE, MARKER, *_argv(with_logging_config))
    return completed.stdout, result_of(completed)


@needs_rasa_venv
def test_without_the_logging_config_the_interpolator_leaks_slot_values() -> None:
    """The control: the probe does reach the leak (if Rasa fixes it, rasa_logging.yml may go)."""
    output, payload = _provoke(with_logging_config=False)

    assert "interpolator.interpolate.text" in output
    assert MARKER in output
    assert payload == '/inform{"choice": "rqth=yes"}'


@needs_rasa_venv
def test_with_the_logging_config_slot_values_stay_out_of_rasas_log() -> None:
    output, payload = _provoke(with_logging_config=True)

    assert MARKER not in output
    assert "interpolator" not in output
    assert "probe.structlog.still.logs" in output
    assert "probe stdlib still logs" in output
    assert payload == '/inform{"choice": "rqth=yes"}'


async def test_the_bot_does_not_start_rasa_without_its_logging_config(
    tmp_path: Path, sqlite_url: str, aiohttp_client: Callable[..., Awaitable[object]]
) -> None:
    (tmp_path / "model.tar.gz").write_bytes(b"")  # a model, but no rasa_logging.yml
    settings = load_settings(
        {
            "DATABASE_URL": sqlite_url,
            "RASA_MANAGED": "1",
            "RASA_BIN": "/bin/true",
            "RASA_MODEL": str(tmp_path / "model.tar.gz"),
            "DEMO": "0",
        },
        project_dir=tmp_path,
    )

    with pytest.raises(ConfigError, match=RASA_LOGGING_CONFIG):
        await aiohttp_client(create_app(settings, environ={"PATH": "/bin"}))

    assert not (tmp_path / "var" / "log" / "rasa.log").exists()

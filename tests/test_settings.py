"""Settings: defaults, validation, secrets kept out of repr."""

from __future__ import annotations

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from tests.conftest import PROJECT_DIR


def test_defaults_run_embedded_on_loopback() -> None:
    settings = load_settings({}, project_dir=PROJECT_DIR)

    assert (settings.host, settings.port, settings.rasa_port) == ("127.0.0.1", 8080, 5005)
    assert settings.database_url == f"sqlite+aiosqlite:///{PROJECT_DIR / 'var' / 'bot.db'}"
    assert settings.rasa_tracker_url == f"sqlite:///{PROJECT_DIR / 'var' / 'rasa_tracker.db'}"
    assert settings.rasa_url == "http://127.0.0.1:5005"
    assert settings.rasa_timeout == 5.0
    assert settings.demo
    assert settings.rasa_managed
    assert len(settings.actions_token) >= 32
    assert not settings.actions_token_configured


def test_rasa_url_follows_rasa_port() -> None:
    assert load_settings({"RASA_PORT": "5100"}).rasa_url == "http://127.0.0.1:5100"


def test_secrets_stay_out_of_repr() -> None:
    settings = load_settings({"ACTIONS_TOKEN": "s3cret-s3cret-s3cret"})

    assert "s3cret" not in repr(settings)
    assert settings.actions_token_configured


@pytest.mark.parametrize(
    "env",
    [
        {"PORT": "http"},
        {"PORT": "70000"},
        {"DEMO": "peut-être"},
        {"RASA_TIMEOUT": "0"},
        {"DATABASE_URL": "mysql://x"},
        {"ACTIONS_TOKEN": "short"},
        {"LOG_LEVEL": "LOUD"},
    ],
)
def test_invalid_values_stop_startup_with_a_clear_message(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=next(iter(env))):
        load_settings(env)

"""Settings: defaults, validation, secrets kept out of repr."""

from __future__ import annotations

from datetime import time

import pytest

from bot.errors import ConfigError
from bot.settings import load_settings
from tests.paths import PROJECT_DIR


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


TG_TOKEN = "123456:ABCdefGHIjklMNOpqrSTUvwx-yz_0123"


def test_channels_are_off_without_their_settings() -> None:
    settings = load_settings({})

    assert settings.telegram is None
    assert settings.instagram is None


def test_telegram_in_webhook_mode_needs_a_valid_secret() -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings({"TELEGRAM_TOKEN": TG_TOKEN})
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings(
            {"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": "with spaces in it!!"}
        )

    settings = load_settings(
        {"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_WEBHOOK_SECRET": "s3cret_s3cret-s3cret"}
    )

    assert settings.telegram is not None
    assert settings.telegram.mode == "webhook"
    assert settings.telegram.api_base_url == "https://api.telegram.org/bot"
    assert TG_TOKEN not in repr(settings)
    assert "s3cret" not in repr(settings)


def test_telegram_polling_needs_no_secret() -> None:
    settings = load_settings({"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_MODE": "polling"})

    assert settings.telegram is not None
    assert settings.telegram.mode == "polling"


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"TELEGRAM_TOKEN": "not-a-token"}, "TELEGRAM_TOKEN"),
        ({"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_MODE": "carrier-pigeon"}, "TELEGRAM_MODE"),
        (
            {"TELEGRAM_TOKEN": TG_TOKEN, "TELEGRAM_MODE": "polling", "TELEGRAM_API_BASE_URL": "x"},
            "TELEGRAM_API_BASE_URL",
        ),
        ({"INSTAGRAM_APP_SECRET": "x"}, "INSTAGRAM_VERIFY_TOKEN"),
        (
            {
                "INSTAGRAM_APP_SECRET": "a",
                "INSTAGRAM_VERIFY_TOKEN": "b",
                "INSTAGRAM_ACCESS_TOKEN": "c",
                "INSTAGRAM_ACCOUNT_ID": "not-a-number",
            },
            "INSTAGRAM_ACCOUNT_ID",
        ),
        ({"STAFF_API_TOKEN": "short"}, "STAFF_API_TOKEN"),
        ({"PUBLIC_URL": "ftp://x"}, "PUBLIC_URL"),
    ],
)
def test_invalid_channel_settings_stop_startup(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(env)


def test_instagram_settings_keep_their_secrets_out_of_repr() -> None:
    settings = load_settings(
        {
            "INSTAGRAM_APP_SECRET": "app-s3cret",
            "INSTAGRAM_VERIFY_TOKEN": "verify-s3cret",
            "INSTAGRAM_ACCESS_TOKEN": "access-s3cret",
            "INSTAGRAM_ACCOUNT_ID": "17841400000000000",
        }
    )

    assert settings.instagram is not None
    assert settings.instagram.graph_api_base_url == "https://graph.instagram.com"
    assert settings.instagram.graph_api_version == "v25.0"
    assert "s3cret" not in repr(settings)


def test_the_public_url_defaults_to_the_local_address() -> None:
    assert load_settings({"PORT": "8099"}).public_url == "http://127.0.0.1:8099"
    assert load_settings({"PUBLIC_URL": "https://ml.example/"}).public_url == "https://ml.example"


def test_quiet_hours_belong_to_scheduling_under_either_name() -> None:
    # #9: out of the booking settings, where campaigns will read them too.
    assert load_settings({"QUIET_HOURS": "22-7"}).scheduling.quiet_hours == (time(22), time(7))
    assert load_settings({"REMINDER_QUIET_HOURS": "off"}).scheduling.quiet_hours is None
    assert load_settings({}).scheduling.quiet_hours == (time(21), time(8))


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db:5432/ml", "postgresql+asyncpg://u:p@db:5432/ml"),
        ("postgres://u@db/ml", "postgresql+asyncpg://u@db/ml"),
        ("postgresql+asyncpg://u@db/ml", "postgresql+asyncpg://u@db/ml"),
        ("sqlite:////var/lib/bot.db", "sqlite+aiosqlite:////var/lib/bot.db"),
    ],
)
def test_the_common_database_url_forms_get_the_async_driver(given: str, used: str) -> None:
    assert load_settings({"DATABASE_URL": given}).database_url == used

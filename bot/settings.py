"""The service's settings: one frozen object read from the environment (and `.env`)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import ConfigError

_TRUE = {"1", "true", "yes", "on", "oui"}
_FALSE = {"0", "false", "no", "off", "non", ""}


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 0 or 1, got {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment; secrets stay out of repr."""

    project_dir: Path
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""
    demo: bool = True
    log_level: str = "INFO"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_port: int = 5005
    rasa_timeout: float = 5.0
    rasa_managed: bool = True
    rasa_bin: Path = Path(".venv-rasa/bin/rasa")
    rasa_model: Path = Path("models")
    rasa_tracker_url: str = ""
    actions_token: str = field(default="", repr=False)
    actions_token_configured: bool = False

    @property
    def var_dir(self) -> Path:
        return self.project_dir / "var"


def load_settings(env: Mapping[str, str], project_dir: Path | None = None) -> Settings:
    """Build the settings from an environment mapping (no global state is read)."""
    root = Path(env.get("PROJECT_DIR") or project_dir or Path.cwd()).resolve()
    var = root / "var"
    rasa_port = _int(env, "RASA_PORT", 5005, 1, 65535)
    token = env.get("ACTIONS_TOKEN", "").strip()
    if token and len(token) < 16:
        raise ConfigError("ACTIONS_TOKEN must be at least 16 characters long")
    log_level = env.get("LOG_LEVEL", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var / 'bot.db'}"
    if not database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ConfigError(
            "DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://"
        )
    tracker_url = env.get("RASA_TRACKER_URL") or f"sqlite:///{var / 'rasa_tracker.db'}"
    return Settings(
        project_dir=root,
        host=env.get("HOST", "127.0.0.1"),
        port=_int(env, "PORT", 8080, 1, 65535),
        database_url=database_url,
        demo=_bool(env, "DEMO", True),
        log_level=log_level,
        rasa_url=(env.get("RASA_URL") or f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        rasa_port=rasa_port,
        rasa_timeout=_float(env, "RASA_TIMEOUT", 5.0, 0.1, 120.0),
        rasa_managed=_bool(env, "RASA_MANAGED", True),
        rasa_bin=Path(env.get("RASA_BIN") or root / ".venv-rasa" / "bin" / "rasa"),
        rasa_model=Path(env.get("RASA_MODEL") or root / "models"),
        rasa_tracker_url=tracker_url,
        actions_token=token or secrets.token_urlsafe(32),
        actions_token_configured=bool(token),
    )

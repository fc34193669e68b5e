"""The service's settings: one frozen object read from the environment (and `.env`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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


# Telegram's rule for setWebhook's secret_token: 1-256 characters of A-Z a-z 0-9 _ -.
_TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
_TELEGRAM_TOKEN = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,100}")
_USERNAME = re.compile(r"[A-Za-z0-9_.]{3,64}")


def _https_url(env: Mapping[str, str], name: str, *, required: bool = False) -> str:
    raw = env.get(name, "").strip()
    if not raw:
        if required:
            raise ConfigError(f"{name} is required")
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Web origins (https://site.example, or http:// for a local test), as a CSP source list
    takes them: scheme and host, an optional port, nothing else."""
    origins = []
    for raw in re.split(r"[\s,]+", env.get(name, "").strip()):
        if not raw:
            continue
        parts = urlsplit(raw)
        if (
            parts.scheme not in {"http", "https"}
            or not parts.hostname
            or parts.path not in {"", "/"}
            or parts.query
            or parts.fragment
            or parts.username is not None
            or not re.fullmatch(r"[A-Za-z0-9.*:\[\]-]+", parts.netloc)
        ):
            raise ConfigError(
                f"{name} takes origins like https://www.mission-locale.fr, got {raw!r}"
            )
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return tuple(origins)


class TelegramMode(StrEnum):
    WEBHOOK = "webhook"
    POLLING = "polling"


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """The Telegram channel; present only when TELEGRAM_TOKEN is set."""

    token: str = field(repr=False)
    mode: TelegramMode
    webhook_secret: str = field(default="", repr=False)
    webhook_url: str = ""
    api_base_url: str = "https://api.telegram.org/bot"
    bot_username: str = ""
    # A staff group the bot alerts of each hand-over (no word of the young person): #10.
    staff_chat_id: int | None = None
    # The Mission Locale's Telegram channel for campaign posts (@name or -100…): #11.
    channel_id: str | None = None


@dataclass(frozen=True, slots=True)
class InstagramSettings:
    """The Instagram channel; present only when its four secrets and ids are set."""

    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    access_token: str = field(repr=False)
    account_id: str
    graph_api_base_url: str = "https://graph.instagram.com"
    graph_api_version: str = "v25.0"
    username: str = ""
    # Counsellors may answer 24 h – 7 days after the young person's last message with Meta's
    # HUMAN_AGENT tag (INSTAGRAM_HUMAN_AGENT=1, once the app has that permission); bots never.
    human_agent: bool = False


def _telegram(env: Mapping[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_TOKEN", "").strip()
    if not token:
        return None
    if not _TELEGRAM_TOKEN.fullmatch(token):
        raise ConfigError("TELEGRAM_TOKEN does not look like a bot token (<digits>:<secret>)")
    raw_mode = env.get("TELEGRAM_MODE", "webhook").strip().lower() or "webhook"
    try:
        mode = TelegramMode(raw_mode)
    except ValueError:
        raise ConfigError(f"TELEGRAM_MODE must be webhook or polling, got {raw_mode!r}") from None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
    if mode is TelegramMode.WEBHOOK and not _TELEGRAM_SECRET.fullmatch(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is required in webhook mode: 16 to 256 characters among "
            "A-Z a-z 0-9 _ -"
        )
    username = env.get("TELEGRAM_BOT_USERNAME", "").strip().lstrip("@")
    if username and not _USERNAME.fullmatch(username):
        raise ConfigError(f"TELEGRAM_BOT_USERNAME is not a Telegram username: {username!r}")
    return TelegramSettings(
        token=token,
        mode=mode,
        webhook_secret=secret,
        webhook_url=_https_url(env, "TELEGRAM_WEBHOOK_URL"),
        api_base_url=_https_url(env, "TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot",
        bot_username=username,
        staff_chat_id=_staff_chat(env),
        channel_id=_channel(env),
    )


def _channel(env: Mapping[str, str]) -> str | None:
    raw = env.get("TELEGRAM_CHANNEL_ID", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"-100[0-9]{5,17}|@[A-Za-z][A-Za-z0-9_]{4,31}", raw):
        raise ConfigError("TELEGRAM_CHANNEL_ID must be @channelname or -100… (the channel's id)")
    return raw


def _staff_chat(env: Mapping[str, str]) -> int | None:
    raw = env.get("TELEGRAM_STAFF_CHAT_ID", "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"-?[0-9]{1,20}", raw):
        raise ConfigError("TELEGRAM_STAFF_CHAT_ID must be a Telegram chat id (e.g. -1001234567890)")
    return int(raw)


_INSTAGRAM_REQUIRED = (
    "INSTAGRAM_APP_SECRET",
    "INSTAGRAM_VERIFY_TOKEN",
    "INSTAGRAM_ACCESS_TOKEN",
    "INSTAGRAM_ACCOUNT_ID",
)


def _instagram(env: Mapping[str, str]) -> InstagramSettings | None:
    values = {name: env.get(name, "").strip() for name in _INSTAGRAM_REQUIRED}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigError(f"the Instagram channel also needs {', '.join(missing)}")
    if not values["INSTAGRAM_ACCOUNT_ID"].isdigit():
        raise ConfigError("INSTAGRAM_ACCOUNT_ID must be the numeric Instagram account id")
    version = env.get("GRAPH_API_VERSION", "").strip() or "v25.0"
    if not re.fullmatch(r"v\d{1,3}\.\d", version):
        raise ConfigError(f"GRAPH_API_VERSION must look like v25.0, got {version!r}")
    username = env.get("INSTAGRAM_USERNAME", "").strip().lstrip("@")
    if username and not _USERNAME.fullmatch(username):
        raise ConfigError(f"INSTAGRAM_USERNAME is not an Instagram username: {username!r}")
    return InstagramSettings(
        app_secret=values["INSTAGRAM_APP_SECRET"],
        verify_token=values["INSTAGRAM_VERIFY_TOKEN"],
        access_token=values["INSTAGRAM_ACCESS_TOKEN"],
        account_id=values["INSTAGRAM_ACCOUNT_ID"],
        graph_api_base_url=_https_url(env, "GRAPH_API_BASE_URL") or "https://graph.instagram.com",
        graph_api_version=version,
        username=username,
        human_agent=_bool(env, "INSTAGRAM_HUMAN_AGENT", False),
    )


@dataclass(frozen=True, slots=True)
class BookingSettings:
    """Appointments in the chat: which slots are offered, when reminders go out."""

    # No slot sooner than this after now (the counsellor must be able to prepare).
    min_notice: timedelta = timedelta(hours=4)
    # How far ahead slots are looked for.
    horizon: timedelta = timedelta(days=28)
    # Reminders, in minutes before the appointment (24 h and 2 h by default).
    reminder_leads: tuple[int, ...] = (24 * 60, 2 * 60)
    # How often the scheduler wakes up to claim due reminders.
    reminder_sweep_seconds: int = 60


def _duration(raw: str, name: str) -> int:
    """« 24h », « 90m », « 2h30 » or plain minutes → minutes."""
    match = re.fullmatch(r"\s*(?:(\d{1,4})\s*h)?\s*(?:(\d{1,5})\s*(?:m|min)?)?\s*", raw.lower())
    if not raw.strip() or match is None or not any(match.groups()):
        raise ConfigError(f"{name}: durations look like 24h, 2h, 90m or 2h30, got {raw!r}")
    hours, minutes = (int(g) if g else 0 for g in match.groups())
    return hours * 60 + minutes


def _booking(env: Mapping[str, str]) -> BookingSettings:
    leads_raw = env.get("REMINDER_LEADS", "24h,2h").strip()
    leads = tuple(
        sorted({_duration(part, "REMINDER_LEADS") for part in leads_raw.split(",") if part.strip()},
               reverse=True)
    )  # fmt: skip
    if any(not 5 <= lead <= 14 * 24 * 60 for lead in leads):
        raise ConfigError("REMINDER_LEADS must each be between 5 minutes and 14 days")
    return BookingSettings(
        min_notice=timedelta(minutes=_int(env, "BOOKING_MIN_NOTICE_MINUTES", 240, 0, 14 * 24 * 60)),
        horizon=timedelta(days=_int(env, "BOOKING_HORIZON_DAYS", 28, 1, 180)),
        reminder_leads=leads,
        reminder_sweep_seconds=_int(env, "REMINDER_SWEEP_SECONDS", 60, 1, 3600),
    )


@dataclass(frozen=True, slots=True)
class SchedulingSettings:
    """When messages may be pushed to young people (reminders now, campaigns later)."""

    # Nothing is pushed between these local times of the place (21:00 to 08:00 by default);
    # None: at any hour.
    quiet_hours: tuple[time, time] | None = (time(21, 0), time(8, 0))


def _scheduling(env: Mapping[str, str]) -> SchedulingSettings:
    # QUIET_HOURS; REMINDER_QUIET_HOURS is its name before campaigns shared it (still read).
    name = "QUIET_HOURS" if "QUIET_HOURS" in env else "REMINDER_QUIET_HOURS"
    raw = env.get(name, "21-8").strip().lower()
    if raw in {"", "0", "off", "none", "non"}:
        return SchedulingSettings(quiet_hours=None)
    match = re.fullmatch(r"(\d{1,2})(?:h|:(\d\d))?-(\d{1,2})(?:h|:(\d\d))?", raw)
    if match is None or int(match[1]) > 23 or int(match[3]) > 23:
        raise ConfigError(f"{name} looks like 21-8 or 21:30-8:00 (or off), got {raw!r}")
    return SchedulingSettings(
        quiet_hours=(
            time(int(match[1]), int(match[2] or 0)),
            time(int(match[3]), int(match[4] or 0)),
        )
    )


@dataclass(frozen=True, slots=True)
class FloodSettings:
    """Flood limits, in the `limits` notation (« 30/minute », « 10/minute;60/hour »)."""

    # Messages a contact may send before the bot stops passing them to Rasa (kept, not lost).
    messages: str = "30/minute"
    # New contacts one network address may create (web chat).
    new_contacts: str = "10/minute;60/hour"
    # Where the windows are counted: this process, or Redis shared by several bot processes.
    storage_url: str = field(default="memory://", repr=False)


def _flood(env: Mapping[str, str]) -> FloodSettings:
    values = {}
    defaults = (("FLOOD_MESSAGES", "30/minute"), ("FLOOD_NEW_CONTACTS", "10/minute;60/hour"))
    for name, default in defaults:
        raw = env.get(name, "").strip() or default
        try:
            parse_many(raw)
        except ValueError:
            raise ConfigError(
                f"{name} looks like 30/minute or 10/minute;60/hour, got {raw!r}"
            ) from None
        values[name] = raw
    storage = env.get("FLOOD_STORAGE_URL", "").strip() or "memory://"
    if not storage.startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError("FLOOD_STORAGE_URL must be memory:// or a redis:// URL")
    return FloodSettings(values["FLOOD_MESSAGES"], values["FLOOD_NEW_CONTACTS"], storage)


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """Who answers for the data and how long it is kept (#12). The retention purge and the
    /confidentialite page both read these, so the page always says what the purge does."""

    # The data controller as the privacy page names it (PRIVACY_CONTROLLER); empty: the
    # Mission Locale's name in the database.
    controller: str = ""
    # Where to write to exercise one's rights (PRIVACY_CONTACT: an e-mail or postal address);
    # empty: the page points to the Mission Locale's sites and phone numbers.
    contact: str = ""
    # The data protection officer, when there is one (PRIVACY_DPO).
    dpo: str = ""
    conversations_months: int = 12  # messages, 12 months after the conversation's last activity
    contacts_months: int = 24  # a contact with nothing left, 24 months after its last activity
    appointments_months: int = 24  # after the appointment's date
    deliveries_months: int = 6  # a campaign's delivery rows
    events_days: int = 7  # platform event ids (resent updates are recognised this long)
    audit_months: int = 12  # the audit log of staff access


def _privacy(env: Mapping[str, str]) -> PrivacySettings:
    return PrivacySettings(
        controller=env.get("PRIVACY_CONTROLLER", "").strip(),
        contact=env.get("PRIVACY_CONTACT", "").strip(),
        dpo=env.get("PRIVACY_DPO", "").strip(),
        conversations_months=_int(env, "RETENTION_CONVERSATIONS_MONTHS", 12, 1, 120),
        contacts_months=_int(env, "RETENTION_CONTACTS_MONTHS", 24, 1, 120),
        appointments_months=_int(env, "RETENTION_APPOINTMENTS_MONTHS", 24, 1, 120),
        deliveries_months=_int(env, "RETENTION_DELIVERIES_MONTHS", 6, 1, 120),
        events_days=_int(env, "RETENTION_EVENTS_DAYS", 7, 2, 365),
        audit_months=_int(env, "RETENTION_AUDIT_MONTHS", 12, 1, 120),
    )


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
    # Where young people reach the web chat (links and QR codes of outreach sources).
    public_url: str = "http://127.0.0.1:8080"
    # Bearer token of the staff JSON API (outreach figures); generated when not configured.
    staff_token: str = field(default="", repr=False)
    staff_token_configured: bool = False
    # CAMPAIGN_APPROVAL=1: an admin approves each campaign before it can go (#11).
    campaign_approval: bool = False
    # The sites allowed to show the web chat in a frame (WEBCHAT_FRAME_ANCESTORS, origins
    # separated by spaces or commas: the Mission Locale's own site); none: only the bot itself.
    webchat_frame_ancestors: tuple[str, ...] = ()
    telegram: TelegramSettings | None = None
    instagram: InstagramSettings | None = None
    booking: BookingSettings = field(default_factory=BookingSettings)
    scheduling: SchedulingSettings = field(default_factory=SchedulingSettings)
    flood: FloodSettings = field(default_factory=FloodSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    @property
    def var_dir(self) -> Path:
        return self.project_dir / "var"


# The async driver the bot uses for each database (#12): hosts print `postgresql://…` (or the
# older `postgres://…`); Rasa's own URL may name a sync driver (`postgresql+psycopg2://…`).
_ASYNC_DRIVERS = {
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
}


def async_database_url(url: str) -> str:
    """The same database, reached with the bot's async driver."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database URL (postgresql://… or sqlite:///…)"
        ) from None
    driver = _ASYNC_DRIVERS.get(parsed.get_backend_name())
    if driver is None:
        raise ConfigError(
            "DATABASE_URL must be postgresql://… (or postgresql+asyncpg://…) or sqlite:///…"
        )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


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
    database_url = async_database_url(
        env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{var / 'bot.db'}"
    )
    tracker_url = env.get("RASA_TRACKER_URL") or f"sqlite:///{var / 'rasa_tracker.db'}"
    staff_token = env.get("STAFF_API_TOKEN", "").strip()
    if staff_token and len(staff_token) < 16:
        raise ConfigError("STAFF_API_TOKEN must be at least 16 characters long")
    host = env.get("HOST", "127.0.0.1")
    port = _int(env, "PORT", 8080, 1, 65535)
    return Settings(
        project_dir=root,
        host=host,
        port=port,
        database_url=database_url,
        demo=_bool(env, "DEMO", True),
        campaign_approval=_bool(env, "CAMPAIGN_APPROVAL", False),
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
        public_url=_https_url(env, "PUBLIC_URL") or f"http://{host}:{port}",
        staff_token=staff_token or secrets.token_urlsafe(24),
        staff_token_configured=bool(staff_token),
        telegram=_telegram(env),
        instagram=_instagram(env),
        booking=_booking(env),
        scheduling=_scheduling(env),
        flood=_flood(env),
        privacy=_privacy(env),
        webchat_frame_ancestors=_origins(env, "WEBCHAT_FRAME_ANCESTORS"),
    )

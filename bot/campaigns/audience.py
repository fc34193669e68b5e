"""Who a campaign's messages go to (#11): always and only young people who said yes to the news,
can be reached, are 16 or over and are not talking with a counsellor right now; narrowed by the
filters campaign staff choose. Parsed from the composer's JSON, refused in French when wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.vocabulary import AGE_BANDS, Orientation

ACTIVITY_DAYS = (7, 30, 90, 180, 365)
SMALL_GROUP = 5  # a count below this is shown as « moins de 5 »
FIELDS = frozenset(
    {"site_id", "department", "age_band", "source", "outcome", "active_days", "appointment"}
)


class AudienceRefused(ValueError):
    """An audience filter that cannot be read; the message is French, for the composer."""


@dataclass(frozen=True, slots=True)
class Audience:
    site_id: int | None = None
    department: str | None = None
    age_band: str | None = None
    source: str | None = None  # an outreach source code
    outcome: Orientation | None = None
    active_days: int | None = None
    # True: only with an upcoming appointment; False: only without; None: either.
    appointment: bool | None = None

    def json(self) -> dict[str, Any]:
        values = {
            "site_id": self.site_id,
            "department": self.department,
            "age_band": self.age_band,
            "source": self.source,
            "outcome": None if self.outcome is None else self.outcome.value,
            "active_days": self.active_days,
            "appointment": self.appointment,
        }
        return {k: v for k, v in values.items() if v is not None}


def parse_audience(raw: object) -> Audience:
    """`{}` is everyone who said yes; each key narrows it."""
    if raw is None:
        return Audience()
    if not isinstance(raw, dict):
        raise AudienceRefused("Le public doit être un objet JSON, par exemple {}.")
    unknown = set(raw) - FIELDS
    if unknown:
        raise AudienceRefused(f"Filtre inconnu : {', '.join(sorted(map(str, unknown)))}.")
    values = {k: v for k, v in raw.items() if v not in (None, "")}
    return Audience(
        site_id=_int(values.get("site_id"), "site_id"),
        department=_department(values.get("department")),
        age_band=_choice(values.get("age_band"), AGE_BANDS, "Tranche d'âge"),
        source=_source(values.get("source")),
        outcome=_outcome(values.get("outcome")),
        active_days=_active_days(values.get("active_days")),
        appointment=_appointment(values.get("appointment")),
    )


def shown_count(count: int) -> str:
    """Small groups are not shown exactly (nobody is singled out)."""
    return f"moins de {SMALL_GROUP}" if count < SMALL_GROUP else str(count)


def _int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not str(value).isdigit() or len(str(value)) > 9:
        raise AudienceRefused(f"{name} : un numéro.")
    return int(str(value))


def _department(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    if not (text.isdigit() and len(text) in (2, 3)) and text not in ("2A", "2B"):
        raise AudienceRefused("Département : 2 chiffres (3 outre-mer), par exemple 93 ou 972.")
    return text


def _choice(value: object, allowed: dict[str, Any], label: str) -> str | None:
    if value is None:
        return None
    if str(value) not in allowed:
        raise AudienceRefused(f"{label} : {', '.join(allowed)}.")
    return str(value)


def _source(value: object) -> str | None:
    if value is None:
        return None
    code = str(value).strip().lower()
    if not code or len(code) > 32:
        raise AudienceRefused("Source : un code de repérage.")
    return code


def _outcome(value: object) -> Orientation | None:
    if value is None:
        return None
    try:
        return Orientation(str(value))
    except ValueError:
        names = ", ".join(o.value for o in Orientation)
        raise AudienceRefused(f"Résultat du questionnaire : {names}.") from None


def _active_days(value: object) -> int | None:
    days = _int(value, "active_days")
    if days is not None and days not in ACTIVITY_DAYS:
        raise AudienceRefused(
            f"Dernière activité : {', '.join(map(str, ACTIVITY_DAYS))} derniers jours."
        )
    return days


def _appointment(value: object) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise AudienceRefused("Rendez-vous à venir : true, false ou rien.")

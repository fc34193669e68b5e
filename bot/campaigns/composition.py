"""What a campaign may say and when it may go (#11): each platform's limits (Instagram caption
≤ 2 200 characters and ≤ 30 hashtags, Telegram 4 096 characters for a text and 1 024 for a
caption), an image where a feed post needs one, buttons the bot understands, a send time that is
not past and not in the quiet hours of the site (the next allowed time is proposed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.core.vocabulary import CampaignTarget, PostTarget
from bot.scheduling.quiet_hours import QuietHours, is_quiet, quiet_ends_at

MAX_TITLE = 120
TELEGRAM_TEXT = 4096
TELEGRAM_CAPTION = 1024
INSTAGRAM_CAPTION = 2200
INSTAGRAM_HASHTAGS = 30
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 40
# A send a little in the past (the form took a minute) is « now »; further back is refused.
PAST_TOLERANCE = timedelta(minutes=2)
FURTHEST = timedelta(days=366)
HASHTAG = re.compile(r"(?<!\w)#\w+")
BUTTON_KINDS = {"book": "book_appointment", "questionnaire": "check_eligibility"}
DM_CHANNELS = {
    CampaignTarget.TELEGRAM_DM: "telegram",
    CampaignTarget.INSTAGRAM_DM: "instagram",
    CampaignTarget.WEBCHAT: "webchat",
}


class CompositionRefused(ValueError):
    """A campaign that cannot be sent as composed; the message is French, for the composer."""


@dataclass(frozen=True, slots=True)
class CampaignButton:
    kind: str  # book, questionnaire, link
    title: str
    url: str | None = None

    def json(self) -> dict[str, str]:
        data = {"kind": self.kind, "title": self.title}
        return data if self.url is None else {**data, "url": self.url}


@dataclass(frozen=True, slots=True)
class Composition:
    title: str
    text: str
    targets: tuple[CampaignTarget, ...]
    buttons: tuple[CampaignButton, ...]
    has_image: bool

    @property
    def posts(self) -> tuple[PostTarget, ...]:
        return tuple(PostTarget(t.value) for t in self.targets if t.value in set(PostTarget))

    @property
    def dm_channels(self) -> tuple[str, ...]:
        return tuple(DM_CHANNELS[t] for t in self.targets if t in DM_CHANNELS)


def parse_composition(raw: dict[str, Any], *, has_image: bool) -> Composition:
    title = str(raw.get("title") or "").strip()
    text = str(raw.get("text") or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise CompositionRefused(f"Le titre doit faire 1 à {MAX_TITLE} caractères.")
    if not text:
        raise CompositionRefused("Le texte est vide.")
    targets = _targets(raw.get("targets"))
    buttons = _buttons(raw.get("buttons"))
    composition = Composition(title, text, targets, buttons, has_image)
    for problem in limits_exceeded(composition):
        raise CompositionRefused(problem)
    return composition


def limits_exceeded(composition: Composition) -> list[str]:
    """Each target's refusal, in French (also shown live in the composer)."""
    text, problems = composition.text, []
    targets = set(composition.targets)
    telegram = targets & {CampaignTarget.TELEGRAM_CHANNEL, CampaignTarget.TELEGRAM_DM}
    if telegram and composition.has_image and len(text) > TELEGRAM_CAPTION:
        problems.append(
            f"Telegram : avec une image, le texte est une légende de {TELEGRAM_CAPTION} "
            f"caractères au plus ({len(text)})."
        )
    elif telegram and len(text) > TELEGRAM_TEXT:
        problems.append(f"Telegram : {TELEGRAM_TEXT} caractères au plus ({len(text)}).")
    if CampaignTarget.INSTAGRAM_FEED in targets:
        if not composition.has_image:
            problems.append("Instagram (fil) : une publication a besoin d'une image.")
        if len(text) > INSTAGRAM_CAPTION:
            problems.append(
                f"Instagram : légende de {INSTAGRAM_CAPTION} caractères au plus ({len(text)})."
            )
        hashtags = len(HASHTAG.findall(text))
        if hashtags > INSTAGRAM_HASHTAGS:
            problems.append(f"Instagram : {INSTAGRAM_HASHTAGS} hashtags au plus ({hashtags}).")
    return problems


def checked_send_at(
    raw: object, now: datetime, timezone: str, quiet: QuietHours | None
) -> datetime:
    """When it goes (UTC): now when null; refused when past, too far, or in quiet hours (with
    the next allowed time, local)."""
    if raw is None or raw == "":
        when = now
    else:
        try:
            when = datetime.fromisoformat(str(raw))
        except ValueError:
            raise CompositionRefused("Date d'envoi illisible (ISO 8601 avec fuseau).") from None
        if when.tzinfo is None:
            raise CompositionRefused(
                "Date d'envoi sans fuseau horaire (ex. 2026-12-08T14:00+01:00)."
            )
        if when < now - PAST_TOLERANCE:
            raise CompositionRefused("Cette date d'envoi est passée.")
        when = max(when, now)
    if when > now + FURTHEST:
        raise CompositionRefused("Pas plus d'un an à l'avance.")
    if is_quiet(when, timezone, quiet):
        allowed = quiet_ends_at(when, timezone, quiet)
        assert allowed is not None
        local = allowed.astimezone(ZoneInfo(timezone))
        raise CompositionRefused(
            "Heures calmes : pas d'envoi aux jeunes à cette heure-là. Prochain moment possible : "
            f"{local:%d/%m/%Y à %H:%M}."
        )
    return when


def _targets(raw: object) -> tuple[CampaignTarget, ...]:
    if not isinstance(raw, list) or not raw:
        raise CompositionRefused("Choisis au moins une destination.")
    targets: list[CampaignTarget] = []
    for value in raw:
        try:
            target = CampaignTarget(str(value))
        except ValueError:
            names = ", ".join(t.value for t in CampaignTarget)
            raise CompositionRefused(f"Destination inconnue : {value} ({names}).") from None
        if target not in targets:
            targets.append(target)
    return tuple(targets)


def _buttons(raw: object) -> tuple[CampaignButton, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > MAX_BUTTONS:
        raise CompositionRefused(f"{MAX_BUTTONS} boutons au plus.")
    buttons = []
    for item in raw:
        if not isinstance(item, dict):
            raise CompositionRefused('Un bouton : {"kind", "title"}.')
        kind, title = str(item.get("kind", "")), str(item.get("title", "")).strip()
        if kind not in (*BUTTON_KINDS, "link"):
            raise CompositionRefused("Bouton : book, questionnaire ou link.")
        if not title or len(title) > MAX_BUTTON_TITLE:
            raise CompositionRefused(f"Titre de bouton : 1 à {MAX_BUTTON_TITLE} caractères.")
        url = None
        if kind == "link":
            url = str(item.get("url", "")).strip()
            parts = urlsplit(url)
            if parts.scheme != "https" or not parts.netloc or len(url) > 500:
                raise CompositionRefused("Un lien commence par https:// (500 caractères au plus).")
        buttons.append(CampaignButton(kind, title, url))
    return tuple(buttons)

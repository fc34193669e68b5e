"""Recognise a young person in danger from their words, and compose the emergency answer.

Deterministic keyword patterns on normalised text (no accents, SMS spellings folded), so it works
in any conversation state and even when Rasa is down. Rasa's `distress` intent catches what the
patterns miss; both answer with the same content (bot/content/distress.toml).
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.core.messages import BotReply, Button

CONTENT_PATH = Path(__file__).resolve().parents[1] / "content" / "distress.toml"
HUMAN_PAYLOAD = "/request_human"


class DistressKind(StrEnum):
    """Ordered by what to show first."""

    IMMEDIATE_DANGER = "immediate_danger"
    SUICIDE = "suicide"
    SHELTER = "shelter"
    CHILD_DANGER = "child_danger"
    PARTNER_VIOLENCE = "partner_violence"
    VIOLENCE = "violence"
    HUNGER = "hunger"


# Whole-word SMS spellings folded before matching (on text already without accents).
_FOLDS = {
    "jveux": "je veux", "jvx": "je veux", "veu": "veux", "jsuis": "je suis", "chui": "je suis",
    "jsui": "je suis", "chuis": "je suis", "jss": "je suis", "jai": "j ai", "g": "j ai",
    "jme": "je me", "jpeux": "je peux", "jpense": "je pense", "mn": "mon", "m": "me",
    "ma": "ma", "mapelle": "m appelle", "ptet": "peut etre", "pr": "pour", "ds": "dans",
    "tjr": "toujours", "tjrs": "toujours", "bcp": "beaucoup", "mnt": "maintenant",
    "mtn": "maintenant", "auj": "aujourd hui", "ajd": "aujourd hui", "sa": "ca",
    "tape": "tape", "daron": "pere", "daronne": "mere", "reum": "mere", "reup": "pere",
    "keum": "mec", "meuf": "copine", "ke": "que", "koi": "quoi", "nul": "nulle",
}  # fmt: skip

_ME = r"(?:me|m|moi)"
_PARTNER = r"(?:copain|mec|mari|conjoint|compagnon|ex|copine|femme|petit ami|gars|keum)"
_FAMILY = (
    r"(?:pere|mere|parents?|beau pere|belle mere|frere|soeur|oncle|tante|cousin|"
    r"grand pere|famille)"
)
_HITS = (
    r"(?:frapp\w*|tap\w*|ba[tt]\w*|viol\w*|forc\w*|cogn\w*|etrangl\w*|touch\w*|abus\w*|menac\w*)"
)

_PATTERNS: dict[DistressKind, tuple[str, ...]] = {
    DistressKind.IMMEDIATE_DANGER: (
        r"\bau secours\b",
        r"\b(?:va|vont|veut|veulent|voulait|menace de) (?:me|m) tuer\b",
        r"\ben danger\b",
        r"\baidez? ?(?:moi|nous)? ?(?:vite|svp vite|urgent)\b",
        r"\b(?:devant|derriere) (?:ma porte|chez moi|la porte)\b",
        r"\bil (?:a|as) un (?:couteau|arme|flingue)\b",
        r"\bj ai (?:tres )?peur (?:qu il|qu elle|qu ils|de lui|de rentrer|pour ma vie)\b",
    ),
    DistressKind.SUICIDE: (
        r"\bsuicid\w*",
        r"\b(?:je vais|vais|veux|voudrais|envie de|pense a|penser a|peux|devrais|prefere|aller|"
        r"essaye de|essaie de|tente de) (?:me|m) (?:tuer|buter|foutre en l air|pendre|jeter|"
        r"ouvrir les veines)\b",
        r"\b(?:en finir|tout arreter pour de bon|disparaitre pour toujours)\b",
        r"\b(?:plus|pas) (?:envie de|la force de) vivre\b",
        r"\b(?:veux|veut|voudrais|envie de) (?:plus|pas) vivre\b",
        r"\b(?:veux|voudrais|envie de|prefere) mourir\b",
        r"\bscarifi\w*",
        r"\b(?:me|m) (?:faire du mal|couper|mutiler)\b",
        r"\bidees? (?:noires?|suicidaires?)\b",
        r"\bsauter (?:du|d un|par la|par le|sous)\b",
        r"\bavaler (?:tous )?(?:mes|des) (?:medocs|medicaments|cachets)\b",
        r"\bmieux sans moi\b",
        r"\b(?:fatigue|fatiguee|marre|lasse) de vivre\b",
        r"\b(?:avale|pris|prise) (?:tous |toute )?(?:mes |des |la boite de |une boite de )?"
        r"(?:medocs|medicaments|cachets|comprimes)\b",
        r"\b(?:entailles|me taillade|taillader)\b",
        r"\bpersonne (?:ne )?me regretter\w*",
        r"\bsers? a rien (?:que je sois|de vivre)\b",
    ),
    DistressKind.SHELTER: (
        r"\b(?:dors?|dormir|dormi|dormirai|passer la nuit)\b.{0,30}\b(?:dehors|rue|voiture|gare|"
        r"parc|tente|escalier|cage d escalier|squat)\b",
        r"\b(?:a la rue|sans abri|sans domicile|sans toit|sans logement|sdf)\b",
        r"\b(?:mis|mise|foutu|foutue|jete|jetee|vire|viree|chasse|chassee) "
        r"(?:a la )?(?:dehors|porte)\b",
        r"\b(?:vire|viree|chasse|chassee|jete|jetee) de (?:chez|la maison)\b",
        r"\bnulle? ?part (?:ou|pour) (?:dormir|aller|me loger|dormi)\b",
        r"\bpas (?:d endroit|de toit|de logement|de place) (?:ou|pour) dormir\b",
        r"\bou dormir ce soir\b",
        r"\bpas de toit\b",
    ),
    DistressKind.CHILD_DANGER: (
        rf"\b(?:mon|ma|mes|mn) {_FAMILY}\b.{{0,25}}\b{_ME}? ?{_HITS}",
        rf"\b{_HITS} par (?:mon|ma|mes) {_FAMILY}\b",
        r"\bmaltrait\w*",
        r"\binceste\b",
    ),
    DistressKind.PARTNER_VIOLENCE: (
        rf"\b(?:mon|ma|mn) {_PARTNER}\b.{{0,25}}\b{_ME}? ?{_HITS}",
        r"\bviolences? conjugales?\b",
    ),
    DistressKind.VIOLENCE: (
        rf"\b(?:on|il|elle|ils|elles) {_ME} {_HITS}",
        r"\b(?:je me suis fait|j ai ete|je me fais) (?:frapper|agresser|violer|tabasser|taper)\b",
        r"\b(?:viol|violee|agression sexuelle|harcelement|harcele|harcelee)\b",
    ),
    DistressKind.HUNGER: (
        r"\b(?:rien|pas) mange depuis\b",
        r"\b(?:j ai|on a) (?:trop )?faim\b",
        r"\brien a manger\b",
        r"\bpas de quoi manger\b",
    ),
}

_COMPILED = {kind: [re.compile(p) for p in patterns] for kind, patterns in _PATTERNS.items()}


def normalize(text: str) -> str:
    """Lowercase, no accents, apostrophes and punctuation as spaces, SMS spellings folded,
    letters repeated 3 times or more reduced to one."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"(.)\1{2,}", r"\1", plain)
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    return " ".join(_FOLDS.get(word, word) for word in words)


def classify(text: str) -> frozenset[DistressKind]:
    """The danger situations a message describes; empty when none is recognised."""
    normalized = normalize(text)
    found = {
        kind for kind, patterns in _COMPILED.items() if any(p.search(normalized) for p in patterns)
    }
    if found & {DistressKind.CHILD_DANGER, DistressKind.PARTNER_VIOLENCE}:
        found.discard(DistressKind.VIOLENCE)
    return frozenset(found)


@dataclass(frozen=True)
class DistressContent:
    opening: str
    closing: str
    human_button: str
    by_kind: dict[str, str]

    def reply(self, kinds: frozenset[DistressKind]) -> BotReply:
        """One message: the numbers for what was said (all main ones if nothing specific)."""
        ordered = [k for k in DistressKind if k in kinds]
        blocks = [self.by_kind[k.value] for k in ordered] or [self.by_kind["unspecified"]]
        text = "\n".join([self.opening, *blocks, self.closing])
        return BotReply(text=text, buttons=(Button(self.human_button, HUMAN_PAYLOAD),))


@cache
def load_distress_content(path: Path = CONTENT_PATH) -> DistressContent:
    """Read once per process (the distress action runs on every recognised crisis)."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    return DistressContent(
        opening=str(data["opening"]),
        closing=str(data["closing"]),
        human_button=str(data["human_button"]),
        by_kind={str(k): str(v["text"]) for k, v in data["kinds"].items()},
    )

"""Read the young person's situation from free text: what they do now, the kind of contract,
weekly hours, who already follows them, their town or postcode, and « en fait… » corrections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.eligibility.free_text import DontKnow, plain_words
from bot.eligibility.outcome import Activity, Contract

# Order matters: « formation » before « travail » (« je cherche du travail » is not working), and
# looking for work or doing nothing before having a job.
_ACTIVITY_PATTERNS: tuple[tuple[Activity, re.Pattern[str]], ...] = (
    (Activity.NOTHING, re.compile(
        r"\b(?:rien|nada|que dalle|chomage|chomeur|chomeuse|sans emploi|au rsa|je cherche|"
        r"cherche (?:du |un )?(?:travail|taf|boulot|job|emploi|taff)|en recherche|"
        r"j ai arrete|jai arrete|j ai lache|jai lache|decroch|neet|je fais pas grand chose|"
        r"je suis a la maison|a la maison|je glande|aucun)\b")),
    (Activity.TRAINING, re.compile(
        r"\b(?:formation|formations|en forma|stage de formation|afpa|greta|e2c|epide|"
        r"service civique|ecole de la 2e chance|ecole de la deuxieme chance)\b")),
    (Activity.STUDYING, re.compile(
        r"\b(?:etude|etudes|etudiant|etudiante|etudie|lycee|lyceen|lyceenne|college|fac|"
        r"universite|bts|bac|cap|licence|master|but|iut|ecole|en cours|scolarise|scolarisee|"
        r"seconde|premiere|terminale)\b")),
    (Activity.WORKING, re.compile(
        r"\b(?:travail|travaille|taf|taff|boulot|job|bosse|bosser|je bosse|emploi|cdi|cdd|"
        r"interim|alternance|apprenti|apprentie|apprentissage|contrat|salarie|salariee|"
        r"auto entrepreneur|micro entrepreneur|mission|missions|extra|extras|je gagne)\b")),
)  # fmt: skip

_CHOICES_ACTIVITY = {a.value: a for a in Activity}


def parse_activity(text: str) -> Activity | None:
    """« je fais rien », « en formation », « à la fac », « je bosse en intérim »…"""
    plain = plain_words(text)
    if plain in _CHOICES_ACTIVITY:
        return _CHOICES_ACTIVITY[plain]
    for activity, pattern in _ACTIVITY_PATTERNS:
        if pattern.search(plain):
            return activity
    return None


_CONTRACT_PATTERNS: tuple[tuple[Contract, re.Pattern[str]], ...] = (
    (Contract.ALTERNANCE, re.compile(r"\b(?:alternance|alternant|alternante|apprenti|apprentie|"
                                     r"apprentissage|contrat pro|professionnalisation)\b")),
    (Contract.CDI, re.compile(r"\b(?:cdi|indetermine|duree indeterminee)\b")),
    (Contract.INTERIM, re.compile(r"\b(?:interim|interimaire|mission|missions|agence)\b")),
    (Contract.LONG_CDD, re.compile(
        r"\b(?:cdd (?:de )?(?:6|six|7|sept|8|huit|9|neuf|10|dix|11|onze|12|douze|18) mois|"
        r"cdd d un an|cdd 1 an|cdd long|cdd de plus de 6 mois|cdd plus de 6 mois|"
        r"6 mois ou plus|plus de 6 mois)\b")),
    (Contract.SHORT_CDD, re.compile(
        r"\b(?:cdd|moins de 6 mois|cdd court|saisonnier|saison|extra|extras)\b")),
    (Contract.OTHER, re.compile(
        r"\b(?:autre|black|non declare|au noir|auto entrepreneur|micro entrepreneur|freelance|"
        r"independant|independante|service civique|sans contrat)\b")),
)  # fmt: skip

_CHOICES_CONTRACT = {c.value: c for c in Contract}


def parse_contract(text: str) -> Contract | None:
    plain = plain_words(text)
    if plain.replace(" ", "_") in _CHOICES_CONTRACT:
        return _CHOICES_CONTRACT[plain.replace(" ", "_")]
    for contract, pattern in _CONTRACT_PATTERNS:
        if pattern.search(plain):
            return contract
    return None


_HALF = re.compile(r"\b(?:mi temps|mitemps|temps partiel)\b")
_FULL = re.compile(r"\b(?:temps plein|plein temps|35 ?h|35 heures)\b")


def parse_weekly_hours(text: str) -> float | DontKnow | None:
    """« 20 », « 20h », « 24 heures », « mi-temps », « temps plein », « ché pas »."""
    plain = plain_words(text)
    if re.search(r"\b(?:jsp|je sais pas|sais pas|ca depend|depend|variable|ch[ae] pas)\b", plain):
        return DontKnow()
    if _FULL.search(plain):
        return 35.0
    if _HALF.search(plain):
        return 17.5
    match = re.search(r"\b(\d{1,2})(?:[.,](\d))?\s*(?:h|heures?|hrs?)?\b", text.lower())
    if match is None:
        return None
    hours = float(f"{match.group(1)}.{match.group(2) or 0}")
    return hours if 0 < hours <= 70 else None


class FollowedBy(StrEnum):
    """Who already follows the young person (registration at France Travail is needed since
    1 January 2025 for the CEJ and the PACEA) [S14]."""

    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    BOTH = "both"
    NONE = "none"


_FT = re.compile(r"\b(?:france travail|pole emploi|pe|ft|inscrit|inscrite|chomage)\b")
_ML = re.compile(r"\b(?:mission locale|missions locales|la mission|ml|conseiller|conseillere)\b")
_NONE = re.compile(r"\b(?:non|nan|aucun|aucune|personne|rien|ni l un ni l autre|jamais|pas du tout|"
                   r"ni l un|nn)\b")  # fmt: skip


def parse_followed_by(text: str) -> FollowedBy | DontKnow | None:
    plain = plain_words(text)
    if plain in {f.value for f in FollowedBy}:
        return FollowedBy(plain)
    if re.search(r"\b(?:jsp|je sais pas|sais pas|ch[ae] pas|je crois|peut etre)\b", plain):
        return DontKnow()
    if re.search(r"\bles deux\b|\b(?:tous les deux|both)\b", plain):
        return FollowedBy.BOTH
    france_travail, mission_locale = bool(_FT.search(plain)), bool(_ML.search(plain))
    # « non pas encore » is the common answer; « non, juste France Travail » names one of them.
    if re.match(r"^(?:non|nan|nn|pas)\b", plain) and not re.search(
        r"\b(?:juste|que|seulement|mais)\b", plain
    ):
        return FollowedBy.NONE
    if france_travail and mission_locale:
        return FollowedBy.BOTH
    if france_travail:
        return FollowedBy.FRANCE_TRAVAIL
    if mission_locale:
        return FollowedBy.MISSION_LOCALE
    if _NONE.search(plain):
        return FollowedBy.NONE
    return None


@dataclass(frozen=True, slots=True)
class Town:
    """A postcode and/or a town name, as given (only what is needed to find the nearest site)."""

    postcode: str | None
    name: str | None

    @property
    def department(self) -> str | None:
        if self.postcode is None:
            return None
        return self.postcode[:3] if self.postcode.startswith("97") else self.postcode[:2]

    def label(self) -> str:
        return " ".join(part for part in (self.postcode, self.name) if part)


_DECLINES = re.compile(
    r"\b(?:prefere pas|prefere ne pas|pas envie|peu importe|je dirai pas|je dis pas|"
    r"pas te dire|pas dire|secret|osef|on s en fout|je veux pas dire)\b"
)
# Words that do not name a town (a sentence answering something else).
_NOT_TOWN_WORDS = frozenset({
    "je", "j", "tu", "il", "elle", "on", "nous", "vous", "est", "suis", "es", "quoi", "comment",
    "pourquoi", "combien", "veux", "peux", "cherche", "pas", "ne", "c", "ca", "moi", "toi",
    "oui", "non", "merci", "bonjour", "salut", "slt", "wesh", "cej", "pacea", "stp", "svp",
    "jsp", "sais", "travail", "taf", "boulot", "formation", "aide", "aides", "rdv", "rendez",
    "parler", "conseiller", "mais", "et", "ou",
})  # fmt: skip


def declines(text: str) -> bool:
    """« je préfère pas dire », « peu importe »: an answer not given, on purpose."""
    return bool(_DECLINES.search(plain_words(text)))


_POSTCODE = re.compile(r"\b((?:0[1-9]|[1-8]\d|9[0-5]|2[ab]|97[1-6])\d{3})\b", re.IGNORECASE)
_NOT_A_TOWN = re.compile(r"\b(?:jsp|je sais pas|sais pas|ch[ae] pas|rien|non|oui|stop)\b")
_TOWN_WORDS = re.compile(r"^[^\W\d_]+(?:[\s'’-][^\W\d_]+){0,4}$")
_FILLERS = re.compile(
    r"^(?:j habite (?:a|au|en|sur|dans)?|jhabite (?:a|au|en)?|je vis (?:a|au|en)|a|au|en|sur|"
    r"dans|vers|pres de|je suis (?:a|au|en|sur)|j suis a)\s+",
)


def parse_town(text: str) -> Town | None:
    """« 69001 », « Lyon », « j'habite à Vaulx-en-Velin », « 97200 Fort-de-France »."""
    cleaned = text.strip()
    postcode_match = _POSTCODE.search(cleaned)
    postcode = postcode_match.group(1).upper() if postcode_match else None
    rest = _POSTCODE.sub(" ", cleaned) if postcode else cleaned
    rest = re.sub(r"\s+", " ", rest).strip(" ,.;!?")
    plain = plain_words(rest)
    if _NOT_A_TOWN.search(plain) and postcode is None:
        return None
    words = _FILLERS.sub("", plain).strip()
    name: str | None = None
    if (
        words
        and _TOWN_WORDS.match(words)
        and len(words) <= 45
        and not _NOT_TOWN_WORDS.intersection(words.split())
    ):
        name = words
    if postcode is None and name is None:
        return None
    return Town(postcode, name)


# « non en fait j'ai 20 ans », « pardon je me suis trompé », « enfait je bosse »
_CORRECTION = re.compile(
    r"\b(?:en fait|enfait|je me suis trompe|jme suis trompe|je me suis trompee|trompe|oups|"
    r"pardon|correction|je voulais dire|jvoulais dire|plutot|finalement|erreur|"
    r"(?:non|nan) (?:j ai|jai|je suis|jsuis|je|c est))\b"
)


def sounds_like_correction(text: str) -> bool:
    return bool(_CORRECTION.search(plain_words(text)))


def mentions_age(text: str) -> bool:
    """An age said as such (« 20 ans », « né en 2006 »), strict enough to read as a correction."""
    plain = plain_words(text)
    return bool(
        re.search(r"\b\d{1,2} ?ans?\b|\bans\b|\bnee? en\b|\b(?:19|20)\d{2}\b", plain)
    ) and not re.search(r"\bdepuis\b", plain)


def mentions_money(text: str) -> bool:
    plain = plain_words(text)
    return bool(re.search(r"(?:€|\beuros?\b|\bballes\b|\bje gagne\b|\bpar mois\b|\bnet\b)",
                          f"{text.lower()} {plain}"))  # fmt: skip

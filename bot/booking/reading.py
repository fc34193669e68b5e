"""Reading the young person's answers while booking: a slot picked by typing (« le 2eme »,
« oui le premier », « mardi 10h », « autres creneaux »), how they want to meet, a remark about
the counsellor, « c'est où ? », a first name (or « passer »), a phone number. Preferences in
words (« mardi aprem », « pas avant 10h ») are read by bot/booking/preferences.py."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from bot.booking.offers import Mode
from bot.booking.preferences import bounded_hours
from bot.core.french_dates import WEEKDAYS
from bot.eligibility.free_text import plain_words

# Regions tried in turn for a number written without +33: mainland, then the overseas
# departments (a 0696 number is a Martinique mobile, not a mainland one).
PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM")

# « après » alone (« et après ? ») asks for the next ones; « après 14h », « après-midi » and
# « après les cours » are wishes (bot/booking/preferences.py), read before this.
_MORE = re.compile(
    r"\b(?:autres?|d autres|plus tard|apres(?! ?(?:\d|(?:midi|demain|les?|la|mes|mon|ma)\b))|"
    r"pas dispo|aucun|rien ne (?:me )?va|ca va pas|semaine pro|semaine prochaine|plus loin|"
    r"suivants?)\b"
)
_PHONE_MODE = re.compile(r"\b(?:tel|telephone|appel|appelle|appeler|phone|fone)\b")
_VIDEO_MODE = re.compile(r"\b(?:visio|video|visioconference|zoom|teams|meet|facetime|camera)\b")
_IN_PERSON_MODE = re.compile(
    r"\b(?:sur place|en vrai|en face|permanence|venir|me deplacer|a l agence|a la mission locale|"
    r"au local|en presentiel|presentiel)\b"
)
_ORDINALS = {
    "premier": 1, "premiere": 1, "1er": 1, "1ere": 1, "un": 1, "1": 1,
    "deuxieme": 2, "second": 2, "seconde": 2, "2eme": 2, "2e": 2, "deux": 2, "2": 2,
    "troisieme": 3, "3eme": 3, "3e": 3, "trois": 3, "3": 3,
    "quatrieme": 4, "4eme": 4, "4e": 4, "quatre": 4, "4": 4,
    "dernier": -1, "derniere": -1,
}  # fmt: skip
# Words around a rank that change nothing (« oui le premier », « ok ça me va le 2e stp »,
# « go le premier »); a message with any other word is about something else (« j'ai 2
# enfants », « c'est mon premier rdv »).
_FILLERS = frozenset({
    "le", "la", "l", "celui", "celle", "ci", "creneau", "numero", "n", "no",
    "oui", "ouais", "ouai", "ui", "yes", "yep", "ok", "okay", "oki", "dac", "daccord", "d",
    "accord", "go", "vas", "y", "allez", "parfait", "top", "nickel", "super", "cool", "bien",
    "bon", "c", "est", "cest", "ca", "me", "va", "marche", "convient", "stp", "svp", "s", "il",
    "te", "plait", "merci", "alors", "du", "coup", "je", "j", "prends", "prend", "veux",
    "voudrais", "choisis", "prendre", "mets", "moi", "pour", "plutot", "genre", "euh", "bah",
    "ben", "please", "pls", "plz", "dispo", "disponible", "qui", "ki", "propose", "proposes",
    "proposee", "affiche", "valide", "confirme", "tout", "juste",
})  # fmt: skip
# Words that agree (« oui », « ok ça me va »): the first slot shown (the list proposes it).
_AGREE = frozenset({
    "oui", "ouais", "ouai", "ui", "yes", "yep", "ok", "okay", "oki", "dac", "daccord", "go",
    "parfait", "top", "nickel", "super", "cool", "va", "marche", "convient", "bon", "accord",
    "valide", "confirme",
})  # fmt: skip
# « le plus tôt possible », « le 1er dispo »: the first slot on the list (it is sorted by time).
_EARLIEST = re.compile(r"\b(?:le )?plus (?:tot|vite|rapide|proche)(?: possible)?\b")
MAX_PICK_WORDS = 8
_TIME = re.compile(r"\b(\d{1,2})\s*(?:h|heure|heures)\s*(\d{2})?\b|\b(\d{1,2}) (\d{2})\b")
_APOSTROPHE = "['’ʼ ]?"
_NAME_LEAD = re.compile(
    rf"^(?:(?:bonjour|salut|slt|wesh|coucou|yo)\s*,?\s+)?(?:moi\s*,?\s*)?"
    rf"(?:c{_APOSTROPHE}\s*est|c|cest|je\s*m{_APOSTROPHE}\s*appel+e|jm{_APOSTROPHE}\s*appel+e|"
    rf"mon\s+pr[eé]nom\s+(?:c{_APOSTROPHE}\s*est|est|cest)|pr[eé]nom\s*:?|appelle[- ]moi)?\s+",
    re.IGNORECASE,
)
_NAME = re.compile(r"[^\W\d_]+(?:[-' ][^\W\d_]+)?")
_NOT_NAMES = frozenset(
    {
        "oui", "non", "ok", "dac", "daccord", "stop", "rien", "personne", "jsp", "pourquoi",
        "quoi", "merci", "bonjour", "salut", "slt", "wesh", "nan", "mdr", "lol", "tel",
        "telephone", "rdv", "rendez", "vous", "autre", "autres", "annuler", "jsais", "anonyme",
        "annule", "passe", "passer", "skip", "suivant", "cej", "pacea", "aide", "aides", "taf",
        "job", "boulot", "travail", "formation", "adresse", "argent", "logement", "decaler",
        "nom", "prenom", "secret", "pas", "envie", "super", "cool", "parfait", "top", "go",
    }
)  # fmt: skip
# « non », « passer », « pas envie »… or a plain « merci » / « ok » after the confirmation: the
# appointment stays without a first name, and the question is not asked again.
_SKIP_NAME = re.compile(
    r"^(?:non|nan|nn|no|nope|non merci|pas envie|pas besoin|pas la peine|pas maintenant|"
    r"(?:je )?passe|passer|on passe|skip|suivant|plus tard|(?:je )?prefere pas|"
    r"je (?:ne )?prefere pas|je veux pas|jveux pas|je (?:ne )?veux pas (?:le )?dire|"
    r"c est (?:bon|pas grave)|cest bon|c bon|ca va|rien|anonyme|secret|jsp|je sais pas|"
    r"stop|laisse|laisse tomber|tant pis|merci|merci beaucoup|merci bcp|mrc|ok|oki|okay|"
    r"ok merci|d accord|dac|top|parfait|super|cool|nickel|ca marche|ok ca marche|"
    r"oui merci|ok super|super merci|parfait merci|top merci)(?: (?:merci|stp|svp))?$"
)
# « c'est où le rdv ? », « ça se passe où ? », « l'adresse ? »
_WHERE = re.compile(
    r"\b(?:c est ou|cest ou|c ou|ou (?:ca|c est|est ce|aller|se trouve|exactement)|"
    r"ca se passe ou|se passe ou|on se voit ou|je dois aller ou|faut aller ou|adresse|"
    r"quel (?:endroit|lieu)|(?:dans )?quelle ville)\b"
)
# A question rather than a first name (« c koi le cej », « je dois ramener quoi ? »).
_QUESTION = re.compile(
    r"^(?:c koi|c quoi|c est quoi|cest quoi|quoi|comment|combien|cb|cmb|pourquoi|quand|ou|"
    r"est ce|quel|quelle|quels|quelles|qui|je peux|jpeux|on peut|y a|ya|il y a|faut|je dois|"
    r"jdois|tu peux|vous pouvez|t es|tu es|ca|et)\b"
)
MAX_NAME = 40
_OTHER_COUNSELLOR = re.compile(
    r"\b(?:pas|plus) (?:avec )?(?:la meme|le meme|elle|lui)\b|\b(?:pas|plus) avec (?:cette|ce)\b|"
    r"\b(?:changer de|un autre|une autre|quelqu un d autre que (?:ma|mon)) conseill\w*|"
    r"\b(?:changer de|(?:une|un) autre|pas la meme|pas le meme) (?:personne|referent\w*)\b|"
    r"\bmal passe(?:e|s)? avec (?:elle|lui|(?:ma|mon|la|le|l|cette|ce) (?:conseill\w*|"
    r"referent\w*|dame|madame|monsieur|personne|meuf|mec|gars|type))\b|"
    r"\b(?:je (?:ne )?(?:veux|voudrais) plus|jveux plus) (?:la|le) (?:voir|revoir)\b"
)


def wants_other_counsellor(text: str) -> bool:
    """« pas avec la même conseillère », « ça s'est mal passé avec elle »: acknowledged (the chat
    cannot choose the person)."""
    return bool(_OTHER_COUNSELLOR.search(plain_words(text)))


def asks_where(text: str) -> bool:
    """« c'est où le rdv ? »: answered with the place, and the slots stay."""
    return bool(_WHERE.search(plain_words(text)))


def is_question(text: str) -> bool:
    """« c koi le cej », « et je ramène quoi ? »: a question, not an answer."""
    return "?" in text or bool(_QUESTION.match(plain_words(text)))


def skips_name(text: str) -> bool:
    """« non », « passer », « pas envie », « merci »: no first name, and that is fine."""
    return bool(_SKIP_NAME.match(plain_words(text)))


def says_yes(text: str) -> bool:
    """« oui », « ok ça me va »: agreeing, without naming a slot."""
    words = plain_words(text).split()
    return bool(words) and all(w in _FILLERS for w in words) and any(w in _AGREE for w in words)


@dataclass(frozen=True, slots=True)
class Offered:
    """A slot on the list shown to the young person: its code and local start time."""

    code: str
    local_start: datetime


_BOOKED_ELSEWHERE = re.compile(
    r"\b(?:pris|prise|pri|fixe|donne|cale)\b.{0,40}\b(?:par (?:tel|telephone|fone|mail)|"
    r"au telephone|a l accueil|au guichet|sur place|avec (?:ma|mon) conseill\w*)\b|"
    r"\b(?:par (?:tel|telephone)|au telephone|a l accueil)\b.{0,20}\b(?:pris|pri|fixe|cale)\b"
)


def booked_elsewhere(text: str) -> bool:
    """« j'ai pris rdv par téléphone pour jeudi »: an appointment the chat cannot see."""
    return bool(_BOOKED_ELSEWHERE.search(plain_words(text)))


def wants_more(text: str) -> bool:
    return bool(_MORE.search(plain_words(text)))


def mode_in(text: str) -> Mode | None:
    """« par tel », « en visio », « je préfère venir » → how they want to meet (None: not said)."""
    plain = plain_words(text)
    if _VIDEO_MODE.search(plain):
        return Mode.VIDEO
    if _PHONE_MODE.search(plain):
        return Mode.PHONE
    if _IN_PERSON_MODE.search(plain):
        return Mode.IN_PERSON
    return None


def pick(text: str, offered: Sequence[Offered]) -> str | None:
    """The code of the offered slot a message names: by rank in a short message (« le 2eme »,
    « oui le premier », « go le 3 stp »), by weekday and/or time (« mardi », « jeudi 14h »,
    « 10h30 ») when exactly one matches, or « oui » for the first one (the list proposes it).
    A wish with a
    bound (« après 14h ») names no slot."""
    plain = plain_words(text)
    words = plain.split()
    if not offered or not words:
        return None
    if len(words) <= MAX_PICK_WORDS and _EARLIEST.search(plain):
        plain = _EARLIEST.sub("premier", plain)
        words = plain.split()
    ranks = {_ORDINALS[w] for w in words if w in _ORDINALS}
    others = [w for w in words if w not in _ORDINALS and w not in _FILLERS]
    if len(words) <= MAX_PICK_WORDS and len(ranks) == 1 and not others:
        rank = ranks.pop()
        if rank == -1:
            return offered[-1].code
        if 1 <= rank <= len(offered):
            return offered[rank - 1].code
        return None
    if says_yes(text):
        return offered[0].code  # the list asks « le 1er te va ? réponds oui »
    plain = bounded_hours(plain)
    weekday = next((i for i, day in enumerate(WEEKDAYS) if day in plain.split()), None)
    hour_match = _TIME.search(plain)
    if weekday is None and hour_match is None:
        return None
    hour, minute = None, 0
    if hour_match is not None:
        hour = int(hour_match.group(1) or hour_match.group(3))
        minute = int(hour_match.group(2) or hour_match.group(4) or 0)
    matches = [
        o
        for o in offered
        if (weekday is None or o.local_start.weekday() == weekday)
        and (hour is None or (o.local_start.hour, o.local_start.minute) == (hour, minute))
    ]
    return matches[0].code if len(matches) == 1 else None


def parse_first_name(text: str) -> str | None:
    """« moi c sarah » → « Sarah », « jean-baptiste » → « Jean-Baptiste », « Inès »; None for a
    sentence, digits, « oui », « jsp »… Only a first name is kept (minimum data)."""
    cleaned = " ".join(text.strip().strip(".!?,;:").split())
    if not cleaned or any(c.isdigit() for c in cleaned) or is_question(text) or asks_where(text):
        return None
    lead = _NAME_LEAD.match(cleaned + " ")
    candidate = cleaned[lead.end() :].strip() if lead and lead.end() <= len(cleaned) else cleaned
    if not candidate or len(candidate) > MAX_NAME or _NAME.fullmatch(candidate) is None:
        return None
    if any(word in _NOT_NAMES for word in plain_words(candidate).split()):
        return None
    return "-".join(
        " ".join(word[:1].upper() + word[1:].lower() for word in piece.split(" "))
        for piece in candidate.split("-")
    )


def parse_phone(text: str, regions: Sequence[str] = PHONE_REGIONS) -> str | None:
    """A valid French (or overseas) phone number in E.164 (« +33612345678 »), else None."""
    digits = re.sub(r"[^\d+]", "", text)
    if not 9 <= len(digits.lstrip("+")) <= 15:
        return None
    for region in regions:
        try:
            number = phonenumbers.parse(digits, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None

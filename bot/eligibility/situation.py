"""Read the young person's situation from free text: what they do now, the kind of contract,
weekly hours, who already follows them, their town or postcode, and « en fait… » corrections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.eligibility.free_text import DONT_KNOW, DontKnow, plain_words, words_to_number
from bot.eligibility.outcome import Activity, Contract
from bot.storage.sites import department_of

# A question about the words (« c quoi un cdd », « c'est quoi la mission locale ») is not an answer.
_QUESTION = re.compile(
    r"\b(?:c (?:quoi|koi|kwa)|c est (?:quoi|koi|kwa)|cest (?:quoi|koi|kwa)|ca veut dire|"
    r"qu est ce|quest ce|kesako|kezako)\b"
)
# What one looks for or has left is not what one does: « je cherche une alternance », « j'ai
# arrêté le lycée en première ». The phrase runs to the next clause (« et je bosse », « maintenant
# je suis en formation »); taken out, it means doing nothing unless another activity is named.
_SOUGHT_OR_LEFT = re.compile(
    r"\b(?:je cherche|jcherche|je recherche|cherche|en recherche|recherche|j ai arrete|"
    r"jai arrete|g arrete|j ai lache|jai lache|j ai fini|jai fini|j ai termine|jai termine)\b"
    r"(?: (?!(?:et|mais|sinon|donc|je|j|jsuis|chui|maintenant|actuellement)\b)[a-z0-9/]+)*"
)
# A diploma one has (« j'ai le bac », « j'ai un BTS ») says nothing about studying now.
_DIPLOMA_HELD = re.compile(
    r"\b(?:j ai|jai|g|avec) (?:eu |obtenu )?(?:le |mon |un |une |ma |mes )?"
    r"(?:bac|bts|cap|licence|master|but|brevet|diplome)\b"
)
# Order matters: doing nothing (« j'ai pas de taf ») before having a job.
_ACTIVITY_PATTERNS: tuple[tuple[Activity, re.Pattern[str]], ...] = (
    (Activity.NOTHING, re.compile(
        r"\b(?:rien|r1|nada|que dalle|chomage|chomdu|chomedu|chomeur|chomeuse|sans emploi|"
        r"au rsa|pas de (?:taf|taff|travail|boulot|job|emploi)\b(?! (?:fixe|stable|declare))|"
        r"(?:travaille|bosse|taf|taff|taffe) pas(?: (?:en ce moment|pour l instant|"
        r"pour le moment|actuellement|du tout|encore))?$|"
        r"(?:decrochage|decrocheur|decrocheuse|j ai decroche|jai decroche)"
        r"(?! (?:un|une|mon|ma|des)\b)|neet|je fais pas grand chose|"
        r"je suis a la maison|a la maison|je glande|aucun)\b")),
    (Activity.TRAINING, re.compile(
        r"\b(?:formation|formations|en forma|stage de formation|afpa|greta|e2c|epide|"
        r"service civique|ecole de la 2e chance|ecole de la deuxieme chance)\b")),
    (Activity.STUDYING, re.compile(
        r"\b(?:etude|etudes|etudiant|etudiante|etudie|lycee|lyceen|lyceenne|college|fac|"
        r"universite|bts|bac|cap|licence|master|but|iut|ecole|en cours|scolarise|scolarisee|"
        r"seconde|premiere|terminale|1ere|2nde|term|prepa|bahut)\b")),
    # « France Travail », « Pôle emploi » and « la mission locale » are not jobs.
    (Activity.WORKING, re.compile(
        r"\b(?:(?<!france )travail|travaille|taf|taff|taffe|jtaf|jtaff|jtaffe|boulot|job|bosse|"
        r"bosser|jbosse|jtravaille|(?<!pole )emploi|cdi|cdd|interim|interimaire|alternance|"
        r"apprenti|apprentie|apprentiss?age|contrat|salarie|salariee|(?:auto|micro) ?"
        r"entrepreneu(?:r|se)|missions?(?! locales?\b)|extra|extras|je gagne|au black|du black|"
        r"au noir)\b")),
)  # fmt: skip

_CHOICES_ACTIVITY = {a.value: a for a in Activity}


def parse_activity(text: str) -> Activity | None:
    """« je fais rien », « en formation », « à la fac », « je bosse en intérim »…"""
    plain = plain_words(text)
    if plain in _CHOICES_ACTIVITY:
        return _CHOICES_ACTIVITY[plain]
    if _QUESTION.search(plain):
        return None
    rest = _DIPLOMA_HELD.sub(" ", _SOUGHT_OR_LEFT.sub(" ", plain))
    rest = re.sub(r"\s+", " ", rest).strip()
    for activity, pattern in _ACTIVITY_PATTERNS:
        if pattern.search(rest):
            return activity
    return Activity.NOTHING if _SOUGHT_OR_LEFT.search(plain) else None


_CONTRACT_PATTERNS: tuple[tuple[Contract, re.Pattern[str]], ...] = (
    (Contract.ALTERNANCE, re.compile(r"\b(?:alternance|alternant|alternante|apprenti|apprentie|"
                                     r"apprentiss?age|contrat pro|professionnalisation)\b")),
    (Contract.CDI, re.compile(r"\b(?:cdi|indetermine|duree indeterminee)\b")),
    (Contract.INTERIM, re.compile(
        r"\b(?:interim|interimaire|missions?(?! locales?\b)|agence)\b")),
    # « cdd 6mois », « cdd d'1 an », « cdd de 2 ans »: 6 months and more, however it is typed.
    (Contract.LONG_CDD, re.compile(
        r"\b(?:cdd (?:de |d )?(?:(?:[6-9]|[1-3]\d|six|sept|huit|neuf|dix|onze|douze) ?mois|"
        r"(?:1|un|une|2|deux|3|trois) ?(?:ans?|annees?))|cdd long|cdd longue duree|"
        r"cdd de plus de 6 mois|cdd plus de 6 mois|6 mois ou plus|plus de 6 mois)\b")),
    (Contract.SHORT_CDD, re.compile(
        r"\b(?:cdd|moins de 6 mois|cdd court|saisonnier|saison|extra|extras)\b")),
    (Contract.OTHER, re.compile(
        r"\b(?:autre|black|non declare|au noir|(?:auto|micro) ?entrepreneu(?:r|se)|freelance|"
        r"independant|independante|service civique|sans contrat|pas de contrat)\b")),
)  # fmt: skip
# A contract named to be denied (« un cdd pas un cdi ») is not the answer.
_NOT_THIS_CONTRACT = re.compile(
    r"\b(?:pas|plus) (?:en |un |une |de |d )?(?:cdi|cdd|interim|alternance)\b"
)

_CHOICES_CONTRACT = {c.value: c for c in Contract}


def parse_contract(text: str) -> Contract | None:
    plain = plain_words(text)
    if plain.replace(" ", "_") in _CHOICES_CONTRACT:
        return _CHOICES_CONTRACT[plain.replace(" ", "_")]
    if _QUESTION.search(plain):
        return None
    rest = _NOT_THIS_CONTRACT.sub(" ", plain)
    for contract, pattern in _CONTRACT_PATTERNS:
        if pattern.search(rest):
            return contract
    return None


_HALF = re.compile(r"\b(?:mi temps|mitemps|(?:temps|tps) partiel)\b")
_FULL = re.compile(r"\b(?:(?:temps|tps) plein|plein (?:temps|tps)|35 ?h|35 heures)\b")
# Days or hours a day / a month (« 2 jours par semaine », « 7h par jour ») are not weekly hours.
_NOT_WEEKLY = re.compile(r"\b(?:jours?|\d+ ?j|par mois|mensuel)\b|/ ?(?:j|jour|mois)\b")
# « 15-20h », « entre 20 et 25h »: hours that vary.
_RANGE = re.compile(
    r"\b\d{1,2}(?:[.,]\d)?\s*(?:h|heures?)?\s*(?:-|à|a|et|ou|/)\s*\d{1,2}(?:[.,]\d)?\s*"
    r"(?:h|heures?)?\b"
)


def parse_weekly_hours(text: str) -> float | DontKnow | None:
    """« 20 », « 20h », « 24 heures », « mi-temps », « temps plein », « ché pas »."""
    plain = plain_words(text)
    if DONT_KNOW.search(plain) or re.search(r"\b(?:ca depend|depend|variable)\b", plain):
        return DontKnow()
    if _QUESTION.search(plain) or _NOT_WEEKLY.search(plain):
        return None
    if _FULL.search(plain):
        return 35.0
    if _HALF.search(plain):
        return 17.5
    if _RANGE.search(text.lower()):
        return DontKnow()
    # « 17h30 »: minutes after the « h ».
    match = re.search(r"\b(\d{1,2})(?:[.,](\d))?\s*(?:h(\d{2})?|heures?|hrs?)?\b", text.lower())
    if match is not None:
        hours = float(f"{match.group(1)}.{match.group(2) or 0}") + int(match.group(3) or 0) / 60
    else:
        # Dictated: « vingt heures », « je fais quinze heures ».
        spoken = re.search(r"((?:[a-z]+ ){1,3})heures?\b", plain)
        words = spoken.group(1).split() if spoken else []
        number = next(
            (n for i in range(len(words)) if (n := words_to_number(words[i:])) is not None), None
        )
        if number is None:
            return None
        hours = float(number)
    return hours if 0 < hours <= 70 else None


class FollowedBy(StrEnum):
    """Who already follows the young person (registration at France Travail is needed since
    1 January 2025 for the CEJ and the PACEA) [S14]."""

    FRANCE_TRAVAIL = "france_travail"
    MISSION_LOCALE = "mission_locale"
    BOTH = "both"
    NONE = "none"


_FT = re.compile(r"\b(?:france travail|pole emploi|pe|ft|inscrit|inscrite|chomage)\b")
# « un conseiller » alone names neither: both have counsellors.
_ML = re.compile(r"\b(?:mission locale|missions locales|la mission|ml)\b")
_NONE = re.compile(r"\b(?:non|nan|aucun|aucune|personne|rien|ni l un ni l autre|jamais|pas du tout|"
                   r"ni l un|ni lun|nn)\b")  # fmt: skip


def parse_followed_by(text: str) -> FollowedBy | DontKnow | None:
    plain = plain_words(text)
    if plain in {f.value for f in FollowedBy}:
        return FollowedBy(plain)
    if DONT_KNOW.search(plain) or re.search(r"\b(?:je crois|peut etre)\b", plain):
        return DontKnow()
    if _QUESTION.search(plain):
        return None
    # « les 2 », but not « pas les deux, juste France Travail ».
    if re.search(r"(?<!pas )\bles (?:deux|2)\b|\bboth\b", plain):
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
        return department_of(self.postcode)

    def label(self) -> str:
        return " ".join(part for part in (self.postcode, self.name) if part)


_DECLINES = re.compile(
    r"\b(?:prefere pas|prefere ne pas|pas envie|peu importe|je dirai pas|je dis pas|"
    r"pas te dire|pas dire|secret|osef|on s en fout|je veux pas dire|jprefere pas|"
    r"jprefere ne pas|(?:te|vous) regarde pas)\b"
)
# Words that do not name a town (a sentence answering something else).
_NOT_TOWN_WORDS = frozenset({
    "je", "j", "tu", "il", "elle", "on", "nous", "vous", "est", "suis", "es", "quoi", "comment",
    "pourquoi", "combien", "veux", "peux", "cherche", "pas", "ne", "c", "ca", "moi", "toi",
    "oui", "non", "merci", "bonjour", "salut", "slt", "wesh", "cej", "pacea", "stp", "svp",
    "jsp", "sais", "travail", "taf", "boulot", "formation", "aide", "aides", "rdv", "rendez",
    "parler", "conseiller", "mais", "et", "ou",
    # Chat fillers, never a town on their own.
    "ok", "oki", "okay", "mdr", "lol", "ptdr", "hein", "euh", "bah", "bof", "ouais", "ouai",
    "nan", "nn", "dac", "jsuis", "chui", "hello", "coucou", "bjr", "cc",
})  # fmt: skip


def declines(text: str) -> bool:
    """« je préfère pas dire », « peu importe »: an answer not given, on purpose."""
    return bool(_DECLINES.search(plain_words(text)))


# Overseas postcodes are 97 + the department's third digit + two digits (« 97200 »).
_POSTCODE = re.compile(r"\b((?:0[1-9]|[1-8]\d|9[0-5]|2[ab])\d{3}|97[1-6]\d{2})\b", re.IGNORECASE)
_NOT_A_TOWN = re.compile(r"\b(?:rien|non|oui|stop)\b")
_TOWN_WORDS = re.compile(r"^[^\W\d_]+(?:[\s'’-][^\W\d_]+){0,4}$")
_GREETINGS = re.compile(r"^(?:(?:bonjour|bjr|salut|slt|wesh|coucou|cc|hello|yo|moi|euh|bah)\s+)+")
_FILLERS = re.compile(
    r"^(?:(?:j habite|jhabite|je vis|jvis|on habite)(?: a| au| en| sur| dans| vers| pres de)?|"
    r"(?:je suis|jsuis|j suis|chui|jsui)(?: a| au| en| sur| dans| vers| pres de| de| d)|"
    r"(?:je viens|jviens)(?: de| d| du)|a cote de|du cote de|pas loin de|pres de|a|au|en|sur|"
    r"dans|vers|de|d)\s+",
)
# « Paris 15e », « Lyon 3 », « Marseille 13ème »: the arrondissement gives the postcode.
_ARRONDISSEMENT = re.compile(r"^(paris|lyon|marseille) (\d{1,2})(?:e|eme|em|er|ere|ieme)?$")
_ARRONDISSEMENTS = {"paris": ("75", 20), "lyon": ("69", 9), "marseille": ("13", 16)}


def parse_town(text: str) -> Town | None:
    """« 69001 », « Lyon », « j'habite à Vaulx-en-Velin », « 97200 Fort-de-France »."""
    cleaned = text.strip()
    postcode_match = _POSTCODE.search(cleaned)
    postcode = postcode_match.group(1).upper() if postcode_match else None
    rest = _POSTCODE.sub(" ", cleaned) if postcode else cleaned
    rest = re.sub(r"\s+", " ", rest).strip(" ,.;!?")
    plain = plain_words(rest)
    if (_NOT_A_TOWN.search(plain) or DONT_KNOW.search(plain)) and postcode is None:
        return None
    words = _FILLERS.sub("", _GREETINGS.sub("", plain)).strip()
    arrondissement = _ARRONDISSEMENT.match(words)
    if postcode is None and arrondissement:
        department, count = _ARRONDISSEMENTS[arrondissement.group(1)]
        number = int(arrondissement.group(2))
        if 1 <= number <= count:
            return Town(f"{department}0{number:02d}", arrondissement.group(1))
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
    r"\b(?:en fait|enfait|en faite|enfaite|je me suis trompe|jme suis trompe|"
    r"je me suis trompee|trompee?|gouree?|oups|oops|pardon|correction|je voulais dire|"
    r"jvoulais dire|plutot|finalement|erreur|(?:non|nan|nn) (?:j ai|jai|je suis|jsuis|je|c est))\b"
)


def sounds_like_correction(text: str) -> bool:
    return bool(_CORRECTION.search(plain_words(text)))


def mentions_age(text: str) -> bool:
    """An age said as such (« 20 ans », « 18 piges », « né en 2006 »), strict enough to read as a
    correction; a duration (« depuis 2 ans », « ça fait 2 ans ») is not an age."""
    plain = plain_words(text)
    return bool(
        re.search(
            r"\b\d{1,2} ?(?:ans?|piges?|balais)\b|\bans\b|\bnee? en\b|\b(?:19|20)\d{2}\b", plain
        )
    ) and not re.search(r"\b(?:depuis|ca fait|il y a|pendant)\b", plain)


def mentions_money(text: str) -> bool:
    plain = plain_words(text)
    return bool(re.search(r"(?:€|\beuros?\b|\bballes\b|\bje gagne\b|\bpar mois\b|\bnet\b|\bbrut\b|"
                          r"\bsalaire\b|\bsmic\b|\b(?:je touche|jtouche)\b|\d ?k\b)",
                          f"{text.lower()} {plain}"))  # fmt: skip

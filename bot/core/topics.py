"""Which subject a message is about, and which point of it is asked, read from its words; and the
answers by subject and point (bot/content/topics.toml).

A follow-up names the point, not the subject (« et ça dure combien ? »): the subject then comes
from the conversation (the `topic` slot, actions/topics.py). Deterministic patterns on folded
text, like the distress net, so SMS spelling and dictation read the same way.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.core.distress import normalize

CONTENT_PATH = Path(__file__).resolve().parents[1] / "content" / "topics.toml"


class Topic(StrEnum):
    CEJ = "cej"
    PACEA = "pacea"
    PERMIS = "permis"
    LOGEMENT = "logement"
    SANTE = "sante"
    ARGENT = "argent"
    MISSION_LOCALE = "mission_locale"


class Point(StrEnum):
    """What is asked about a subject; ordered from the most specific to the most general."""

    JUSTICE = "justice"
    ASE = "ase"
    FOREIGNERS = "foreigners"
    MINORS = "minors"
    EMERGENCY = "emergency"
    WORK_ALONGSIDE = "work_alongside"
    PAYMENT = "payment"
    DURATION = "duration"
    DOCUMENTS = "documents"
    SIGNUP = "signup"
    WHERE = "where"
    AMOUNT = "amount"
    WHO = "who"
    WHAT = "what"


# Situations a young person tells (« suivi par le SPIP », « à l'ASE »): answered with what the
# CEJ says of them, in passing or before the eligibility questions.
SITUATIONS = (Point.JUSTICE, Point.ASE, Point.FOREIGNERS)
# What is remembered of a young person's situation when said in passing, to answer « je peux
# faire le CEJ ? » later for them (actions/topics.py, actions/eligibility.py).
REMEMBERED = (*SITUATIONS, Point.MINORS, Point.WORK_ALONGSIDE)

# support_topic entity values (nlu/support.yml synonyms) → topics.
SUPPORT_TOPICS = {
    "logement": Topic.LOGEMENT,
    "mobilite": Topic.PERMIS,
    "sante": Topic.SANTE,
    "argent": Topic.ARGENT,
}

_TOPIC_WORDS: dict[Topic, str] = {
    Topic.CEJ: (
        r"\bcej\b|contrat d engagement|\bce et j\b|\bc e j\b|\bse et j\b|\bcee j\b|\bce j\b|"
        r"\bcje\b|\bcontrat (?:pour les |des )?jeunes?\b(?! majeur)|\bsegeji\b|\bsejeji\b|"
        r"\bcegeji\b|\bse ge ji\b|\bce ge ji\b"
    ),
    Topic.PACEA: r"\bpacea\b|\bpaccea\b|\bpacea\w*|\bpas se a\b|\bpa c a\b|\bpas sea\b",
    Topic.PERMIS: r"\bpermis?\b|code de la route|auto ?ecole|\bconduire\b|\bconduite\b",
    Topic.LOGEMENT: (
        r"\blogement\b|\bloger\b|\bappart\w*|\bfjt\b|foyer (?:de )?jeunes? travailleurs?|"
        r"\bvisale\b|loca ?pass|\bapl\b|\bloyer\b|\bcaution\b|\bhebergement\b|\bsiao\b|"
        r"\bcoloc\w*|\bstudio\b|\bproprio\w*\b|\blogman\b|\blogmen\b|\b115\b|"
        r"foyers? (?:de )?jeunes? travailleurs?|\badresse fixe\b|\bdomicili\w*|"
        r"\bfoyers? (?:pour|de|des) jeunes\b|\bgarant\b"
    ),
    Topic.SANTE: (
        r"\bsante\b|\bcss\b|\bc2s\b|complementaire|\bmutuelle\b|carte vitale|\bmedecin\b|"
        r"\bsecu\b|fil sante|\bsoins?\b|\bdentiste\b|\bpsy\b|\bameli\b|\bcpam\b|"
        r"\b(?:carte|kart|karte|cart) vital\w*|\bmal aux dents\b|\bpass de l hopital\b|"
        r"\bmutuel\b|"
        r"\bbilan (?:de )?(?:prevention|sante)\b|\bsexualit\w*|\bcontracepti\w*|\bist\b|"
        r"\bpilule\b|\bgyneco\w*|\bgrossesse\b|\bivg\b|\bdepistage\b"
    ),
    Topic.ARGENT: (
        r"\bfaj\b|fonds? d ?aide|aide d urgence|colis|alimentaire|restos? du coeur|\bccas\b|"
        r"epicerie sociale|epicerie solidaire|bons? alimentaires?|\bdettes?\b|"
        r"\bbesoin d (?:argent|thune|sous)\b|"
        r"\b(?:plus|pas) (?:d argent|de thunes?|d thunes?|un sou|une thune|de sous|d oseille|"
        r"de tunes?|d tune)\b|"
        r"\bgalere (?:d argent|financiere)\b"
    ),
    Topic.MISSION_LOCALE: r"mission locale|\bmision lo\w*|\bmission lo\w*",
}

_POINT_WORDS: dict[Point, str] = {
    Point.JUSTICE: (
        r"\bbracelet\b|\bspip\b|\bpjj\b|\bjuge\b|\bsursis\b|\bprison\b|\bincarcer\w*|"
        r"\bprobation\b|\btig\b|\bcpip\b|sous main de justice|\bjustice\b|\bcasier\b|"
        r"\bcontrole judiciaire\b"
    ),
    Point.ASE: (
        r"\base\b|aide sociale a l enfance|\bplacee?\b|\bfoyer de l enfance\b|"
        r"\beduc\w*\b|contrat jeune majeur|\bfamille d accueil\b"
    ),
    Point.FOREIGNERS: (
        r"titre de sejour|\betrangere?s?\b|\brecepisse\b|sans papiers|\bnationalite\b|"
        r"\bdemandeu(?:r|se) d asile\b|\bdemande d asile\b|\brefugiee?\b|\bmna\b|"
        r"\bprefecture\b|\bpas de papiers\b|autorisation de travail"
    ),
    Point.MINORS: (
        r"\b1[4567] ?ans?\b|\bmineure?s?\b|accord de mes parents|autorisation (?:de mes )?parent|"
        r"\bsans (?:que|ke) (?:je|ma mere|mon pere|mes parents) (?:le )?(?:signe\w*|sache\w*)\b|"
        r"\bsans (?:le dire a|prevenir) (?:ma mere|mon pere|mes parents)\b|"
        r"mes parents (?:doivent|doit|signent|signer)|\bmes parents\b.{0,20}\b(?:accord|signer|"
        r"viennent|venir|presents?)\b"
    ),
    Point.EMERGENCY: (
        r"\burgence\b|\burgent\b|\bce soir\b|tout de suite|plus rien|\bsiao\b|\b115\b|"
        r"pas d argent|plus d argent|\bcolis\b|\bmanger\b|\b(?:plus|pas) une thune\b"
    ),
    Point.WORK_ALONGSIDE: (
        r"\b(?:bosser|travailler|taffer|bosse|travaille|taf|job|boulot|travail|emploi)\b.{0,15}"
        r"\b(?:a cote|en (?:meme|mm) (?:temps|tps)|pendant|en plus)\b|\bcumul\w*|\bcompatibles?\b|"
        r"\bjob (?:a cote|etudiant)|"
        r"petit (?:boulot|job|taf)|\bje fais \d+ ?h (?:par|la) semaine\b|\bmi temps\b|"
        r"\btemps partiel\b|\bdeclar\w* (?:mes |tes )?revenus\b|\bgarder (?:le|mon|tout le) cej\b|"
        r"\bje garde tout\b|\bdes extras\b|\bsi je passe a \d+|"
        r"\bj ai (?:deja )?un (?:job|taf|travail|cdd|cdi|contrat)\b|"
        r"\bje (?:bosse|travaille|taffe) (?:deja|au|a|chez|le|en)\b"
    ),
    Point.PAYMENT: (
        r"\bqui (?:paie|paye|verse)\b|\bverse\w*\b|\bvirement\b|\btombe\b|"
        r"\bquand\b.{0,25}\b(?:paye|payes|paie|touche|recoit|argent|verse)\b|"
        r"\b(?:paye|payee|payes|paie|touche|recoit|recois|resoi|recoi|verse|versee)(?: \w+)? "
        r"quand\b|\bquel jour du mois\b|\bje touche ce mois\b|"
        r"\bquand\b.{0,25}\b(?:resoi|recoi)\b|\bau debut du mois?\b|\bmeme jour\b|"
        r"\brecu\b.{0,20}\b(?:argent|allocation|paiement|tune|sous)\b|"
        r"\b(?:argent|allocation|paiement|tune|sous)\b.{0,20}\b(?:pas recu|toujours rien|"
        r"en retard|retard)\b|\bmon paiement\b|\b(?:toujours )?rien recu\b|"
        r"se rembourse|rembours\w*"
    ),
    Point.DURATION: (
        r"\bdure\w*\b|\bduree\b|combien de temps|\bcmb de temps\b|\bcb de temps\b|"
        r"\bjusqu a quand\b|\bcombien de mois\b|combien d heures|heures par semaine|"
        r"\b(?:cmb|cb|combien) de (?:tmps|tps)\b|\bca dur\b|\bprolong\w*|\blongtemps\b|"
        r"\bc (?:est )?long\b"
    ),
    Point.DOCUMENTS: (
        r"\bpapiers?\b|\bdocuments?\b|\bamener\b|\bramener\b|\bapporter\b|\bpieces?\b|"
        r"\bjustificatifs?\b|\benvoyer quoi\b|\bquoi envoyer\b|\bravoir\b|"
        r"\b(?:perdu|vole|volee|casse|cassee) (?:ma|mon|mes) (?:carte|kart|cni|passeport|titre)\b"
    ),
    Point.SIGNUP: (
        r"\binscri(?!t\w* depuis)\w*|\bsans (?:rdv|rendez vous)\b|"
        r"\bcomment (?:on|je|j|tu) (?:fait|fais|fe|fai|peux|demande)\b|\bcmt\b|"
        r"\bdemarches?\b|\bdemande\b|\bpostuler\b|\bcomment (?:l |le |la )?(?:avoir|obtenir)\b|"
        r"\bcomment faire\b|\bcomment ca marche\b|"
        r"\bcomment (?:on|je|j|tu) (?:la |le |l |les )?(?:demande|obtien\w*|fait|fais|fe|prend)\b|"
        r"faire quoi en premier|par quoi (?:je |on )?commence|premiere etape|"
        r"\bje fais quoi\b|\bkesk je fe\b|\bqu est ce que je (?:fais|dois faire)\b|"
        r"\b(?:voir|contacter|appeler) qui\b|\ba qui (?:je|on) (?:m adresse|demande|parle)\b|"
        r"\b(?:demander|demande|adresser|aller voir|voir|appeler|contacter) a qui\b|"
        r"\b(?:faire|fait|fais|fe) comment\b|\bpour (?:le|la|l) (?:demander|avoir|obtenir)\b|"
        r"\b(?:apres|apre) on (?:fait|fe|fai) (?:quoi|koi)\b|\bcomment (?:j ai|avoir|j obtiens)\b"
    ),
    Point.WHERE: (
        r"\bc est ou\b|\bc ou\b|\bou (?:ca|c est|aller|se trouve)\b|\badresse\b(?! fixe)|"
        r"\bou exactement\b|\b(?:aller|vais|va|on va|je dois aller) ou\b|\bje vais ou\b|"
        r"\bwhere\b|\bhoraires?\b|\bdemenag\w*|\bje pars (?:vivre|habiter)\b|"
        r"\b(?:c est|c|ce|vous etes|ca) ouverte?s?\b|"
        r"\bouverte?s? (?:le|la|les|ce|demain|aujourd|jusqu|a quelle|quand)\b"
    ),
    Point.AMOUNT: (
        r"\bcombien\b|\bcmb\b|\bcb\b|\bmontant\b|\bon touche\b|\bje touche\b|\bpaye\w*\b|"
        r"\bcoute\b|\bprix\b|\bcher\b|\bgratuit\b|\bthune\b|\bfric\b|\bcombien d argent\b|"
        r"\bdes sous\b|\bde l argent\b|\bremunere\w*\b|\bpayant\b|\bgratos\b|\bfree\b|\bi pay\b"
    ),
    Point.WHO: (
        r"\bqui peut\b|\bpour qui\b|\by ai droit\b|\bj y ai droit\b|\beligible\b|"
        r"\bc est pour qui\b|\bconditions?\b|\bca change quoi\b|\bpour ki\b|"
        r"\bage (?:max\w*|min\w*|limite)\b|\bquel age\b|\bjusqu a quel age\b|\bpr qui\b|"
        r"\binscrit\w* depuis\b|\bdepuis (?:combien|quand)\b|\bfaut (?:etre|avoir)\b|"
        r"\bpeu[tx]? (?:me )?financer\b|\bfinanc\w* (?:mon|le|ton)\b"
    ),
    Point.WHAT: r"\bc est quoi\b|\bc koi\b|\bc quoi\b|\bquoi le\b|\bkesako\b|\bca sert a quoi\b",
}

_SIMPLE_FRENCH = re.compile(
    r"\b(?:parle|parles|comprends|comprend|ecris) pas (?:bien |tres bien |trop )?"
    r"(?:le )?francais\b|"
    r"\bpas (?:bien|trop) (?:le )?francais\b|\bfrancais pas bien\b|\bmoi pas (?:bien )?francais\b|"
    r"\bje (?:parle|comprends) (?:un peu|peu|mal) (?:le )?francais\b|\bpas francais\b|"
    r"\bpas parler (?:bien |le )?francais\b|\bfrench is (?:bad|not good)\b|"
    r"\b(?:parler|ecrire|parle|ecris) (?:plus )?simple\b|\bmots (?:difficiles?|compliques?)\b|"
    r"\btrop ecrit\b|\btrop long\b|\bcomprends? (?:pas|rien) (?:ta|ton|tes|a ce que tu)\b|"
    r"\bdire (?:plus )?simple\b|\bmoi (?:cherche|veux|pas|\d+ ans?)\b|\btoi aider\b|"
    r"\bje pas? comprendre\b"
)

# « ya quoi d'autre ? », « c vraiment anonyme ? »: more about the subject of the conversation.
_MORE = re.compile(
    r"\b(?:quoi d autre|autre chose|d autres (?:aides|solutions|trucs)|rien d autre|"
    r"c est tout|anonyme|confidentiel\w*|en secret)\b"
)

_TOPICS = [(topic, re.compile(words)) for topic, words in _TOPIC_WORDS.items()]
_POINTS = [(point, re.compile(_POINT_WORDS[point])) for point in Point]


# « arrête avec le cej, c'est le logement qui m'intéresse »: of two subjects, the one asked for.
_SWITCH = re.compile(
    r"\b(?:plutot|arrete avec|laisse tomber|oublie|compris pour|parle moi|qui m interesse|"
    r"pas le|pas la|pas du|assez du|stop)\b"
)


def read_topic(text: str) -> Topic | None:
    """The subject the message names (the first found in the table's order), if any; when it
    names two and turns from one to the other, the last one named."""
    folded = normalize(text)
    found = sorted(
        (match.start(), order, topic)
        for order, (topic, words) in enumerate(_TOPICS)
        if (match := words.search(folded))
    )
    if len(found) > 1 and _SWITCH.search(folded):
        return found[-1][2]
    return min(found, key=lambda item: item[1])[2] if found else None


def asks_for_simple_french(text: str) -> bool:
    """« je parle pas bien français »: short, simple sentences from now on."""
    return bool(_SIMPLE_FRENCH.search(normalize(text)))


_PERSONAL = re.compile(
    r"\b(?:moi|pour moi|je peux|jpeux|je pourrai\w*|jpourrai\w*|mon cas|mon suivi|"
    r"j y ai droit|ya quoi|y a quoi|c possible|c est possible|ca pose probleme)\b"
)


def about_oneself(text: str) -> bool:
    """« c possible pour moi ? », « ya quoi comme aide »: asked for oneself, so what is known
    of one's situation applies."""
    return bool(_PERSONAL.search(normalize(text)))


def asks_more(text: str) -> bool:
    """« ya quoi d'autre ? », « c'est anonyme ? »: about the subject already being talked of."""
    return bool(_MORE.search(normalize(text)))


def read_point(text: str) -> Point | None:
    """The most specific point the message asks about, if any."""
    folded = normalize(text)
    return next((point for point, words in _POINTS if words.search(folded)), None)


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    short: str | None
    buttons: tuple[tuple[str, str], ...]  # (title, payload)
    simple: str | None = None  # for a young person who does not read French well

    def worded(self, *, simple: bool, brief: bool) -> str:
        """Simple French when asked for, else the short form when asked twice, else in full."""
        if simple and self.simple:
            return self.simple
        if (brief or simple) and self.short:
            return self.short
        if brief and self.simple:
            return self.simple  # asked twice, no short form: the simple one is shorter
        return self.text


@dataclass(frozen=True)
class TopicContent:
    labels: dict[str, str]
    unknown_point: str
    other_area: str
    answers: dict[tuple[str, str], Answer]

    def answer(self, topic: Topic, point: Point) -> Answer | None:
        return self.answers.get((topic.value, point.value))

    unknown_point_simple: str | None = None
    other_area_simple: str | None = None

    def unknown(self, topic: Topic, *, simple: bool = False) -> str:
        template = self.unknown_point_simple if simple and self.unknown_point_simple else None
        return (template or self.unknown_point).format(label=self.labels[topic.value])

    def other_area_text(self, *, simple: bool = False) -> str:
        return self.other_area_simple if simple and self.other_area_simple else self.other_area


def _button(spec: str) -> tuple[str, str]:
    title, _, payload = spec.partition("|")
    return title.strip(), payload.strip()


@cache
def load_topic_content(path: Path = CONTENT_PATH) -> TopicContent:
    """Read once per process; every answer's subject and point must be known."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    answers: dict[tuple[str, str], Answer] = {}
    for topic in Topic:
        for point, entry in data.get(topic.value, {}).items():
            Point(point)  # a typo in the file fails at load, not silently
            answers[(topic.value, point)] = Answer(
                text=str(entry["text"]),
                short=str(entry["short"]) if "short" in entry else None,
                buttons=tuple(_button(str(b)) for b in entry.get("buttons", ())),
                simple=str(entry["simple"]) if "simple" in entry else None,
            )
    return TopicContent(
        labels={str(k): str(v) for k, v in data["labels"].items()},
        unknown_point=str(data["unknown_point"]["text"]),
        other_area=str(data["other_area"]["text"]),
        answers=answers,
        unknown_point_simple=data["unknown_point"].get("simple"),
        other_area_simple=data["other_area"].get("simple"),
    )

"""Recognise a young person in danger from their words, and compose the emergency answer.

Deterministic keyword patterns on normalised text (no accents, SMS spellings folded), so it works
in any conversation state and even when Rasa is down. Rasa's `distress` intent catches what the
patterns miss; both answer with the same content (bot/content/distress.toml).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Set
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from bot.core.messages import BotReply, Button
from bot.core.text import fold
from bot.rasa.payloads import payload as rasa_payload

CONTENT_PATH = Path(__file__).resolve().parents[1] / "content" / "distress.toml"
HUMAN_PAYLOAD = rasa_payload("request_human")
DISTRESS_PAYLOAD = rasa_payload("distress")


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
    "detre": "d etre", "jen": "j en", "jmen": "je m en", "kan": "quand", "kom": "comment",
    "koman": "comment", "coman": "comment", "pa": "pas", "argen": "argent", "manje": "manger",
    "jdors": "je dors", "jdor": "je dors", "jdormais": "je dormais", "jpp": "j en peux plus",
    "jcompte": "je compte", "jvais": "je vais", "jsais": "je sais", "jfais": "je fais",
    "jcrois": "je crois",
}  # fmt: skip

_ME = r"(?:me|m|moi)"
_PARTNER = r"(?:copain|mec|mari|conjoint|compagnon|ex|copine|femme|petit ami|gars|keum)"
_FAMILY = (
    r"(?:pere|mere|parents?|beau pere|belle mere|frere|soeur|oncle|tante|cousin|"
    r"grand pere|famille)"
)
# Strong words of violence stand alone (« mon père me frappe »); weak ones (tap, touch, forc,
# menac) need « me / m' » before them, and lose their figurative uses (« me tape sur les
# nerfs », « me force à venir », « ma mère touche le RSA »).
_STRONG_HITS = (
    r"(?:frapp\w*|bat(?:s|tu|tue|tus|tues|tent|tre|tait|taient|ait)?|cogn\w*|etrangl\w*|"
    r"viol\w*|abus\w* (?:de moi|sexuellement)|tabass\w*|maltrait\w*|"
    r"serr\w* (?:le|la|mon|ma) (?:cou|gorge))\b"
)
_WEAK_HITS = (
    r"(?:tap\w*(?! (?:sur les nerfs|sur le systeme|la honte|un sprint|la discute|une barre))|"
    r"abus\w*|touch\w*|forc\w*(?! a (?:venir|aller|chercher|faire (?:mes|des|un|une) (?:devoirs|"
    r"demarches|etudes|formation|stage|cv)|travailler|bosser|m inscrire))|menac\w*)\b"
)
_HITS = rf"(?:{_STRONG_HITS}|{_ME} ?(?:a |as |ont |avait |avaient |a deja )?{_WEAK_HITS})"
# Harassment by a bank, an office or adverts is not violence (« la banque me harcèle »).
_NOT_A_PERSON = (
    r"\b(?:banque|pub|pubs|mails?|sms|appels|operateur|caf|impots|france travail|pole emploi|"
    r"relances?|notifs?|notifications)\b"
)
# Many pills taken (« g pris plein de doliprane pour dormir longtemps », « une plaquette
# entière »): a medical emergency (112) and a suicide attempt (3114) at once.
_OVERDOSE = (
    r"\b(?:avale|pris|prise|bu) (?:plein|trop|beaucoup|toute? (?:la|une) (?:boite|plaquette)|"
    r"une (?:boite|plaquette)(?: entiere)?|(?:une|la) plaquette entiere) (?:de |d )?"
    r"(?:mes |des |la |le )?"
    r"(?:doliprane|dafalgan|paracetamol|efferalgan|medocs|medicaments|cachets|comprimes|xanax|"
    r"somniferes|lexomil|tramadol|antidepresseurs|pilules|javel)\b",
    r"\b(?:une|la|toute la) plaquette entiere\b",
)
_PATTERNS: dict[DistressKind, tuple[str, ...]] = {
    DistressKind.IMMEDIATE_DANGER: (
        r"\bau secours\b",
        r"\b(?:va|vont|veut|veulent|voulait|menace de) (?:me|m) tuer\b(?! si| quand| s il| s elle)",
        # « je suis pas en danger », « tu m'as pris pour quelqu'un en danger » are not.
        r"(?<!pas )(?<!plus )(?<!jamais )\ben danger\b(?<!pris pour quelqu un en danger)"
        r"(?<!cru que j etais en danger)(?! de (?:redoubler|rater|perdre|louper|echouer|"
        r"me faire virer|se faire virer|etre vire))",
        r"\baidez? ?(?:moi|nous)? ?(?:vite|svp vite|urgent)\b",
        # Someone else at the door (« je suis devant la porte, c'est fermé » is not danger).
        r"\b(?:il|elle|ils|elles|quelqu un|on|mon ex|mon pere|mon beau pere|mon mec|mon mari) "
        r"(?:est|sont|attend|attendent|tape|tapent|frappe|frappent|reste|restent|rode|rodent)\w* "
        r"(?:devant|derriere) (?:ma porte|chez moi|la porte)\b",
        r"\bil (?:a|as) un (?:couteau|arme|flingue)\b",
        r"\bj ai (?:tres )?peur (?:de lui|de rentrer|pour ma vie)\b",
        r"\bj ai (?:tres )?peur (?:qu il|qu elle|qu ils|qu elles) (?:me |m )?(?:tue|frapp|tap|"
        r"fasse du mal|retrouv|revien|rentr|debarqu|viol|cogn|defonc|attrap|recommenc)\w*",
        # An overdose taken is a medical emergency (15 / 112), not only a suicidal thought.
        r"\b(?:avale|pris|prise) (?:tous |toute |toutes )(?:mes |les |la boite de )?"
        r"(?:medocs|medicaments|cachets|comprimes)\b",
        *_OVERDOSE,
    ),
    DistressKind.SUICIDE: (
        *_OVERDOSE,
        r"\b(?:coupe\w*|ouvr\w*|ouvert\w*|taillad\w*|entaill\w*) (?:les|mes) (?:veines|poignets)\b",
        r"\b(?:avec|recommence\w* avec) (?:la|une|ma) lame\b|\blames? de rasoir\b",
        r"\bsuicid\w*",
        r"\b(?:je vais|vais|veux|voudrais|envie de|pense a|penser a|peux|devrais|prefere|aller|"
        r"essaye de|essaie de|tente de) (?:me|m) (?:tuer|tue|buter|foutre en l air|pendre|jeter|"
        r"ouvrir les veines)\b",
        r"\ben finir\b(?! (?:avec|de) (?:les|le|la|l|ce|cet|cette|ces|mon|ma|mes|son|sa|ses) "
        r"(?!vie\b|jours\b))",
        r"\btout arreter pour de bon\b",
        r"\b(?:plus|pas) (?:envie de|la force de) vivre\b",
        r"\b(?:veux|veut|voudrais|envie de) (?:plus|pas) vivre\b",
        r"\b(?:veux|voudrais|envie de|prefere) mourir\b",
        r"\bscarifi\w*",
        r"\b(?:me|m) (?:faire du mal|couper|mutiler)\b",
        r"\bidees? (?:noires?|suicidaires?)\b",
        r"\bsauter (?:du|d un|par la|par le|sous)\b",
        r"\bavaler (?:tous )?(?:mes|des) (?:medocs|medicaments|cachets)\b",
        r"\bmieux sans moi\b",
        r"\b(?:fatigue|fatiguee|marre|lasse) de vivre\b(?! (?:chez|avec|dans|ici|en|a|au|sous))",
        r"\b(?:avale|pris|prise) (?:tous |toute )?(?:mes |des |la boite de |une boite de )?"
        r"(?:medocs|medicaments|cachets|comprimes)\b",
        r"\b(?:entailles|me taillade|taillader)\b",
        r"\bpersonne (?:ne )?me regretter\w*",
        r"\b(?:me|m) (?:fout\w*|fou|fous) en l air\b",
        r"\bfin a (?:mes jours|ma vie)\b",
        r"\ba quoi bon (?:vivre|continuer|tout ca|tout|rien|me lever|se lever|exister|etre la|"
        r"me battre|essayer)\b",
        r"\ba quoi bon$",
        r"\b(?:plus|pas) envie de rien\b",
        r"\benvie de rien\b.{0,30}\b(?:plus|jamais|fatigue|marre|bout)\b",
        r"\bplus (?:de )?gout (?:a|pour) (?:rien|la vie|vivre)\b",
        r"\b(?:plus|pas) la force\b(?!(?: ce soir| aujourd hui| ce matin| la)? (?:de|d|pour) "
        r"(?:chercher|faire|bosser|travailler|courir|porter|attendre|remplir|ecrire|me deplacer|"
        r"venir|sortir|aller|reviser|lire|appeler|repondre|postuler|chercher))",
        r"\b(?:veux|voudrais|envie de|aimerais|prefere|vais|juste|besoin de|rever de) "
        r"disparaitre\b",
        r"\bdisparaitre (?:pour toujours|de ce monde|a jamais|pour de bon|de la surface)\b",
        r"\b(?:dormir|m endormir|endormir) et (?:ne )?(?:plus|jamais|pas) (?:me )?reveiller\b",
        r"\b(?:ne )?(?:plus|jamais|pas) me reveiller\b",
        r"\b(?:fatigue|fatiguee|epuise|epuisee|lasse|las) de (?:tout|la vie|vivre|exister)\b",
        r"\bmarre de (?:la vie|vivre|exister|ma vie)\b(?! (?:chez|avec|dans|ici|en|a|au|sous))",
        r"\bplus envie d etre (?:la|en vie|vivant|vivante|sur terre|ici)\b",
        r"\bsi je (?:mourais|disparaissais|partais pour de bon|crevais)\b",
        r"\b(?:je suis|j suis) (?:un poids|de trop)\b",
        r"\b(?:un boulet|un poids|un fardeau) (?:pour|pr) (?:tout le monde|les autres|ma famille|"
        r"mes proches|mes parents)\b",
        r"\b(?:mieux|plus simple) si (?:j etais|je suis) (?:pas|plus) la\b",
        r"\bpartir pour (?:toujours|de bon)\b",
        r"\bsers? a rien (?:que je sois|de vivre)\b",
        r"\bje (?:me fais|me suis fait|me suis faite) du mal\b",
        r"\b(?:cutter|lame de rasoir|lames)\b.{0,40}\b(?:bras|poignets?|cuisses?|soulage\w*)\b",
        r"\blettres? d adieu\b",
        r"\b(?:ecrit|laisse|prepare) (?:des|une|mes) lettres? (?:pour|a) (?:ma|mon|mes)\b",
        r"\b(?:veux|voudrais|veut) (?:plus|ne plus) etre la\b(?! bas)",
        r"\b(?:pourquoi|pk|pq) (?:je )?continuer(?:ais|ai|ait)?\b(?! (?:a|mes|les|la|le|l|ce|cette|"
        r"en|dans|avec|ma|mon|ici)\b)",
        r"\bje (?:ne )?suis plus rien\b",
        r"\bje (?:ne )?vaux rien\b",
        r"\b(?:veux|voudrais|envie) que tout s arrete\b",
        r"\b(?:compte|pense|vais|veux) pas (?:rester|etre la) (?:tres |trop |encore )?longtemps\b"
        r".{0,25}\b(?:terre|monde|vie|ici bas)\b",
        r"\bj en peux plus (?:de (?:cette|ma|la) vie|de vivre|d exister)\b",
        r"\b(?:marre|fatigue|fatiguee|epuise|epuisee) de me battre\b",
        r"\bsupprimer\b.{0,40}\bmoi avec\b",
        r"\bme supprimer\b(?! (?:de|du|des|d)\b)",
    ),
    DistressKind.SHELTER: (
        r"\b(?:dors?|dormir|dormi|dormirai|passer la nuit)\b.{0,30}\b(?:dehors|rue|voiture|gare|"
        r"parc|tente|escalier|cage d escalier|squat)\b",
        r"\b(?:(?<!t es )(?<!tu es )a la rue\b(?! (?:niveau|question|pour (?:le|la|les|l)|"
        r"en (?:anglais|maths?|francais|orthographe|info\w*|histoire|physique|compta\w*|cours|"
        r"grammaire|conjugaison|code|organisation)))|"
        r"sans abri|sans domicile|sans toit|sans logement|sdf)\b",
        r"\b(?:mis|mise|foutu|foutue|jete|jetee|vire|viree|chasse|chassee) "
        r"(?:a la )?(?:dehors|porte)\b(?! (?:de|d) (?:la |l )?(?:cuisine|salle|chambre|classe|"
        r"cours|salon|reunion|soiree|boite|match|vestiaire|magasin))",
        r"\b(?:vire|viree|chasse|chassee|jete|jetee) de (?:chez|la maison)\b",
        r"\bnulle? ?part (?:ou|pour) (?:dormir|aller|me loger|dormi)\b",
        r"\bpas (?:d endroit|de toit|de logement|de place) (?:ou|pour) dormir\b",
        r"\bou dormir ce soir\b",
        r"\bpas de toit\b",
    ),
    DistressKind.CHILD_DANGER: (
        rf"\b(?:mon|ma|mes|mn) {_FAMILY}\b.{{0,25}}\b{_HITS}",
        rf"\b{_HITS} par (?:mon|ma|mes) {_FAMILY}\b",
        r"\bmaltrait\w*",
        r"\binceste\b",
    ),
    DistressKind.PARTNER_VIOLENCE: (
        rf"\b(?:mon|ma|mn) {_PARTNER}\b.{{0,25}}\b{_HITS}",
        r"\b(?:mon|ma|mn) (?:copain|mec|mari|conjoint|compagnon|ex|copine|gars)\b.{0,25}"
        r"\b(?:me|m) (?:a |as )?forc\w*",
        r"\bviolences? conjugales?\b",
    ),
    DistressKind.VIOLENCE: (
        rf"\b(?:on|il|elle|ils|elles) (?:{_ME} )?{_HITS}",
        r"\b(?:je me suis fait|j ai ete|je me fais) (?:frapper|agresser|violer|tabasser|taper)\b",
        r"\b(?:viol|violee|agression sexuelle|harcelement|harcele|harcelee)\b",
    ),
    DistressKind.HUNGER: (
        r"\b(?:rien|pas) mange depuis\b",
        r"\b(?:j ai|on a) (?:tres |trop |super )?faim\b(?! de).{0,40}\b(?:rien|depuis|pas d argent|"
        r"plus d argent|pas de thune|plus de thune|pas un sou|frigo|pas les moyens)\b",
        r"\b(?:saute|sauter|sauté) (?:des|les) repas\b",
        r"\bplus rien (?:dans le frigo|a manger)\b",
        r"\bmange pas a (?:ma|notre) faim\b",
        r"\brien a manger\b",
        r"\bpas de quoi manger\b",
    ),
}

_NOT_A_PERSON_RE = re.compile(_NOT_A_PERSON)
_ASKS_FOR_FOOD_AID_RE = re.compile(
    r"\b(?:y a|ya|il y a|existe|vous avez|on peut avoir|je peux avoir|"
    r"comment (?:on|je) (?:fait|fais|demande)|ou (?:trouver|avoir))\b.{0,40}"
    r"\b(?:aides?|colis|restos?|banque alimentaire|"
    r"epiceries?|bons?)\b"
)
_PAST_RE = re.compile(
    r"\b(?:(?:il y a|ya|y a) (?:\d+|deux|trois|quelques|plusieurs|longtemps)|l an dernier|"
    r"l annee derniere|a l epoque|quand j etais|j etais a la rue)\b.{0,60}"
    r"\b(?:maintenant|aujourd hui|now|desormais|depuis j ai|mais la|la c bon|c est bon|"
    r"c bon)\b"
)
# Figures of speech built on words of danger, blanked out before the patterns are tried: « ce cv
# va me tuer », « me jeter à l'eau », « mort de honte », « au secours mon cv », « disparaître des
# fichiers », « plus la force de relancer », « me couper l'allocation », « une lettre à ma future
# patronne », « poids mort en maths » (bench/distress/dev2.yml, 2026-12-04).
_THING = (
    r"(?:cv|exams?|examen|taf|boulot|job|stage|formation|appli|site|bus|metro|trajet|dossier|"
    r"lettre|tableau|excel|ordi|telephone|tel|batterie|cours|rdv|entretien|mise en page|maths|"
    r"chaussures?|pieds|chantier|reveil|concours|oral|code|permis|semaine|journee|chaleur)"
)
_FIGURATIVE_RE = re.compile(
    rf"\b(?:ce|cette|cet|ces|mon|ma|mes|le|la|les|l|son|sa|ses) {_THING}\b(?: \w+){{0,3}} "
    r"(?:va|vont|vas|m a|m ont|me) (?:me )?(?:tuer|tuee|tue|achever)\b|"
    r"\bme jeter a l eau\b|\bje (?:vais|vas) me lancer\b|"
    r"\b(?:mourir|mort|morte|creve|crever) (?:de|d) (?:honte|rire|ennui|chaud|stress|fatigue|"
    r"faim|soif|impatience|envie)\b|\ba en mourir\b|\bpoids mort\b|"
    rf"\bau secours (?:mon|ce|le|la|les|cette|ma|mes) {_THING}\b|"
    r"\bdisparaitre (?:des|de l|du|de la|de ce|de cette|de mes|de leurs?) (?:fichiers?|groupes?|"
    r"annuaires?|listes?|bases?|photos?|reseaux|whatsapp|insta\w*|snap\w*|mails?|site|"
    r"newsletter)\b|"
    r"\bplus la force (?:de|d) (?:relancer|postuler|chercher|marcher|courir|remplir|ecrire|"
    r"porter|envoyer|refaire|appeler|faire des cv)\b|\bplus la force dans (?:le|les|mon|ma|mes)\b|"
    r"\bme (?:couper|supprimer|sucrer|retirer) (?:l|la|le|les|mon|ma|mes) (?:allocation|aide|"
    r"rsa|apl|droits|internet|ligne|electricite|courant|gaz|parole|cheveux|compte|dossier)\b|"
    r"\blettre (?:a|pour) (?:ma|mon|la|le) (?:future?|patronne?|employeur|chef|tutrice|tuteur|"
    r"prof|conseill\w*|recruteur|recruteuse|entreprise|formatrice|formateur)\b|"
    r"\blettre (?:de motivation|de remerciement)\b|"
    r"\ba quoi bon continuer (?:l|le|la|les) (?:anglais|maths|cours|espagnol|sport|code)\b"
)
# Sleeping outside for fun (camping, a festival, a game, a play): not a night on the street.
_LEISURE_RE = re.compile(
    r"\b(?:camping|festival|bivouac|belle etoile|rando\w*|sous tente|jeu de survie|"
    r"piece de theatre|mon role|scout\w*|colo)\b"
)
_MINOR_RE = re.compile(r"\b(?:1[2-7]) ?ans\b|\bmineure?\b")
_COMPILED = {kind: [re.compile(p) for p in patterns] for kind, patterns in _PATTERNS.items()}


def normalize(text: str) -> str:
    """Lowercase, no accents, apostrophes and punctuation as spaces, SMS spellings folded,
    letters repeated 3 times or more reduced to one."""
    words = re.sub(r"(.)\1{2,}", r"\1", fold(text)).split()
    return " ".join(_FOLDS.get(word, word) for word in words)


# Not « jpp »: it means « j'en peux plus », of laughter or of despair.
_LAUGHING = re.compile(r"\b(?:mdr\w*|ptdr\w*|lol|xd|ahah\w*|haha\w*|hihi\w*)\b")
_LAUGHING_EMOJI = ("😂", "🤣", "😹", "😆")


def laughs(text: str) -> bool:
    """The message laughs (« mdr », « ptdr », 😂): an idiom is likelier than a crisis."""
    return bool(_LAUGHING.search(normalize(text))) or any(e in text for e in _LAUGHING_EMOJI)


def needs_check_in(text: str) -> bool:
    """Words of danger in a message that laughs (« ma sœur m'a frappé avec un coussin mdr »):
    asked (« ça ne va pas ? »), not assumed; no numbers, no urgent flag unless confirmed."""
    return laughs(text) and bool(classify(text))


def classify(text: str) -> frozenset[DistressKind]:
    """The danger situations a message describes; empty when none is recognised."""
    normalized = _FIGURATIVE_RE.sub(" ", normalize(text))
    found = {
        kind for kind, patterns in _COMPILED.items() if any(p.search(normalized) for p in patterns)
    }
    if DistressKind.VIOLENCE in found and _NOT_A_PERSON_RE.search(normalized):
        found.discard(DistressKind.VIOLENCE)
    if found == {DistressKind.HUNGER} and _ASKS_FOR_FOOD_AID_RE.search(normalized):
        # « plus rien dans le frigo, ya des colis alimentaires ? »: a question about food aid,
        # answered as such (topics: argent / emergency), not a crisis.
        found.discard(DistressKind.HUNGER)
    if DistressKind.SHELTER in found and _LEISURE_RE.search(normalized):
        found.discard(DistressKind.SHELTER)  # « dormir dehors en festival c'est mon truc »
    if DistressKind.SHELTER in found and _PAST_RE.search(normalized):
        found.discard(DistressKind.SHELTER)  # « j'ai dormi à la rue il y a 2 ans, maintenant… »
    if found & {DistressKind.SHELTER, DistressKind.HUNGER} and _MINOR_RE.search(normalized):
        found.add(DistressKind.CHILD_DANGER)  # a minor out on the street: 119 too
    if found & {DistressKind.CHILD_DANGER, DistressKind.PARTNER_VIOLENCE}:
        found.discard(DistressKind.VIOLENCE)
    return frozenset(found)


@dataclass(frozen=True)
class DistressContent:
    opening: str
    closing: str
    human_button: str
    by_kind: dict[str, str]
    followup_opening: str
    followup_closing: str
    check_in: str
    check_in_button: str

    def reply(self, kinds: frozenset[DistressKind]) -> BotReply:
        """One message: the numbers for what was said (all main ones if nothing specific)."""
        return self._message(self.opening, {k.value for k in kinds}, self.closing)

    def check_in_reply(self) -> BotReply:
        """Words of danger read uncertainly (a laughing message): asked, with a button for the
        numbers and one for a human."""
        return BotReply(
            text=self.check_in,
            buttons=(
                Button(self.check_in_button, DISTRESS_PAYLOAD),
                Button(self.human_button, HUMAN_PAYLOAD),
            ),
        )

    def follow_up(self, reasons: frozenset[str]) -> BotReply:
        """A later turn of the same crisis: the numbers of what was said, and a human again."""
        return self._message(self.followup_opening, reasons, self.followup_closing)

    def _message(self, opening: str, reasons: Set[str], closing: str) -> BotReply:
        blocks = [self.by_kind[k.value] for k in DistressKind if k.value in reasons]
        text = "\n".join([opening, *(blocks or [self.by_kind["unspecified"]]), closing])
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
        followup_opening=str(data["followup_opening"]),
        followup_closing=str(data["followup_closing"]),
        check_in=str(data["check_in"]),
        check_in_button=str(data["check_in_button"]),
    )

"""The tone of a message: anger or an insult gets a short apology and a human, whatever the
question it also asks (« bande d'escrocs, toujours pas reçu mon argent du CEJ »)."""

from __future__ import annotations

import re

from bot.core.distress import normalize

_BOT = r"(?:tu|t|ce bot|ce robot|le robot|le bot|cette appli|ton truc|vous|ce site|ca)"
_ANGRY = re.compile(
    r"\b(?:ta gueule|tg|ferme la|ferme ta|fdp|ntm|nique|batard|enfoire|casse toi|degage|"
    r"connard|connasse|conne?s?|abruti|debile|idiot|cretin|"
    r"putain|ptn|merde|bordel|escrocs?|arnaque\w*|voleurs?|foutage de gueule|"
    r"fous? de (?:ma|notre) gueule|foutez de (?:ma|notre) gueule|"
    r"c est (?:abuse|une honte|n importe quoi|nul)|c abuse|honteux|scandal\w*|"
    r"(?:\d+|trois|quatre|dix|plusieurs) fois que je (?:demande|dis|ecris|pose)|"
    r"vous (?:repondez|repond) jamais|personne (?:ne )?(?:repond|me repond)|"
    r"j en ai marre de (?:toi|ce bot|ce robot|vous|attendre|cette appli)|"
    rf"{_BOT} (?:es|est|etes) (?:nul|nulle|inutile|con|bete|debile)|"
    rf"{_BOT} (?:sers|sert|servez) a rien|"
    r"(?:des|bande d|que des|tous des) (?:incapables|nuls|guignols|bras casses|clowns)|"
    r"incompetent\w*|(?:vous|ils) (?:avez|ont) (?:encore )?perdu mon (?:dossier|cv|rdv)|"
    r"j en peux plus de (?:toi|ce bot|ce robot|vous|attendre|cette appli)|"
    r"(?:ce|ton|votre|le) (?:bot|robot|chatbot|truc|appli) (?:de merde|pourri|nul|sert a rien)|"
    r"t es (?:vraiment )?(?:trop )?(?:nul|bete|lent|con)|"
    r"blabla|bla bla|vraie reponse|repond(?:s)? (?:a cote|n importe comment))\b"
)


# An answer that already apologises (utter_complain…): no second apology.
APOLOGISES = re.compile(r"\b(?:désolé|desole|pardon|excuse)")


def angry(text: str) -> bool:
    """The message is angry or insulting (at the bot, the service, or in general)."""
    return bool(_ANGRY.search(normalize(text)))

"""Which town a message names, and its department: enough to tell a young person whose town is
outside this Mission Locale's area to find their own (never to give them our address).

No communes table: the préfectures and the largest towns (about 150 names), plus any postcode
written. Names that exist in several departments (Saint-Denis, Saint-Pierre…) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.distress import normalize
from bot.storage.sites import department_of

# Folded name → department (INSEE numbering; 2A/2B for Corsica, 971-976 overseas).
_TOWNS = {
    "paris": "75", "marseille": "13", "lyon": "69", "toulouse": "31", "nice": "06",
    "nantes": "44", "montpellier": "34", "strasbourg": "67", "bordeaux": "33", "lille": "59",
    "rennes": "35", "reims": "51", "toulon": "83", "saint etienne": "42", "le havre": "76",
    "grenoble": "38", "dijon": "21", "angers": "49", "nimes": "30", "villeurbanne": "69",
    "clermont ferrand": "63", "le mans": "72", "aix en provence": "13", "brest": "29",
    "tours": "37", "amiens": "80", "limoges": "87", "annecy": "74", "perpignan": "66",
    "boulogne billancourt": "92", "metz": "57", "besancon": "25", "orleans": "45",
    "rouen": "76", "mulhouse": "68", "caen": "14", "nancy": "54", "argenteuil": "95",
    "montreuil": "93", "roubaix": "59", "tourcoing": "59", "nanterre": "92", "avignon": "84",
    "vitry sur seine": "94", "creteil": "94", "poitiers": "86", "pau": "64", "colombes": "92",
    "aubervilliers": "93", "versailles": "78", "courbevoie": "92", "la rochelle": "17",
    "calais": "62", "cannes": "06", "antibes": "06", "dunkerque": "59", "beziers": "34",
    "colmar": "68", "bourges": "18", "quimper": "29", "valence": "26", "troyes": "10",
    "chambery": "73", "niort": "79", "lorient": "56", "sarcelles": "95", "vannes": "56",
    "venissieux": "69", "vaulx en velin": "69", "bron": "69", "saint priest": "69",
    "caluire et cuire": "69", "rillieux la pape": "69", "villefranche sur saone": "69",
    "oullins": "69", "meyzieu": "69", "decines": "69", "ecully": "69", "givors": "69",
    "bobigny": "93", "saint ouen": "93", "pantin": "93", "bondy": "93", "aulnay sous bois": "93",
    "cergy": "95", "evry": "91", "melun": "77", "meaux": "77", "arras": "62", "lens": "62",
    "valenciennes": "59", "douai": "59", "beauvais": "60", "compiegne": "60", "laon": "02",
    "saint quentin": "02", "charleville mezieres": "08", "chalons en champagne": "51",
    "epinal": "88", "bar le duc": "55", "belfort": "90", "vesoul": "70", "lons le saunier": "39",
    "macon": "71", "chalon sur saone": "71", "nevers": "58", "auxerre": "89", "chartres": "28",
    "blois": "41", "chateauroux": "36", "alencon": "61", "evreux": "27", "saint lo": "50",
    "cherbourg": "50", "laval": "53", "la roche sur yon": "85", "saint brieuc": "22",
    "saint nazaire": "44", "angouleme": "16", "perigueux": "24", "agen": "47",
    "mont de marsan": "40", "bayonne": "64", "tarbes": "65", "auch": "32", "montauban": "82",
    "cahors": "46", "albi": "81", "rodez": "12", "foix": "09", "carcassonne": "11",
    "mende": "48", "privas": "07", "le puy en velay": "43", "aurillac": "15", "tulle": "19",
    "gueret": "23", "moulins": "03", "montlucon": "03", "vichy": "03", "bourg en bresse": "01",
    "digne les bains": "04", "gap": "05", "draguignan": "83", "frejus": "83", "hyeres": "83",
    "arles": "13", "martigues": "13", "aubagne": "13", "ajaccio": "2A", "bastia": "2B",
    "fort de france": "972", "le lamentin": "972", "schoelcher": "972", "le robert": "972",
    "riviere salee": "972", "le marin": "972", "ducos": "972", "le vauclin": "972",
    "riviere pilote": "972", "pointe a pitre": "971", "basse terre": "971", "les abymes": "971",
    "baie mahault": "971", "le gosier": "971", "cayenne": "973", "kourou": "973",
    "saint laurent du maroni": "973", "le port": "974", "saint paul": "974", "le tampon": "974",
    "mamoudzou": "976",
}  # fmt: skip
_POSTCODE = re.compile(r"\b(\d{5})\b")
_NAMES = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _TOWNS), key=len, reverse=True)) + r")\b"
)


@dataclass(frozen=True, slots=True)
class NamedTown:
    name: str  # as folded (« fort de france »), or the postcode written
    department: str


def town_in(text: str) -> NamedTown | None:
    """The town (or postcode) a message names, with its department; None if none is known."""
    folded = normalize(text)
    postcode = _POSTCODE.search(folded)
    if postcode is not None:
        return NamedTown(postcode.group(1), department_of(postcode.group(1)))
    found = _NAMES.search(folded)
    return None if found is None else NamedTown(found.group(1), _TOWNS[found.group(1)])

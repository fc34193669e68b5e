"""Text folded for reading: lower case, no accents, every run of other characters one space, so
« Saint-Étienne ! », « saint etienne » and « SAINT ÉTIENNE » read alike. The one folding that
the distress net, the topics, the questionnaire, booking and town matching build on."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str, keep: str = "") -> str:
    """`text` folded; the characters of `keep` (e.g. « / » for dates) are kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(rf"[^a-z0-9{re.escape(keep)}]+", " ", plain).strip()

"""One text folding (#9)."""

from __future__ import annotations

from bot.core.text import fold


def test_case_accents_and_punctuation_fold_alike() -> None:
    assert fold("Saint-Étienne !") == fold("saint etienne") == "saint etienne"
    assert fold("  Ça   va ?? ") == "ca va"
    assert fold("né le 12/03/2007", keep="/") == "ne le 12/03/2007"

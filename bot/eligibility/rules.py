"""The CEJ's figures on a given day, read from openfisca-france's parameters (the state's open
rules model, updated by its maintainers) — never written in our code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from openfisca_core.parameters import load_parameter_file

from bot.eligibility.outcome import CejParameters

_CEJ = "prestations_sociales/education/contrat_engagement_jeune"
_SMIC = "marche_travail/salaire_minimum/smic"
_AMOUNTS = ("montant_majeurs_non_imposables", "montant_majeurs_1ere_tranche_ir", "montant_mineurs")


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))  # via str: 337.0 stays 337.0, not a binary fraction


def load_cej_parameters(on: date) -> CejParameters:
    """The figures in force on `on`; `applies_from` is when the current amounts took effect."""
    root = Path(str(files("openfisca_france"))) / "parameters"
    cej_node = load_parameter_file(str(root / _CEJ), "contrat_engagement_jeune")
    smic = load_parameter_file(str(root / _SMIC), "smic")(on.isoformat())
    cej = cej_node(on.isoformat())
    changes = [
        date.fromisoformat(entry.instant_str)
        for name in _AMOUNTS
        for entry in getattr(cej_node.montants, name).values_list
        if date.fromisoformat(entry.instant_str) <= on
    ]
    if not changes:
        raise LookupError(f"no CEJ amounts in openfisca-france on {on}")
    return CejParameters(
        applies_from=max(changes),
        adult_not_taxed=_decimal(cej.montants.montant_majeurs_non_imposables),
        adult_first_bracket=_decimal(cej.montants.montant_majeurs_1ere_tranche_ir),
        minor=_decimal(cej.montants.montant_mineurs),
        income_allowance=_decimal(cej.degressivite.abattement_deductibilite_partielle),
        smic_share=_decimal(cej.degressivite.part_smic_deductibilite_partielle),
        smic_gross_monthly=_decimal(smic.smic_b_horaire) * _decimal(smic.nb_heures_travail_mensuel),
        age_min=int(cej.critere_age.minimum),
        age_max=int(cej.critere_age.maximum),
        age_max_rqth=int(cej.critere_age.maximum_handicap),
    )


@lru_cache(maxsize=4)
def cej_parameters_on(day: date) -> CejParameters:
    """`load_cej_parameters`, read once per day (parsing openfisca's files takes ~0.5 s)."""
    return load_cej_parameters(day)

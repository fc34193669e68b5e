"""Reading the town a message names, and its department (bot/core/towns.py)."""

from __future__ import annotations

import pytest

from bot.core.towns import NamedTown, town_in


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("jhabite a fort de france", NamedTown("fort de france", "972")),
        ("je suis sur Marseille", NamedTown("marseille", "13")),
        ("moi c'est à Saint-Étienne", NamedTown("saint etienne", "42")),
        ("69008", NamedTown("69008", "69")),
        ("97200 c'est où", NamedTown("97200", "972")),
        ("salut ça va", None),
        ("je suis à la mission locale", None),
    ],
)
def test_the_town_named_is_read_with_its_department(text: str, town: NamedTown | None) -> None:
    assert town_in(text) == town

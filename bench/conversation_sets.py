"""Load and validate the conversation sets of bench/conversations/ (format: FORMAT.md there).

A file that breaks the format is reported, never half-played: its problems name the file, the
conversation and the turn. YAML is read with YAML 1.2 booleans (only true / false), so a young
person's « no » or « on » stays text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from bench.conversation_checks import CATEGORIES, expect_problems

SETS_DIR = Path(__file__).resolve().parent / "conversations"
SET_NAMES = ("dev", "heldout")
CONVERSATION_KEYS = frozenset({"id", "category", "note", "profile", "source", "turns"})
TURN_KEYS = frozenset({"user", "button", "expect", "note"})


class _Loader(yaml.SafeLoader):  # type: ignore[misc]  # untyped base class
    """SafeLoader with YAML 1.2 booleans: « yes », « no », « on », « off » stay strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True, slots=True)
class Turn:
    """What the young person types (`user`) or taps (`button`), and what must hold."""

    user: str | None
    button: str | None
    expect: Mapping[str, Any] = field(default_factory=dict)

    @property
    def said(self) -> str:
        return self.user if self.user is not None else f"[{self.button}]"


@dataclass(frozen=True, slots=True)
class Conversation:
    id: str
    category: str
    set_name: str
    file: str
    turns: tuple[Turn, ...]
    note: str = ""
    source: str | None = None


def set_files(set_name: str, root: Path = SETS_DIR) -> list[Path]:
    """The YAML files of a set, sorted (none when its directory does not exist yet)."""
    return sorted((root / set_name).glob("*.yml"))


def _turn(raw: Any, where: str, problems: list[str]) -> Turn | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a turn must be a mapping")
        return None
    unknown = set(raw) - TURN_KEYS
    if unknown:
        problems.append(f"{where}: unknown turn keys {sorted(unknown)}")
    user, button = raw.get("user"), raw.get("button")
    if (user is None) == (button is None):
        problems.append(f"{where}: a turn has either `user` or `button`")
        return None
    if not isinstance(user if user is not None else button, str):
        problems.append(f"{where}: `user` / `button` must be text")
        return None
    expect = raw.get("expect") or {}
    problems.extend(f"{where}: {problem}" for problem in expect_problems(expect))
    return Turn(user=user, button=button, expect=expect)


def _conversation(
    raw: Any, set_name: str, path: Path, index: int, problems: list[str]
) -> Conversation | None:
    where = f"{path.name} #{index}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: a conversation must be a mapping")
        return None
    conversation_id = raw.get("id")
    if not isinstance(conversation_id, str) or not conversation_id:
        problems.append(f"{where}: missing `id`")
        return None
    where = f"{path.name} {conversation_id}"
    count = len(problems)
    unknown = set(raw) - CONVERSATION_KEYS
    if unknown:
        problems.append(f"{where}: unknown keys {sorted(unknown)}")
    category = raw.get("category")
    if category not in CATEGORIES:
        problems.append(f"{where}: unknown category {category!r}")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        problems.append(f"{where}: `source` must be text")
    raw_turns = raw.get("turns")
    if not isinstance(raw_turns, list) or not raw_turns:
        problems.append(f"{where}: `turns` must be a non-empty list")
        raw_turns = []
    turns = [_turn(t, f"{where} turn {i + 1}", problems) for i, t in enumerate(raw_turns)]
    if len(problems) > count or any(t is None for t in turns):
        return None
    return Conversation(
        id=conversation_id,
        category=str(category),
        set_name=set_name,
        file=f"{set_name}/{path.name}",
        turns=tuple(t for t in turns if t is not None),
        note=str(raw.get("note") or ""),
        source=source,
    )


def load_file(path: Path, set_name: str) -> tuple[list[Conversation], list[str]]:
    """The valid conversations of one file, and the problems of the others."""
    problems: list[str] = []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe
    except yaml.YAMLError as error:
        return [], [f"{path.name}: not YAML ({error})"]
    if not isinstance(data, dict) or set(data) != {"conversations"}:
        return [], [f"{path.name}: the file holds one key, `conversations`"]
    raw = data["conversations"]
    if not isinstance(raw, list):
        return [], [f"{path.name}: `conversations` must be a list"]
    conversations = [_conversation(c, set_name, path, i + 1, problems) for i, c in enumerate(raw)]
    return [c for c in conversations if c is not None], problems


def load_sets(
    set_names: tuple[str, ...] = SET_NAMES, root: Path = SETS_DIR
) -> tuple[dict[str, list[Conversation]], list[str]]:
    """Every valid conversation by set, and every problem found (ids unique across all files)."""
    sets: dict[str, list[Conversation]] = {}
    problems: list[str] = []
    seen: dict[str, str] = {}
    for set_name in set_names:
        sets[set_name] = []
        for path in set_files(set_name, root):
            conversations, file_problems = load_file(path, set_name)
            problems.extend(f"{set_name}/{p}" for p in file_problems)
            for conversation in conversations:
                if conversation.id in seen:
                    problems.append(
                        f"{set_name}/{path.name}: id {conversation.id} already in "
                        f"{seen[conversation.id]}"
                    )
                    continue
                seen[conversation.id] = f"{set_name}/{path.name}"
                sets[set_name].append(conversation)
    return sets, problems

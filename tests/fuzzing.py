"""Hypothesis strategies for hostile JSON bodies and values: valid bodies broken on purpose.

A body starts as a valid JSON document and is mutated at any depth (a field dropped, added,
retyped or replaced by a hostile value), then written in one of several ways (ASCII escapes or
raw UTF-8, lone surrogates as `\\ud800` or as the bytes `ED A0 80`) and sometimes damaged byte by
byte. Hostile values include what `json.dumps` cannot write (5000-digit integers, 1000 levels of
nesting), NUL, very long strings and Unicode digits (« ² », « ① ») where numbers are expected.
Headers, query strings and paths are in fuzz_requests.py.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy


@dataclass(frozen=True, slots=True)
class Raw:
    """JSON text written as is: what `json.dumps` cannot produce."""

    text: str

    def __repr__(self) -> str:
        if len(self.text) <= 40:
            return f"Raw({self.text!r})"
        return f"Raw({self.text[:12]!r}…{self.text[-12:]!r}, {len(self.text)} chars)"


def nested(depth: int) -> Raw:
    return Raw("[" * depth + "]" * depth)


HUGE_NUMBERS = (
    "9" * 5000,  # past Python's 4300-digit limit for int(): json.loads raises ValueError
    "-" + "1" * 5000,
    "1" + "0" * 4300,
    "1e999999",  # inf once parsed
    "-1e-999999",
    "0." + "0" * 5000 + "1",
    "NaN",
    "Infinity",
    "-Infinity",
    "-0",
)
DEEP = (
    "[" * 1000 + "]" * 1000,
    '{"a":' * 1000 + "0" + "}" * 1000,
    "[" * 5000 + "]" * 5000,
    '[{"a":' * 600 + "0" + "}]" * 600,
)
# Digits that str.isdigit() / int() / \d accept but that are not ASCII.
UNICODE_DIGITS = ("²", "³", "①", "٣", "۳", "३", "１", "𝟗", "߃", "½", "Ⅻ", "〇")
SPECIAL_TEXT = (
    "",
    " ",
    " \t\n ",
    "\x00",
    "a\x00b",
    "\ud800",  # lone surrogates: valid in a Python str and in JSON, not in UTF-8
    "\udfff",
    "salut \ud83d",
    "\ude00x",
    "\ud83d\ude00",
    "\ufeff",
    "\u202e",
    "\u200b",
    "é",
    "null",
    "true",
    "0",
    "-1",
    "1e3",
    "0x1f",
    "+1",
    " 1",
    "1 ",
    "9" * 19,
    "9" * 30,
    "%00",
    "%ff",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "'; DROP TABLE contacts; --",
    "\r\n",
    "~1.0",
    "/restart",
    '/inform{"a": 1}',
)
INTEGERS = (0, -1, 1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, -(2**63) - 1, 10**20, 10**100)


def numbers(top: int = 10**18) -> SearchStrategy[int]:
    """Non-negative integers up to `top`, with the column-size boundaries (2**31…) often."""
    edges = sorted({n for n in (*INTEGERS, 2**32, 10**9, top - 1, top) if 0 <= n <= top})
    around_int32 = st.integers(2**31 - 2, min(top, 2**31 + 2))
    return st.one_of(st.integers(0, 20), st.sampled_from(edges), around_int32, st.integers(0, top))


def chance(draw: DrawFn, in_ten: int) -> bool:
    """True `in_ten` times in ten; shrinks towards True (the ordinary, valid case)."""
    return draw(st.integers(0, 9)) < in_ten


def raw_tokens() -> SearchStrategy[Raw]:
    return st.one_of(
        st.sampled_from(HUGE_NUMBERS + DEEP).map(Raw),
        st.integers(900, 1100).map(nested),
    )


def lone_surrogate_text() -> SearchStrategy[str]:
    return st.tuples(
        st.text(max_size=8), st.integers(0xD800, 0xDFFF).map(chr), st.text(max_size=8)
    ).map("".join)


def long_text() -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from([1999, 2000, 2001, 4096, 4097, 10_000]).map(lambda n: "a" * n),
        st.integers(0, 3000).map(lambda n: "é" * n),
    )


# Characters that databases, encoders and parsers trip on, to mix into ordinary words.
TRICKY_CHARACTERS = (
    *("\x00", "\ud800", "\udfff", "\ufeff", "\u202e", "\u2028", "\r\n", "\t", "\x7f", "\x1b"),
    *("\\", '"', "'", "%00", "\U0001f600", "é", "²", "①"),
)


def tricky_text() -> SearchStrategy[str]:
    """A short message with one or more tricky characters in it (« a\x00b », « salut \ud83d »):
    the rest of the text is valid, so it gets past validation to storage and delivery."""
    return st.builds(
        lambda word, tricky, first: tricky + word if first else word + tricky,
        st.sampled_from(["salut", "a", "rdv demain"]),
        st.lists(st.sampled_from(TRICKY_CHARACTERS), min_size=1, max_size=3).map("".join),
        st.booleans(),
    )


def hostile_text() -> SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL_TEXT + UNICODE_DIGITS),
        tricky_text(),
        st.text(max_size=30),
        lone_surrogate_text(),
        long_text(),
    )


def short_keys() -> SearchStrategy[str]:
    return st.one_of(st.sampled_from(SPECIAL_TEXT[:14]), st.text(max_size=8))


def json_scalars() -> SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(INTEGERS),
        st.integers(),
        st.floats(),
        hostile_text(),
        raw_tokens(),
    )


def json_values() -> SearchStrategy[Any]:
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=3), st.dictionaries(short_keys(), children, max_size=3)
        ),
        max_leaves=6,
    )


# --- mutating a valid document ------------------------------------------------------------------

Path = tuple[str | int, ...]


def _paths(node: Any, at: Path = ()) -> list[Path]:
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*at, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*at, index))
    return found


def _get(doc: Any, path: Path) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def _set(doc: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


def _retyped(value: Any) -> list[Any]:
    """The same information in other JSON types."""
    return [
        [value],
        {"value": value},
        str(value),
        None,
        True,
        0,
        len(str(value)),
        -1.5,
        "",
    ]


@st.composite
def mutated(draw: DrawFn, valid: Any, values: SearchStrategy[Any] | None = None) -> Any:
    """`valid` with 0 to 4 mutations at any depth; `values` are the replacements worth trying
    for this endpoint (known ids, tokens…), mixed with generic hostile JSON values."""
    hostile = st.one_of(json_values(), raw_tokens(), hostile_text())
    replacements = hostile if values is None else st.one_of(values, hostile)
    doc = copy.deepcopy(valid)
    for _ in range(draw(st.integers(0, 4))):
        path = draw(st.sampled_from(_paths(doc)))
        node = _get(doc, path)
        operation = draw(st.sampled_from(("replace", "drop", "add", "retype")))
        if operation == "replace":
            doc = _set(doc, path, draw(replacements))
        elif operation == "drop" and path:
            del _get(doc, path[:-1])[path[-1]]
        elif operation == "add" and isinstance(node, dict):
            node[draw(short_keys())] = draw(replacements)
        elif operation == "add" and isinstance(node, list):
            node.insert(draw(st.integers(0, len(node))), draw(replacements))
        else:
            doc = _set(doc, path, draw(st.sampled_from(_retyped(node))))
    return doc


# --- writing JSON ---------------------------------------------------------------------------------


def _dump(value: Any, ascii_only: bool) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        items = (
            json.dumps(str(k), ensure_ascii=ascii_only) + ":" + _dump(v, ascii_only)
            for k, v in value.items()
        )
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v, ascii_only) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ascii_only)


def to_json(value: Any, ascii_only: bool = True) -> bytes:
    """JSON bytes; a lone surrogate is `\\ud800` (ascii_only) or the raw bytes `ED A0 80`."""
    return _dump(value, ascii_only).encode("utf-8", "surrogatepass")


BYTE_GARBAGE = (b"\xff", b"\xfe", b"\x00", b"\xed\xa0\x80", b"\xc3", b"\x80", b"}", b"\\", b'"')


@st.composite
def written(draw: DrawFn, value: Any) -> bytes:
    """`value` as bytes, as a client would (or should not) send it."""
    if chance(draw, 9):
        return to_json(value, ascii_only=draw(st.booleans()))
    if draw(st.booleans()):
        return _dump(value, True).encode("utf-16")
    return b"\xef\xbb\xbf" + to_json(value)  # a byte order mark


@st.composite
def damaged(draw: DrawFn, body: bytes) -> bytes:
    """Usually `body` itself; one time in five truncated or with a bad byte inserted."""
    if chance(draw, 8):
        return body
    at = draw(st.integers(0, len(body)))
    if draw(st.booleans()):
        return body[:at]
    return body[:at] + draw(st.sampled_from(BYTE_GARBAGE)) + body[at:]


@st.composite
def json_bodies(draw: DrawFn, valid: Any, values: SearchStrategy[Any] | None = None) -> bytes:
    """Mostly a mutated `valid` document; sometimes a hostile document or random bytes."""
    if chance(draw, 9):
        return draw(damaged(draw(written(draw(mutated(valid, values))))))
    if draw(st.booleans()):
        return draw(written(draw(json_values())))
    return draw(st.binary(max_size=64))

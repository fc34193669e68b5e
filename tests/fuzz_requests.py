"""Hypothesis strategies for the rest of a request: headers, query strings, path segments, days.

Each gives the valid value most of the time (so requests get past the first check) and else one
of many wrong ones: missing, empty, truncated, in other case, with bytes that are not UTF-8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from tests.fuzzing import chance, hostile_text, short_keys

# --- headers -------------------------------------------------------------------------------------

CONTENT_TYPES = (
    b"application/json; charset=utf-8",
    b"Application/JSON",
    b"application/json;charset=UTF-8",
    b"application/json; charset=latin-1",
    b"text/plain",
    b"text/plain; charset=utf-8",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=zz",
    b"application/octet-stream",
    b"application/jsonx",
    b"application/ld+json",
    b"json",
    b"",
    b";",
    b"application/json; charset=\xff",
    b"application/json; charset=nope",
    b"application/json; charset=rot13",
    b"application/json; charset=utf-16",
    b"application/\xc3\xa9",
)


def header_bytes() -> SearchStrategy[bytes]:
    """Any header value bytes but CR and LF (which would end the header)."""
    return st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@st.composite
def usually(
    draw: DrawFn, valid: bytes | None, others: SearchStrategy[bytes | None]
) -> bytes | None:
    """`valid` eight times in ten, else one of `others`."""
    return valid if chance(draw, 8) else draw(others)


def content_types(valid: bytes = b"application/json") -> SearchStrategy[bytes | None]:
    others: SearchStrategy[bytes | None] = st.one_of(
        st.none(), st.sampled_from(CONTENT_TYPES), header_bytes()
    )
    return usually(valid, others)


def bearer(token: str, scheme: bytes = b"Bearer") -> SearchStrategy[bytes | None]:
    """An Authorization header: the right one, or one of many wrong ones (or none)."""
    good = token.encode()
    wrong = (
        b"",
        scheme,
        scheme + b" ",
        b"Basic " + good,
        scheme + b"  " + good,
        scheme + b" " + good + b" x",
        scheme + b" " + good[:-1],
        scheme + b" " + good + b"x",
        scheme + b" " + good.upper(),
        scheme + b" \xff\xfe",
        scheme + b" " + "é".encode() * 10,
        scheme + b" " + good + b"\xed\xa0\x80",
        scheme + b"\t" + good,
    )
    others: SearchStrategy[bytes | None] = st.one_of(
        st.none(),
        st.sampled_from(wrong),
        st.just(scheme.lower() + b" " + good),  # the scheme is case-insensitive
        header_bytes().map(lambda b: scheme + b" " + b),
        header_bytes(),
    )
    return usually(scheme + b" " + good, others)


def secret_header(secret: str) -> SearchStrategy[bytes | None]:
    """A shared-secret header value: the right one, or a wrong one, or none."""
    good = secret.encode()
    wrong = (
        b"",
        good[:-1],
        good + b"x",
        good.upper(),
        b" " + good,
        good + b"\xff",
        b"\xed\xa0\x80",
    )
    others: SearchStrategy[bytes | None] = st.one_of(
        st.none(), st.sampled_from(wrong), header_bytes()
    )
    return usually(good, others)


# --- query strings and path segments -------------------------------------------------------------

RAW_ESCAPES = ("%", "%zz", "%ff", "%ed%a0%80", "%00", "%c3", "%2", "+", ";", "&&", "=", "%E2%91%A0")


def _encode_part(text: str, style: str) -> str:
    data = text.encode("utf-8", "surrogatepass")
    if style == "quote":
        return quote(data, safe="")
    if style == "plus":
        return quote_plus(data, safe="")
    # Raw: as typed, only what would break the request line is escaped.
    return quote(data, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "#%"))


@st.composite
def query_strings(
    draw: DrawFn,
    fields: Mapping[str, SearchStrategy[str]],
    required: Sequence[str] = (),
) -> str:
    """`?a=1&b=2`: each known field valid, hostile or absent, plus unknown or repeated ones,
    encoded well or badly."""
    pairs: list[tuple[str, str]] = []
    for name, valid in fields.items():
        if name in required or draw(st.booleans()):
            good = chance(draw, 7)
            pairs.append((name, draw(valid) if good else draw(hostile_text())))
    if not chance(draw, 8):
        pairs += draw(st.lists(st.tuples(short_keys(), hostile_text()), min_size=1, max_size=2))
    if pairs and not chance(draw, 8):
        pairs.append(draw(st.sampled_from(pairs)))  # the same name twice
    pairs = draw(st.permutations(pairs))
    parts = []
    for name, value in pairs:
        style = draw(st.sampled_from(("quote", "quote", "plus", "raw")))
        part = _encode_part(name, style)
        if chance(draw, 9):
            part += "=" + _encode_part(value, style)
        parts.append(part)
    if not chance(draw, 9):
        parts.append(draw(st.sampled_from(RAW_ESCAPES)))
    query = draw(st.sampled_from(("&", "&", ";"))).join(parts)
    return "?" + query if query or draw(st.booleans()) else ""


def path_segments(valid: SearchStrategy[str]) -> SearchStrategy[str]:
    """One path segment, percent-encoded (valid two times in three)."""
    hostile = st.one_of(
        hostile_text().map(lambda t: _encode_part(t, "quote")),
        st.sampled_from((*RAW_ESCAPES, "..", ".", "%2e%2e", "%2F", "a%2Fb")),
    )
    return st.one_of(valid, valid, hostile)


def day_texts() -> SearchStrategy[str]:
    """Dates as a client may type them: the extremes, impossible days, other digits."""
    return st.one_of(
        st.dates().map(lambda d: d.strftime("%Y-%m-%d").zfill(10)),
        st.sampled_from(
            (
                "9999-12-31",
                "9999-12-25",
                "9999-12-30",
                "0001-01-01",
                "0001-01-02",
                "2026-02-30",
                "2026-13-01",
                "2026-00-10",
                "2026-1-1",
                "20261201",
                "+2026-01-01",
                "2026-01-01T00:00",
                " 2026-01-01",
                "２０２６-０１-０１",
                "٢٠٢٦-٠١-٠١",
                "2026-01-01\x00",
                "0000-01-01",
                "10000-01-01",
                "-2026-01-01",
            )
        ),
    )

"""Links per channel and the QR codes that carry them."""

from __future__ import annotations

import struct
import zlib
from urllib.parse import parse_qs, urlsplit

import segno

from bot.outreach import qr
from bot.outreach.links import Target, links_for
from bot.settings import load_settings
from tests.conftest import PROJECT_DIR

TG = "123456:ABCdefGHIjklMNOpqrSTUvwx-yz_0123"


def test_each_configured_channel_gets_its_link_with_the_code() -> None:
    settings = load_settings(
        {
            "PUBLIC_URL": "https://chat.ml-exemple.fr",
            "TELEGRAM_TOKEN": TG,
            "TELEGRAM_MODE": "polling",
            "TELEGRAM_BOT_USERNAME": "@MissionLocaleBot",
            "INSTAGRAM_APP_SECRET": "a",
            "INSTAGRAM_VERIFY_TOKEN": "b",
            "INSTAGRAM_ACCESS_TOKEN": "c",
            "INSTAGRAM_ACCOUNT_ID": "1784",
            "INSTAGRAM_USERNAME": "ml.exemple",
        },
        project_dir=PROJECT_DIR,
    )

    links = links_for(settings, "snap-story-dec")

    assert links.webchat == "https://chat.ml-exemple.fr/?src=snap-story-dec"
    assert links.telegram == "https://t.me/MissionLocaleBot?start=snap-story-dec"
    assert links.instagram == "https://ig.me/m/ml.exemple?ref=snap-story-dec"


def test_channels_that_are_off_have_no_link() -> None:
    links = links_for(load_settings({}, project_dir=PROJECT_DIR), "flyer")

    assert links.of(Target.WEBCHAT) == "http://127.0.0.1:8080/?src=flyer"
    assert links.of(Target.TELEGRAM) is None
    assert links.of(Target.INSTAGRAM) is None


def _png_modules(data: bytes) -> list[list[bool]]:
    """Read back the dark modules of a segno PNG (1 bit per pixel, one filter byte per row)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = height = depth = 0
    chunks = b""
    offset = 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height, depth = struct.unpack(">IIB", body[:9])
        elif kind == b"IDAT":
            chunks += body
        offset += 12 + length
    assert depth == 1
    raw = zlib.decompress(chunks)
    stride = (width + 7) // 8 + 1
    rows = []
    previous = bytearray(stride - 1)
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        current = _unfilter(line[0], bytearray(line[1:]), previous)
        bits = "".join(f"{b:08b}" for b in current)[:width]
        rows.append([bit == "0" for bit in bits])  # dark = 0 in a grayscale 1-bit PNG
        previous = current
    scale, border = qr.PNG_SCALE, qr.BORDER
    return [
        [
            rows[(border + y) * scale][(border + x) * scale]
            for x in range(width // scale - 2 * border)
        ]
        for y in range(height // scale - 2 * border)
    ]


def _unfilter(kind: int, line: bytearray, up: bytearray) -> bytearray:
    """PNG row filters (RFC 2083 §6) with one byte per pixel group."""
    for i in range(len(line)):
        left = line[i - 1] if i else 0
        above, corner = up[i], (up[i - 1] if i else 0)
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + above) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + above) // 2) & 0xFF
        elif kind == 4:
            p = left + above - corner
            pa, pb, pc = abs(p - left), abs(p - above), abs(p - corner)
            best = left if pa <= pb and pa <= pc else above if pb <= pc else corner
            line[i] = (line[i] + best) & 0xFF
    return line


def test_the_png_qr_code_carries_exactly_the_link() -> None:
    link = "https://chat.ml-exemple.fr/?src=boulangerie-centre"

    modules = _png_modules(qr.png(link))

    expected = segno.make_qr(link, error="q", boost_error=True)
    assert modules == [[bool(v) for v in row] for row in expected.matrix]
    assert parse_qs(urlsplit(link).query) == {"src": ["boulangerie-centre"]}


def test_the_svg_qr_code_is_an_svg_of_the_same_code() -> None:
    link = "https://chat.ml-exemple.fr/?src=flyer"

    svg = qr.svg(link).decode()

    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert f"<title>{link}</title>" in svg

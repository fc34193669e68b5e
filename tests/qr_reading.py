"""Read back the modules of a QR code PNG made by segno (to check what a code really carries)."""

from __future__ import annotations

import struct
import zlib

from bot.outreach import qr


def png_modules(data: bytes) -> list[list[bool]]:
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
        current = unfilter(line[0], bytearray(line[1:]), previous)
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


def unfilter(kind: int, line: bytearray, up: bytearray) -> bytearray:
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

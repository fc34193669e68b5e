"""Printable QR codes (PNG for print, SVG for any size) of a source's link, made with segno."""

from __future__ import annotations

import io
from pathlib import Path

import segno

# Error correction « Q » (25 %) survives a creased flyer or a sticker on a poster.
ERROR_CORRECTION = "q"
PNG_SCALE = 12  # about 4 cm at 300 dpi for a short link
BORDER = 4  # the quiet zone the standard asks for


def qr_code(link: str) -> segno.QRCode:
    return segno.make_qr(link, error=ERROR_CORRECTION, boost_error=True)


def png(link: str) -> bytes:
    out = io.BytesIO()
    qr_code(link).save(out, kind="png", scale=PNG_SCALE, border=BORDER)
    return out.getvalue()


def svg(link: str) -> bytes:
    out = io.BytesIO()
    qr_code(link).save(out, kind="svg", scale=PNG_SCALE, border=BORDER, title=link)
    return out.getvalue()


def write_files(link: str, directory: Path, name: str) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    png_path, svg_path = directory / f"{name}.png", directory / f"{name}.svg"
    png_path.write_bytes(png(link))
    svg_path.write_bytes(svg(link))
    return png_path, svg_path

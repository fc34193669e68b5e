"""Links per channel and the QR codes that carry them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import segno

from bot.outreach import qr
from bot.outreach.links import Target, links_for
from bot.settings import load_settings
from tests.paths import PROJECT_DIR
from tests.qr_reading import png_modules

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


def test_the_png_qr_code_carries_exactly_the_link() -> None:
    link = "https://chat.ml-exemple.fr/?src=boulangerie-centre"

    modules = png_modules(qr.png(link))

    expected = segno.make_qr(link, error="q", boost_error=True)
    assert modules == [[bool(v) for v in row] for row in expected.matrix]
    assert parse_qs(urlsplit(link).query) == {"src": ["boulangerie-centre"]}


def test_the_svg_qr_code_is_an_svg_of_the_same_code() -> None:
    link = "https://chat.ml-exemple.fr/?src=flyer"

    svg = qr.svg(link).decode()

    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert f"<title>{link}</title>" in svg

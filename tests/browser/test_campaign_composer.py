"""The campaign composer in a real browser (#11): Debian's Chromium driven by Playwright, against
the real stack (Rasa and the bot, as `make run` starts them).

Campaign staff sign in, open the composer, write a title and a text, tick « Chat du site » and
« Messages Telegram », see the live audience count and the live character counter (red over
Telegram's limit), attach an image (a false one is refused; a real one makes the text a caption
of 1 024 characters at most), choose a time in the quiet hours and are refused with the next
allowed time (every field kept), choose tomorrow at 10:00 instead, and land on the campaign's
page showing it scheduled, then pause it. Screenshots of the composer (phone and desktop), of the
campaign (phone and desktop) and of the list are saved under results/console/.
"""

from __future__ import annotations

import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import (
    Browser,
    FilePayload,
    Page,
    ViewportSize,
    expect,
)

from bot.core.vocabulary import StaffRole
from tests.browser.conftest import DESKTOP, PASSWORD, SHOTS, staff_account
from tests.integration.stack import Stack

PHONE: ViewportSize = {"width": 360, "height": 760}
EMAIL = "com@ml.test"
TIMEOUT = 10_000  # ms
TITLE = "Job-dating du mardi"
TEXT = "Job-dating mardi à 14 h à la Mission Locale : viens avec ton CV ! #emploi #jeunes"


async def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.evaluate("window.scrollTo(0, 0)")  # the sticky preview at its place
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _png(width: int = 48, height: int = 24) -> bytes:
    """A small blue PNG (the server checks the signature, the browser shows it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x0b\x57\xd0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _tomorrow_at(zone: str, hour: int) -> str:
    """A datetime-local value: tomorrow at `hour`, the site's local time."""
    tomorrow = datetime.now(ZoneInfo(zone)).date() + timedelta(days=1)
    return f"{tomorrow.isoformat()}T{hour:02d}:00"


async def test_campaign_staff_compose_and_schedule_a_campaign(
    stack: Stack, browser: Browser
) -> None:
    await staff_account(stack, EMAIL, "Camille Martin", StaffRole.CAMPAIGN)
    context = await browser.new_context(viewport=DESKTOP, locale="fr-FR")
    console = await context.new_page()
    problems: list[str] = []
    console.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    await console.goto(f"{stack.bot_url}/console/login")
    await console.fill("#email", EMAIL)
    await console.fill("#password", PASSWORD)
    async with console.expect_navigation():
        await console.click("button[type=submit]")
    # Campaign staff are pointed to the campaigns, never offered the conversations.
    await expect(console.locator("text=Voir les campagnes")).to_be_visible()
    async with console.expect_navigation():
        await console.click("text=Voir les campagnes")
    await expect(console.locator("h1")).to_have_text("Campagnes")
    await expect(console.locator("nav.top")).not_to_contain_text("Conversations")
    async with console.expect_navigation():
        await console.click("text=Nouvelle campagne")
    await expect(console.locator("h1")).to_have_text("Nouvelle campagne")

    # 1. Title, text, two destinations: the previews and the audience count appear, live.
    await console.get_by_label("Titre (pour l'équipe, jamais envoyé)").fill(TITLE)
    await console.get_by_label("Texte", exact=True).fill(TEXT)
    await console.get_by_label("Chat du site", exact=True).check()
    await console.get_by_label("Messages Telegram", exact=True).check()
    await expect(console.locator("#audience-count")).to_contain_text("jeunes", timeout=TIMEOUT)
    telegram = console.locator('[data-preview="telegram_dm"]')
    await expect(telegram).to_be_visible()
    await expect(console.locator('[data-preview="webchat"]')).to_be_visible()
    await expect(console.locator('[data-preview="instagram_feed"]')).to_be_hidden()
    await expect(telegram.locator("[data-preview-text]")).to_have_text(TEXT)
    await expect(telegram.locator("[data-counter]")).to_have_text(f"{len(TEXT)} / 4096 caractères")

    # 2. The live counter: over Telegram's limit, the preview says so in red.
    await console.get_by_label("Texte", exact=True).fill("x" * 4100)
    await expect(telegram.locator("[data-counter]")).to_have_text("4100 / 4096 caractères")
    await expect(telegram.locator("[data-counter]")).to_have_class("counter over")
    await expect(console.locator("#problems")).to_have_text(
        "Telegram : 4096 caractères au plus (4100)."
    )
    await console.get_by_label("Texte", exact=True).fill(TEXT)
    await expect(console.locator("#problems")).to_be_hidden()

    # 3. An image: a false one is refused with the server's words; a real one makes the text a
    # caption, limited to 1 024 characters on Telegram.
    await console.set_input_files(
        "#image", files=FilePayload(name="faux.png", mimeType="image/png", buffer=b"pas une image")
    )
    await expect(console.locator("#image-status")).to_have_text(
        "Seules les images PNG ou JPEG sont acceptées.", timeout=TIMEOUT
    )
    await console.set_input_files(
        "#image", files=FilePayload(name="affiche.png", mimeType="image/png", buffer=_png())
    )
    await expect(console.locator("#image-status")).to_have_text(
        "Image jointe : affiche.png", timeout=TIMEOUT
    )
    await expect(telegram.locator("[data-preview-image]")).to_be_visible()
    await expect(telegram.locator("[data-counter]")).to_have_text(
        f"{len(TEXT)} / 1024 caractères (légende d'image)"
    )
    await console.get_by_label("Texte", exact=True).fill("y" * 1100)
    await expect(console.locator("#problems")).to_have_text(
        "Telegram : avec une image, le texte est une légende de 1024 caractères au plus (1100)."
    )
    await console.get_by_label("Texte", exact=True).fill(TEXT)

    # 4. A button under the message, shown in the preview.
    await console.click("text=Boutons sous le message")
    await console.select_option("#button-kind-1", "book")
    await expect(telegram.locator("[data-preview-buttons] li")).to_have_text("Prendre rendez-vous")

    # 5. A time in the quiet hours: refused with the next allowed time, every field kept.
    zone = await console.locator("#composer").get_attribute("data-zone")
    assert zone
    await console.get_by_label("Programmer", exact=True).check()
    await console.get_by_label("Date et heure d'envoi").fill(_tomorrow_at(zone, 22))
    await _shoot(console, "campaign-composer-desktop")
    await console.set_viewport_size(PHONE)
    await _shoot(console, "campaign-composer-phone")
    await console.set_viewport_size(DESKTOP)
    await console.click("#submit")
    error = console.locator("#form-error")
    await expect(error).to_contain_text("Heures calmes", timeout=TIMEOUT)
    await expect(error).to_contain_text("Prochain moment possible")
    await expect(console.locator("#use-suggested")).to_be_visible()
    await expect(console.get_by_label("Titre (pour l'équipe, jamais envoyé)")).to_have_value(TITLE)
    await expect(console.get_by_label("Texte", exact=True)).to_have_value(TEXT)
    await expect(console.get_by_label("Chat du site", exact=True)).to_be_checked()

    # 6. Tomorrow at 10:00: created, and its page says it is scheduled.
    await console.get_by_label("Date et heure d'envoi").fill(_tomorrow_at(zone, 10))
    async with console.expect_navigation(url="**/console/campaigns/*"):
        await console.click("#submit")
    await expect(console.locator("h1")).to_have_text(TITLE)
    await expect(console.locator("[data-campaign-detail] [data-field=status]")).to_have_text(
        "prévue"
    )
    await expect(console.locator("#campaign-head")).to_contain_text("10:00")
    await expect(console.locator("main")).to_contain_text("Messages Telegram, Chat du site")
    await expect(console.locator("img.campaign-image")).to_be_visible()
    assert await console.locator("img.campaign-image").evaluate("i => i.naturalWidth") == 48
    await console.set_viewport_size(PHONE)
    await _shoot(console, "campaign-detail-phone")
    await console.set_viewport_size(DESKTOP)
    await _shoot(console, "campaign-detail-desktop")

    # 7. The list shows it; pausing goes through the API and the page follows.
    await console.get_by_role("button", name="Pause").click()
    await expect(console.locator("[data-campaign-detail] [data-field=status]")).to_have_text(
        "en pause", timeout=TIMEOUT
    )
    async with console.expect_navigation():
        await console.click("text=← Campagnes")
    row = console.locator("li.row.campaign").first
    await expect(row).to_contain_text(TITLE)
    await expect(row).to_contain_text("en pause")
    await _shoot(console, "campaigns-desktop")
    assert not [p for p in problems if "Content Security Policy" in p], problems

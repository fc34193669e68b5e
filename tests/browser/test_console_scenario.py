"""The counsellor console in a real browser (#10): Debian's Chromium driven by Playwright, against
the real stack (Rasa and the bot, as `make run` starts them).

A young person asks for a human in the web chat page (phone width); a counsellor signed in on
another page (desktop width) sees it appear without reloading, takes it, answers; the answer shows
on the young person's page; their next message shows live on the counsellor's; the counsellor
hands back and the bot answers again. Screenshots of the inbox and the conversation, at phone
and desktop widths, are saved under results/console/.
"""

from __future__ import annotations

from playwright.async_api import Browser, Page, ViewportSize, expect

from bot.core.vocabulary import StaffRole
from tests.browser.conftest import DESKTOP, PASSWORD, SHOTS, staff_account
from tests.integration.stack import Stack

PHONE: ViewportSize = {"width": 375, "height": 760}
EMAIL = "samia@ml.test"
TIMEOUT = 20_000  # ms: the web chat fetches new messages every 4 s


async def _young_says(page: Page, text: str) -> None:
    await page.fill("#input", text)
    await page.click("#send")


async def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_a_waiting_young_person_is_seen_taken_answered_and_handed_back(
    stack: Stack, browser: Browser
) -> None:
    await staff_account(stack, EMAIL, "Samia Benali", StaffRole.ADMIN)
    young = await (await browser.new_context(viewport=PHONE, locale="fr-FR")).new_page()
    staff_context = await browser.new_context(viewport=DESKTOP, locale="fr-FR")
    console = await staff_context.new_page()

    await console.goto(f"{stack.bot_url}/console/login")
    await console.fill("#email", EMAIL)
    await console.fill("#password", PASSWORD)
    async with console.expect_navigation():
        await console.click("button[type=submit]")
    await expect(console.locator("h1")).to_have_text("Conversations")
    await console.evaluate("window.notReloaded = true")

    # 1. The young person asks for a human in the web chat.
    await young.goto(f"{stack.bot_url}/")
    await _young_says(young, "je veux parler à un conseiller")
    await expect(young.locator("#log")).to_contain_text("C'est noté", timeout=TIMEOUT)

    # 2. The counsellor's open page shows it, live.
    row = console.locator("ul.rows li.row.waiting")
    await expect(row).to_have_count(1, timeout=TIMEOUT)
    assert await console.evaluate("window.notReloaded") is True
    await expect(console).to_have_title("(1) Conversations — Mission Locale")
    await _shoot(console, "inbox-desktop")
    await console.set_viewport_size(PHONE)
    await _shoot(console, "inbox-phone")
    await console.set_viewport_size(DESKTOP)

    # 3. Take it and answer; the answer reaches the young person's page.
    async with console.expect_navigation():
        await row.locator("a").click()
    await console.click("text=Prendre la conversation")
    await expect(console.locator("#reply")).to_be_visible(timeout=TIMEOUT)
    await console.fill("#reply", "Bonjour, c'est Samia. Je t'écoute.")
    await console.click("#reply-form button[type=submit]")
    await expect(young.locator("#log")).to_contain_text("Je t'écoute", timeout=TIMEOUT)
    await expect(young.locator("#log")).to_contain_text("— Samia")

    # 4. The young person answers; the counsellor sees it live.
    await console.evaluate("window.notReloaded = true")
    await _young_says(young, "merci, je cherche une formation")
    transcript = console.locator("#transcript")
    await expect(transcript).to_contain_text("je cherche une formation", timeout=TIMEOUT)
    assert await console.evaluate("window.notReloaded") is True
    await _shoot(console, "conversation-desktop")
    await console.set_viewport_size(PHONE)
    await _shoot(console, "conversation-phone")
    await _shoot(young, "webchat-phone")

    # 5. Hand back: the young person is told, and the bot answers again.
    await console.click("text=Rendre à l'assistant")
    await expect(young.locator("#log")).to_contain_text("assistant automatique", timeout=TIMEOUT)
    bubbles = young.locator(".msg.bot")
    before = await bubbles.count()
    await _young_says(young, "c quoi le cej")
    await expect(bubbles).not_to_have_count(before, timeout=TIMEOUT)
    await expect(young.locator(".msg.bot").nth(before)).to_contain_text("CEJ", timeout=TIMEOUT)

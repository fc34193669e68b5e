"""A young person's rights from the console in a real browser (#12): Debian's Chromium driven by
Playwright against the real stack (Rasa and the bot, as `make run` starts them).

A young person writes in the web chat and asks for a human; an admin opens the conversation,
goes to the person's page (consent history, export, erasure), reads and downloads the export,
cannot erase without ticking the confirmation, erases, and everything about the person is gone
from the bot's database and from Rasa's tracker; the audit log shows the export and the
erasure. Screenshots at phone and desktop widths go to results/console/.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from playwright.async_api import Browser, Page, ViewportSize, expect

from bot.core.vocabulary import StaffRole
from tests.browser.conftest import DESKTOP, PASSWORD, SHOTS, staff_account
from tests.integration.stack import Stack

PHONE: ViewportSize = {"width": 375, "height": 760}
EMAIL = "chef@ml.test"
TIMEOUT = 20_000  # ms: the web chat fetches new messages every 4 s
WORDS = "je cherche un apprentissage en boulangerie"


def _query(database: Path, sql: str, *args: object) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(sql, args).fetchone()[0])


async def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def _both_widths(page: Page, name: str) -> None:
    await _shoot(page, f"{name}-desktop")
    await page.set_viewport_size(PHONE)
    await _shoot(page, f"{name}-phone")
    await page.set_viewport_size(DESKTOP)


async def test_an_admin_exports_then_erases_a_young_person(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    await staff_account(stack, EMAIL, "Chef d'équipe", StaffRole.ADMIN)
    young = await (await browser.new_context(viewport=PHONE, locale="fr-FR")).new_page()
    console = await (
        await browser.new_context(viewport=DESKTOP, locale="fr-FR", accept_downloads=True)
    ).new_page()

    # 1. The young person writes, then asks for a human.
    await young.goto(f"{stack.bot_url}/")
    await young.fill("#input", WORDS)
    await young.click("#send")
    await expect(young.locator(".msg.bot").first).to_be_visible(timeout=TIMEOUT)
    await young.fill("#input", "je veux parler à un conseiller")
    await young.click("#send")
    await expect(young.locator("#log")).to_contain_text("C'est noté", timeout=TIMEOUT)

    # 2. The admin signs in and opens the conversation, then the person's page.
    await console.goto(f"{stack.bot_url}/console/login")
    await console.fill("#email", EMAIL)
    await console.fill("#password", PASSWORD)
    async with console.expect_navigation():
        await console.click("button[type=submit]")
    row = console.locator("ul.rows li.row.waiting")
    await expect(row).to_have_count(1, timeout=TIMEOUT)
    async with console.expect_navigation():
        await row.locator("a").click()
    async with console.expect_navigation():
        await console.click("#person-link")
    found = re.search(r"/console/contacts/([0-9]+)$", console.url)
    assert found is not None, console.url
    contact_id = int(found[1])
    await expect(console.locator("h1")).to_contain_text(f"Jeune n° {contact_id}")
    await expect(console.locator("#consent-now")).to_contain_text("Ne reçoit pas les nouvelles")
    await _both_widths(console, "person")

    public_ids = [
        row[0]
        for row in sqlite3.connect(stack.database_file).execute(
            "SELECT public_id FROM channel_identities WHERE contact_id = ?", (contact_id,)
        )
    ]
    assert public_ids
    held = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
    assert sum(_query(stack.tracker_file, held, p) for p in public_ids) > 0

    # 3. The readable export, then the JSON file.
    async with console.expect_navigation():
        await console.click("text=Voir toutes ses données")
    await expect(console.locator("main")).to_contain_text(WORDS)
    await _both_widths(console, "person-export")
    async with console.expect_navigation():
        await console.click(f"text=← Jeune n° {contact_id}")
    async with console.expect_download() as waiting:
        await console.click("#download")
    download = await waiting.value
    assert download.suggested_filename == f"jeune-{contact_id}.json"
    saved = tmp_path / "export.json"
    await download.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["contact_id"] == contact_id
    said = [m["text"] for c in exported["conversations"] for m in c["messages"]]
    assert WORDS in said
    assert not any(p in saved.read_text(encoding="utf-8") for p in public_ids)

    # 4. Erasing asks for the confirmation first, then erases everything.
    await console.click("#erase-form button[type=submit]")
    assert console.url.endswith(f"/console/contacts/{contact_id}")  # the box is required
    assert _query(stack.database_file, "SELECT COUNT(*) FROM contacts WHERE id = ?", contact_id)
    await console.check("#confirm")
    async with console.expect_navigation():
        await console.click("#erase-form button[type=submit]")
    await expect(console.locator("h1")).to_have_text("Données effacées")
    await _both_widths(console, "person-erased")

    db = stack.database_file
    assert _query(db, "SELECT COUNT(*) FROM contacts WHERE id = ?", contact_id) == 0
    assert _query(db, "SELECT COUNT(*) FROM messages WHERE text LIKE ?", f"%{WORDS}%") == 0
    for table in ("channel_identities", "appointments", "consent_events", "eligibility_profiles"):
        where = f"SELECT COUNT(*) FROM {table} WHERE contact_id = ?"  # noqa: S608 - fixed names
        assert _query(db, where, contact_id) == 0, table
    assert sum(_query(stack.tracker_file, held, p) for p in public_ids) == 0
    gone = await console.goto(f"{stack.bot_url}/console/contacts/{contact_id}")
    assert gone is not None
    assert gone.status == 404

    # 5. The audit log shows who exported and erased.
    await console.goto(f"{stack.bot_url}/console/audit?contact_id={contact_id}")
    log = console.locator("#audit")
    await expect(log).to_contain_text("effacement des données")
    await expect(log).to_contain_text("export des données")
    await expect(log).to_contain_text(EMAIL)
    await _both_widths(console, "audit")

"""Nothing a young person typed, and no secret, ever reaches a log file of the stack.

Two young people write through the web chat, with marker strings standing for what they would
really type: one goes through the questionnaire (an age, the RQTH button, whose payload carries
`{…}`, a town) after a free-text message, the other books a phone appointment (a first name, a
phone number) and opens the calendar link. Then every log file the stack wrote (the bot's, Rasa's,
anything else in its working directory) is searched for each marker, the calendar key, the web
chat ids and the tokens; and the bot's own log, at INFO, for any message text at all.

Each conversation stays short, so that this test does not depend on how long a history the
actions endpoint accepts (tests/integration/test_long_conversation.py checks that).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.integration.stack import STAFF_TOKEN, Stack
from tests.integration.webchat import new_user, query, say, text_of

pytestmark = pytest.mark.integration

FIRST_NAME = "Zorglubette"
TOWN = "Vilmarkerville"
PHONE = "06 47 29 83 15"
# However it is written: 06.47…, 0647298315, +33 6 47…, 33647298315, 647298315.
PHONE_ANY_WAY = r"(?:\+?33\W{0,2}|0|\b)" + r"\D{0,3}".join(("6", "47", "29", "83", "15"))
AGE = 27  # asks the RQTH question (26 to 29)
# « 27 ans », or a slot dump: 'age': '27', "elig_age": 27 (not « message 27 »).
AGE_ANY_WAY = rf"(?:\b|elig_)age\W{{1,6}}{AGE}\b|\b{AGE}\s*ans\b"
FREE_TEXT_WORD = "quuxifrageplop"
# Database files hold the conversation on purpose; everything else the stack writes is a log.
DATABASE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite")
# Reply lines shorter than this are too common to be evidence (« Oui », « 69001 »).
MIN_TEXT = 12


@dataclass(frozen=True, slots=True)
class Marker:
    what: str
    pattern: re.Pattern[str]


def _literal(what: str, text: str) -> Marker:
    return Marker(what, re.compile(re.escape(text), re.IGNORECASE))


def _button(replies: list[dict[str, Any]], title: str) -> str:
    payloads = [
        str(b["payload"]) for m in replies for b in m["buttons"] if b["title"].startswith(title)
    ]
    assert payloads, f"no button « {title} » in:\n{text_of(replies)}"
    return payloads[0]


class Chat:
    """One young person in the web chat; keeps every text typed and every reply line."""

    def __init__(self, http: aiohttp.ClientSession, stack: Stack) -> None:
        self.http, self.stack, self.user = http, stack, new_user()
        self.typed: list[str] = []
        self.replied: list[str] = []
        self.last: list[dict[str, Any]] = []

    async def type(self, text: str, *expect: str) -> list[dict[str, Any]]:
        self.typed.append(text)
        return await self._send(expect, text=text)

    async def press(self, title: str, *expect: str) -> list[dict[str, Any]]:
        return await self._send(expect, payload=_button(self.last, title))

    async def press_first_slot(self, *expect: str) -> list[dict[str, Any]]:
        """The first slot button (its title is a day and time, which depend on today)."""
        slots = [
            str(b["payload"]) for m in self.last for b in m["buttons"] if "slot=" in b["payload"]
        ]
        assert slots, f"no slot button in:\n{text_of(self.last)}"
        return await self._send(expect, payload=slots[0])

    async def _send(self, expect: tuple[str, ...], **body: str) -> list[dict[str, Any]]:
        replies = await say(self.http, self.stack, self.user, **body)
        text = text_of(replies)
        for wanted in expect:
            assert wanted in text, f"sent {body}, expected « {wanted} » in:\n{text}"
        self.replied.extend(line.strip() for line in text.splitlines())
        self.last = replies
        return replies


async def _questionnaire(chat: Chat) -> None:
    """A free-text message, then the questionnaire: age, RQTH button, town."""
    await chat.type("slt", "Salut")
    # Free text with a marker word (it must never reach a log); a question the bot answers
    # itself, so the questionnaire can follow (not a request for a human).
    await chat.type(f"c koi le cej, jai un dossier {FREE_TEXT_WORD}", "CEJ")
    await chat.type("est ce que jai droit au cej", "quel âge")
    await chat.type(f"jai {AGE} ans", "RQTH")
    await chat.press("Oui", "Tu fais quoi en ce moment")  # /inform{"choice": "rqth=yes"}
    await chat.press("Rien pour l'instant", "France Travail")
    await chat.press("Aucun des deux", "impôts")
    await chat.press("Non, pas d'impôt", "tu habites où")
    await chat.type(f"jhabite a {TOWN}")
    await chat.type("69001", "probablement le CEJ")


async def _phone_booking(chat: Chat) -> str:
    """A phone appointment with a number, then a first name; returns the calendar key."""
    await chat.type("rdv par tel possible ?", "par téléphone")
    await chat.press_first_slot("à quel numéro")
    confirmation = await chat.type(PHONE, "C'est réservé ✅", "Tu t'appelles comment")
    await chat.type(f"moi c {FIRST_NAME}", "C'est noté sur ton rendez-vous")
    link = re.search(r"/rdv/([A-Za-z0-9_-]+)\.ics", text_of(confirmation))
    assert link is not None, text_of(confirmation)
    return link.group(1)


def log_files(stack: Stack) -> list[Path]:
    """Every file the stack wrote in its working directory (its var/ included, if any) that is
    not a database."""
    return sorted(
        path
        for path in stack.workdir.rglob("*")
        if path.is_file() and not path.name.endswith(DATABASE_SUFFIXES)
    )


def _excerpt(line: str, markers: list[Marker]) -> str:
    """The line with every marker replaced by <MARKER>, cut around the first one (the logger's
    name at the start of the line is kept)."""
    for marker in markers:
        line = marker.pattern.sub("<MARKER>", line)
    first = line.index("<MARKER>")
    if first < 240:
        return line[:360]
    return f"{line[:70]} … {line[first - 150 : first + 150]}"


def leaks(files: list[Path], markers: list[Marker]) -> list[str]:
    """« file:line: what was found — the line, markers replaced by <MARKER> »."""
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
            hits = [m for m in markers if m.pattern.search(line)]
            if hits:
                what = ", ".join(dict.fromkeys(m.what for m in hits))
                found.append(f"{path.name}:{number}: {what} — {_excerpt(line, hits)}")
    return found


async def test_no_typed_detail_token_or_calendar_key_reaches_any_log(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    asking, booking = Chat(http, stack), Chat(http, stack)
    await _questionnaire(asking)
    key = await _phone_booking(booking)
    async with http.get(f"{stack.bot_url}/rdv/{key}.ics") as ics:
        assert ics.status == 200
    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    today = datetime.now(UTC).date()
    days = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=40))}
    async with http.get(
        f"{stack.bot_url}/api/staff/appointments", headers=auth, params=days
    ) as response:
        assert response.status == 200
        [appointment] = (await response.json())["appointments"]
    # The markers did go through the whole stack: only the logs must not have them.
    assert appointment["first_name"] == FIRST_NAME
    assert appointment["phone"] == "+33647298315"
    assert query(stack.database_file, "SELECT age FROM eligibility_profiles") == [(AGE,)]
    stack.stop_all()  # every line written, shutdown included

    files = log_files(stack)
    names = {path.name for path in files}
    assert {"bot.log", "rasa.log"} <= names, names
    bot_log = (stack.workdir / "bot.log").read_text(errors="replace")
    assert " INFO aiohttp.access: POST /webchat/api/messages 200 " in bot_log  # INFO is on
    assert "Rasa server is up and running" in (stack.workdir / "rasa.log").read_text()

    markers = [
        _literal("first name", FIRST_NAME),
        _literal("town", TOWN),
        Marker("phone number", re.compile(PHONE_ANY_WAY)),
        Marker("age", re.compile(AGE_ANY_WAY, re.IGNORECASE)),
        Marker("RQTH answer", re.compile(r"elig_rqth\W{1,6}yes\b", re.IGNORECASE)),  # a slot dump
        _literal("free-text word", FREE_TEXT_WORD),
        _literal("calendar key", key),
        _literal("actions token", stack.token),
        _literal("staff token", STAFF_TOKEN),
        _literal("web chat id", asking.user),
        _literal("web chat id", booking.user),
        *(_literal("typed text", t) for t in asking.typed + booking.typed if len(t) >= MIN_TEXT),
    ]
    found = leaks(files, markers)
    # The bot's log at INFO: no message text at all, the bot's own replies included.
    replies = {line for line in asking.replied + booking.replied if len(line) >= MIN_TEXT}
    found += leaks([stack.workdir / "bot.log"], [_literal("reply text", r) for r in replies])

    if found:
        pytest.fail(
            f"{len(found)} log line(s) with private details:\n" + "\n".join(found), pytrace=False
        )

"""End to end with the real Rasa server: web chat → bot → Rasa → /actions → database → reply.

The model is trained once (cached by content hash); the stack starts once for this module. The
Rasa-down test stops Rasa, so it runs last.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from bot.outreach.qr import qr_code
from tests.integration.stack import STAFF_TOKEN, Stack, http_status, stop
from tests.integration.webchat import NOTICE, after_notice, new_user, query, say
from tests.qr_reading import png_modules

pytestmark = pytest.mark.integration


async def test_greeting_in_youth_spelling_gets_a_french_reply_with_a_button(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    replies = await say(http, stack, new_user(), text="wesh slt")

    assert replies
    assert replies[0]["text"].startswith("Salut")
    assert {"title": "Où vous trouver ?", "payload": "/ask_mission_locale"} in replies[0]["buttons"]


async def test_the_custom_action_answers_from_the_bots_database(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    with sqlite3.connect(stack.database_file) as connection:
        connection.execute("UPDATE sites SET address = '5 impasse du Test-de-Bout-en-Bout'")
    user = new_user()

    by_button = await say(http, stack, user, payload="/ask_mission_locale")
    by_text = await say(http, stack, user, text="c ou la mission locale")

    for replies in (by_button, by_text):
        text = "\n".join(m["text"] for m in replies)
        assert "5 impasse du Test-de-Bout-en-Bout, 69001 Lyon" in text
        assert "lundi : 9h–12h30, 13h30–17h30" in text


async def test_out_of_scope_is_answered_kindly(stack: Stack, http: aiohttp.ClientSession) -> None:
    replies = after_notice(await say(http, stack, new_user(), text="raconte moi une blague"))

    assert "je ne peux pas t'aider" in replies[0]["text"]


async def test_every_message_is_stored_and_the_tracker_is_persistent(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="bonjour")

    rows = query(
        stack.database_file,
        "SELECT direction, author, status FROM messages WHERE conversation_id = "
        "(SELECT MAX(id) FROM conversations) ORDER BY id",
    )
    assert rows[0] == ("in", "young_person", "processed")
    assert all(row == ("out", "bot", "sent") for row in rows[1:])
    assert len(rows) > 1
    [(sender,)] = query(
        stack.database_file,
        "SELECT public_id FROM channel_identities ORDER BY id DESC LIMIT 1",
    )
    events = query(stack.tracker_file, "SELECT COUNT(*) FROM events WHERE sender_id = ?", sender)
    assert events[0][0] > 0


async def test_youth_spelling_gets_the_cej_answer_with_dated_amounts(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    cej = "\n".join(m["text"] for m in await say(http, stack, user, text="c koi le cej"))
    money = "\n".join(m["text"] for m in await say(http, stack, user, text="on touche cb"))

    assert "Contrat d'Engagement Jeune" in cej
    assert "1er avril 2025" in cej
    assert "561,68 €" in money
    assert "224,68 €" in money
    assert "1er avril 2025" in money
    assert "conseill" in money  # an estimate a counsellor confirms, never a decision


async def test_distress_gets_the_numbers_first_and_flags_the_conversation(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="slt")

    replies = await say(http, stack, user, text="ma mere ma mis dehors je dors dehors ce soir")

    assert "115" in replies[0]["text"]
    assert {"title": "Parler à quelqu'un maintenant", "payload": "/request_human"} in replies[0][
        "buttons"
    ]
    assert sum("115" in m["text"] for m in replies) == 1  # never twice
    [(urgent, reasons)] = query(
        stack.database_file,
        "SELECT urgent, urgent_reasons FROM conversations ORDER BY id DESC LIMIT 1",
    )
    assert urgent == 1
    assert "shelter" in reasons


async def test_asking_for_a_human_hands_over_and_rasa_is_no_longer_asked(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    handover = after_notice(
        await say(http, stack, user, text="je veux parler a un vrai conseiller")
    )
    after = await say(http, stack, user, text="allo ?")
    again = await say(http, stack, user, text="c koi le cej")

    assert "préviens l'équipe" in handover[0]["text"] or "L'équipe" in handover[0]["text"]
    # Never silence: acknowledged once (then at most every 30 minutes), Rasa not asked.
    [acknowledged] = after
    assert "bien arrivé" in acknowledged["text"]
    assert "17 ou 112" in acknowledged["text"]
    # Kept for the counsellor, with a receipt; a clear question is answered meanwhile from the
    # topics' content (#8): Rasa still not asked.
    receipt, meanwhile = again
    assert receipt["text"] == "Reçu 👍 C'est transmis à l'équipe."
    assert meanwhile["text"].startswith("En attendant")
    assert "CEJ" in meanwhile["text"]
    [(state,)] = query(
        stack.database_file, "SELECT state FROM conversations ORDER BY id DESC LIMIT 1"
    )
    assert state == "waiting_for_counsellor"


async def test_not_understood_twice_offers_a_human(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    await say(http, stack, user, text="tu peux faire mes devoirs de maths")
    second = await say(http, stack, user, text="qui a gagne la ligue des champions")

    assert {"title": "Oui, parler à quelqu'un", "payload": "/request_human"} in second[0]["buttons"]


async def test_erasure_removes_everything_about_the_young_person(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="jai 19 ans et je cherche du taf")
    [(sender,)] = query(
        stack.database_file, "SELECT public_id FROM channel_identities ORDER BY id DESC LIMIT 1"
    )

    ask = await say(http, stack, user, text="supprimez toutes mes donnees")
    done = await say(http, stack, user, payload='/delete_my_data{"confirm": "oui"}')

    assert ask[0]["buttons"][0]["title"] == "Oui, tout effacer"
    assert "effacé" in done[0]["text"]
    assert (
        query(stack.database_file, "SELECT id FROM channel_identities WHERE public_id = ?", sender)
        == []
    )
    assert (
        query(stack.database_file, "SELECT id FROM messages WHERE text LIKE '%cherche du taf%'")
        == []
    )
    assert query(stack.tracker_file, "SELECT COUNT(*) FROM events WHERE sender_id = ?", sender) == [
        (0,)
    ]


async def test_a_qr_code_opens_the_chat_with_its_source_recorded(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    async with http.get(f"{stack.bot_url}/api/staff/sources", headers=auth) as response:
        listed = {s["code"]: s for s in (await response.json())["sources"]}
    link = listed["snap-story-dec"]["links"]["webchat"]
    async with http.get(
        f"{stack.bot_url}/api/staff/sources/snap-story-dec/qr.png", headers=auth
    ) as response:
        png = await response.read()
    # The printed code carries exactly that link…
    assert png_modules(png) == [[bool(v) for v in row] for row in qr_code(link).matrix]
    # …which opens the chat page, whose first message carries the code.
    async with http.get(link) as page:
        assert page.status == 200
    source = parse_qs(urlsplit(link).query)["src"][0]
    replies = await say(http, stack, new_user(), text="slt", source=source)

    assert replies[0]["text"].startswith("Salut")
    async with http.get(f"{stack.bot_url}/api/staff/sources", headers=auth) as response:
        after = {s["code"]: s for s in (await response.json())["sources"]}
    assert after["snap-story-dec"]["contacts"] == listed["snap-story-dec"]["contacts"] + 1
    assert after["snap-story-dec"]["by_channel"]["webchat"] >= 1


async def test_rasa_down_gives_the_apology_and_not_ready(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    assert stack.rasa is not None
    stop(stack.rasa)

    apology, notice = await say(http, stack, new_user(), text="salut")

    assert "Réessaie dans quelques minutes" in apology["text"]
    assert NOTICE in notice["text"]  # a first contact is told about its data, Rasa or not
    assert http_status(f"{stack.bot_url}/readyz") == 503
    last = query(
        stack.database_file,
        "SELECT status FROM messages WHERE direction = 'in' ORDER BY id DESC LIMIT 1",
    )
    assert last == [("unprocessed",)]

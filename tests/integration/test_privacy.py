"""What the young person sees about their data (#12), end to end with the real Rasa: an age under
16 stops the questionnaire and keeps only the fact; a card number never reaches Rasa's tracker
nor the bot's record; « supprime mes données », the phrase the notice gives, asks first."""

from __future__ import annotations

import sqlite3

import aiohttp
import pytest

from tests.integration.stack import Stack
from tests.integration.webchat import new_user, query, say, text_of

pytestmark = pytest.mark.integration

CARD = "4970 1012 3456 7893"


def _contact_row(stack: Stack) -> tuple[object, ...]:
    [row] = query(
        stack.database_file,
        "SELECT under_16_at, news_offered_at, (SELECT count(*) FROM eligibility_profiles "
        "WHERE contact_id = contacts.id) FROM contacts WHERE id = "
        "(SELECT contact_id FROM channel_identities ORDER BY id DESC LIMIT 1)",
    )
    return tuple(row)


async def test_under_16_in_the_questionnaire_is_pointed_elsewhere_and_asked_nothing_more(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    start = await say(http, stack, user, payload="/check_eligibility")
    assert "quel âge" in text_of(start)
    answer = await say(http, stack, user, text="j'ai 14 ans")
    text = text_of(answer)
    assert "à partir de 16 ans" in text
    assert "CIO" in text
    assert "?" not in answer[-1]["text"]  # no next question
    after = await say(http, stack, user, text="c koi le cej")

    assert "Tu fais quoi en ce moment" not in text_of(after)
    under_16_at, news_offered_at, profiles = _contact_row(stack)
    assert under_16_at is not None
    assert news_offered_at is None  # never offered the news
    assert profiles == 0  # no age kept


async def test_an_age_under_16_said_in_passing_is_recorded(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    answer = await say(http, stack, user, text="slt jai 15 ans")

    assert "à partir de 16 ans" in text_of(answer)
    assert _contact_row(stack)[0] is not None


async def test_a_card_number_is_masked_in_both_records(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    answer = await say(http, stack, user, text=f"ma carte c {CARD}")

    assert "ton numéro de carte bancaire" in text_of(answer)
    stored = [text for (text,) in query(stack.database_file, "SELECT text FROM messages")]
    assert "ma carte c ••••••••••••7893" in stored
    assert not any("3456" in (text or "") for text in stored)
    with sqlite3.connect(stack.tracker_file) as connection:
        events = " ".join(str(row[0]) for row in connection.execute("SELECT data FROM events"))
    assert "7893" in events
    assert "3456" not in events


async def test_the_erasure_phrase_of_the_notice_asks_for_confirmation(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="salut")

    asked = await say(http, stack, user, text="supprime mes données")

    assert "Tu veux que j'efface tout" in text_of(asked)
    assert query(stack.database_file, "SELECT count(*) FROM messages")[0][0] > 0

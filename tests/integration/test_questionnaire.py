"""The eligibility questionnaire end to end: web chat → bot → real Rasa (form) → /actions → DB.

Three young people of the issue (19 with nothing and a non-taxed household, 17 and minor, 27
without RQTH), plus a correction, an interruption, « stop » and resuming. Expected amounts are the
openfisca-france figures for today: what is checked here is that each case reaches the right rate.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import aiohttp
import pytest

from bot.eligibility.rules import load_cej_parameters
from bot.eligibility.wording import euros, french_date
from tests.integration.stack import Stack
from tests.integration.webchat import new_user, query, say, text_of

pytestmark = pytest.mark.integration

BOOK = {"title": "Prendre rendez-vous", "payload": "/book_appointment"}
RULES = load_cej_parameters(datetime.now(UTC).date())


def profile(stack: Stack) -> tuple[object, ...]:
    [row] = query(
        stack.database_file,
        "SELECT age, activity, tax_situation, town, orientation, allowance_min, allowance_max, "
        "completed_at FROM eligibility_profiles WHERE contact_id = "
        "(SELECT contact_id FROM channel_identities ORDER BY id DESC LIMIT 1)",
    )
    return tuple(row)


async def test_nineteen_with_nothing_gets_the_full_cej_rate_through_a_correction_and_a_question(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()

    start = await say(http, stack, user, payload="/check_eligibility")
    assert "quel âge" in text_of(start)
    activity = await say(http, stack, user, text="jai 18 ans")
    assert "Tu fais quoi en ce moment" in text_of(activity)
    assert {"title": "Rien pour l'instant", "payload": '/inform{"choice": "activity=nothing"}'} in (
        activity[-1]["buttons"]
    )
    # An interruption: answered, then the same question again.
    pacea = await say(http, stack, user, text="c koi le pacea")
    assert "PACEA" in pacea[0]["text"]
    assert "Tu fais quoi en ce moment" in pacea[-1]["text"]
    # A correction of an earlier answer.
    corrected = await say(http, stack, user, text="non en fait jai 19 ans")
    assert corrected[0]["text"] == "C'est corrigé 👍"
    assert "Tu fais quoi en ce moment" in corrected[-1]["text"]
    followed = await say(http, stack, user, text="rien pour l'instant")
    assert "France Travail" in text_of(followed)
    tax = await say(http, stack, user, payload='/inform{"choice": "followed=none"}')
    assert "impôts" in text_of(tax)
    town = await say(http, stack, user, text="mes parents paient pas d'impots")
    assert "tu habites où" in text_of(town)
    outcome = await say(http, stack, user, text="69001")

    text = text_of(outcome)
    assert "probablement le CEJ" in text
    assert f"{euros(RULES.adult_not_taxed)} € par mois" in text
    assert french_date(RULES.applies_from) in text
    assert "estimation" in text
    assert "conseill" in text
    assert "12 rue de la République" in text  # the demo site for 69001
    assert BOOK in outcome[-1]["buttons"]
    age, activity_, tax_, town_, orientation, low, high, completed = profile(stack)
    assert (age, activity_, tax_, town_, orientation) == (19, "nothing", "non_imposable",
                                                           "69001", "cej")  # fmt: skip
    assert Decimal(str(low)) == Decimal(str(high)) == RULES.adult_not_taxed
    assert completed is not None


async def test_seventeen_gets_the_minor_rate(stack: Stack, http: aiohttp.ClientSession) -> None:
    user = new_user()
    await say(http, stack, user, payload="/check_eligibility")
    for answer in ("17", "je fais rien", "non pas encore", "pas imposable", "Lyon"):
        replies = await say(http, stack, user, text=answer)

    text = text_of(replies)
    assert "probablement le CEJ" in text
    assert f"{euros(RULES.minor)} € par mois" in text
    assert "moins de 18 ans" in text
    assert BOOK in replies[-1]["buttons"]
    assert profile(stack)[4] == "cej"


async def test_twenty_seven_without_rqth_is_pointed_to_france_travail(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, payload="/check_eligibility")
    rqth = await say(http, stack, user, text="27 ans")
    assert "RQTH" in text_of(rqth)

    replies = await say(http, stack, user, payload='/inform{"choice": "rqth=no"}')

    text = text_of(replies)
    assert "France Travail" in text
    assert "€" not in text
    assert BOOK in replies[-1]["buttons"]
    assert profile(stack)[0] == 27
    assert profile(stack)[4] == "france_travail"


async def test_stop_keeps_the_answers_and_the_questionnaire_resumes_where_it_was(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, text="est ce que jai droit au cej")
    await say(http, stack, user, text="vingt ans")

    stopped = await say(http, stack, user, text="laisse tomber")
    assert "on s'arrête là" in text_of(stopped)
    assert {"title": "Reprendre le questionnaire", "payload": "/check_eligibility"} in stopped[-1][
        "buttons"
    ]
    assert profile(stack)[0] == 20  # kept for the counsellor, no outcome yet
    assert profile(stack)[4] is None

    resumed = await say(http, stack, user, payload="/check_eligibility")
    assert "On reprend" in resumed[0]["text"]
    assert "Tu fais quoi en ce moment" in resumed[-1]["text"]


async def test_distress_during_the_questionnaire_ends_it_with_the_numbers_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, payload="/check_eligibility")

    replies = await say(http, stack, user, text="je dors dehors ce soir")

    assert sum("115" in m["text"] for m in replies) == 1
    assert "quel âge" not in text_of(replies)
    after = await say(http, stack, user, text="c koi le cej")
    assert "Contrat d'Engagement Jeune" in text_of(after)


async def test_the_answers_are_erased_with_the_contact(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    user = new_user()
    await say(http, stack, user, payload="/check_eligibility")
    await say(http, stack, user, text="19")
    [(contact_id,)] = query(
        stack.database_file, "SELECT contact_id FROM channel_identities ORDER BY id DESC LIMIT 1"
    )
    assert query(stack.database_file, "SELECT age FROM eligibility_profiles WHERE contact_id = ?",
                 contact_id) == [(19,)]  # fmt: skip

    await say(http, stack, user, text="stop")
    await say(http, stack, user, payload='/delete_my_data{"confirm": "oui"}')

    assert (
        query(
            stack.database_file,
            "SELECT * FROM eligibility_profiles WHERE contact_id = ?",
            contact_id,
        )
        == []
    )


async def test_resuming_in_words_after_a_stop(stack: Stack, http: aiohttp.ClientSession) -> None:
    user = new_user()
    await say(http, stack, user, payload="/check_eligibility")
    await say(http, stack, user, text="2005")
    await say(http, stack, user, text="stop")

    resumed = await say(http, stack, user, text="on reprend le questionnaire")

    assert "On reprend" in resumed[0]["text"]
    assert "Tu fais quoi en ce moment" in resumed[-1]["text"]

"""Young people under 16 (#12): answered kindly and pointed to the right place (their school, the
CIO, the Mission Locale by phone), asked nothing more, never offered the news.

The age is read in the questionnaire (its age question) or said plainly in passing (« j'ai 14
ans »; « jsuis en 3eme » is not enough). The bot keeps only the fact (`contacts.under_16_at`),
never the age: the age slots are cleared and the questionnaire answers dropped.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.news_offer import CONSENT_AGE
from bot.eligibility.free_text import plain_words, words_to_number
from bot.eligibility.questionnaire import FormSlot
from bot.storage.eligibility import is_under_16, record_under_16
from bot.storage.models import Site
from bot.storage.sites import main_site

# What `elig_stopped` holds when the questionnaire stopped on an age under 16.
UNDER_16 = "under_16"
YOUNGEST_PLAUSIBLE = 10  # below, a typo or a joke: not taken as an age

# An age said of oneself: at the start of the message or after « j'ai », « moi »… (never
# « ma sœur a 14 ans »), in digits or words, followed by « ans » (not « 2 ans d'expérience »).
_NUMBER = r"\d{1,2}|dix|onze|douze|treize|quatorze|quinze"
_OWN_AGE = re.compile(
    rf"(?:^|\b(?:j ai|jai|g|moi|moi j ai|moi jai)\s)({_NUMBER})\s?(?:ans?|piges?|balais)\b"
    r"(?!\s(?:d|de|des)\b)"
)


def said_age_under_16(text: str) -> bool:
    """Whether `text` says plainly that the young person is under 16 (« jai 14ans »)."""
    if text.startswith("/"):
        return False
    found = _OWN_AGE.search(plain_words(text))
    if found is None:
        return False
    word = found.group(1)
    age = int(word) if word.isdigit() else words_to_number([word])
    return age is not None and YOUNGEST_PLAUSIBLE <= age < CONSENT_AGE


def forget_age() -> list[dict[str, Any]]:
    """The age slots cleared: the tracker keeps no age either."""
    return [
        SlotSet(FormSlot.AGE, None),
        SlotSet(FormSlot.BIRTH_YEAR, None),
        SlotSet(FormSlot.BIRTHDAY_PASSED, None),
    ]


async def answer_under_16(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Record the fact (answers dropped) and point them to the right place, with the Mission
    Locale's phone number when the database has one."""
    context = services()
    async with context.sessions() as session, session.begin():
        await record_under_16(session, tracker.sender_id, context.clock.now())
        site = await main_site(session)
    dispatcher.utter_message(text=_pointed_elsewhere("answer", site))


async def refuse_booking(dispatcher: CollectingDispatcher) -> None:
    """An appointment asked by someone who said they were under 16: where to go instead, and
    nothing asked (no first name, no phone number)."""
    async with services().sessions() as session:
        site = await main_site(session)
    dispatcher.utter_message(text=_pointed_elsewhere("booking", site))


def _pointed_elsewhere(key: str, site: Site | None) -> str:
    """The under-16 text `key`, with the Mission Locale's phone number when it has one."""
    age_min = str(CONSENT_AGE)
    if site is not None and site.phone:
        return reply_text("under_16", key, age_min=age_min, phone=site.phone)
    return reply_text("under_16", f"{key}_no_phone", age_min=age_min)


async def said_under_16_before(tracker: Tracker) -> bool:
    async with services().sessions() as session:
        return await is_under_16(session, tracker.sender_id)

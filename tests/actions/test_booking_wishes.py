"""While booking: a wish in the request itself or later (days, parts of the day, hours), a slot
picked with filler words, « oui » alone, and remarks (another counsellor, « c'est où ? »), through
the custom actions on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.booking import ActionAskBookingSlot, ActionBookingStart, FormSlot, ValidateBookingForm
from bot.core.action_services import ActionServices
from bot.storage.models import Appointment
from tests.actions.booking_steps import agenda_sender, booking, offered, run
from tests.actions.trackers import message_tracker, slots_of
from tests.conftest import FixedClock

Starts = Callable[[datetime], bool]


@pytest.fixture
async def sender(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, context: ActionServices
) -> str:
    return await agenda_sender(sessions, clock)


def _starts(offer: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(e["start"]) for e in offer["slots"]]


def _minute(start: datetime) -> int:
    return start.hour * 60 + start.minute


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Appointment)) or 0)


@pytest.mark.parametrize(
    ("text", "wished", "said"),
    [
        ("je veux un rdv jeudi", lambda s: s.weekday() == 3, "le jeudi"),
        ("rdv mardi matin", lambda s: s.weekday() == 1 and s.hour < 12, "le mardi matin"),
        (
            "je voudrais prendre rendez-vous lundi après-midi",
            lambda s: s.weekday() == 0 and s.hour >= 12,
            "le lundi après-midi",
        ),
        (
            "jpeux venir mercredi vers 16h?",
            lambda s: s.weekday() == 2 and 15 * 60 <= _minute(s) < 17 * 60,
            "le mercredi entre 15h et 17h",
        ),
        ("je veux voir qqn mais que le vendredi", lambda s: s.weekday() == 4, "le vendredi"),
        ("pas avant 10h stp", lambda s: _minute(s) >= 10 * 60, "à partir de 10h"),
        (
            "dispo jeudi aprem pour un rdv ?",
            lambda s: s.weekday() == 3 and s.hour >= 12,
            "le jeudi après-midi",
        ),
    ],
)
async def test_a_wish_in_the_request_itself_filters_the_first_slots(
    sender: str, text: str, wished: Starts, said: str
) -> None:
    events, _ = await run(ActionBookingStart(), message_tracker(sender, text, "book_appointment"))
    started = slots_of(events)
    offer = await offered(sender, started)
    _, [message] = await run(ActionAskBookingSlot(), booking(sender, "", {FormSlot.OFFER: offer}))

    assert _starts(offer)
    assert all(wished(start) for start in _starts(offer)), _starts(offer)
    assert message["text"].startswith(f"Voici des créneaux {said} 👇")


async def test_a_request_without_a_wish_shows_the_next_slots(sender: str) -> None:
    events, _ = await run(
        ActionBookingStart(),
        message_tracker(sender, '/book_appointment{"choice": "rdv=new"}', "book_appointment"),
    )
    assert slots_of(events)[FormSlot.PREFER] is None
    events, _ = await run(ActionBookingStart(), message_tracker(sender, "rdv", "book_appointment"))
    assert slots_of(events)[FormSlot.PREFER] is None


async def _wish(sender: str, text: str, slots: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The form's answer to a wish typed while the first slots are shown."""
    base = {FormSlot.MODE: "in_person", FormSlot.PAGE: 0, **(slots or {})}
    base[FormSlot.OFFER] = await offered(sender, base)
    events, _ = await run(ValidateBookingForm(), booking(sender, text, base))
    return slots_of(events)


@pytest.mark.parametrize(
    ("text", "wished", "said"),
    [
        ("pas avant 10h", lambda s: _minute(s) >= 10 * 60, "à partir de 10h"),
        ("après 14h", lambda s: _minute(s) >= 14 * 60, "à partir de 14h"),
        ("apres 15h", lambda s: _minute(s) >= 15 * 60, "à partir de 15h"),
        ("vers 16h", lambda s: 15 * 60 <= _minute(s) < 17 * 60, "entre 15h et 17h"),
        ("en fin de journée", lambda s: _minute(s) >= 16 * 60, "à partir de 16h"),
        ("plutôt avant 11h", lambda s: _minute(s) < 11 * 60, "avant 11h"),
    ],
)
async def test_hours_in_a_wish_filter_the_slots(
    sender: str, text: str, wished: Starts, said: str
) -> None:
    values = await _wish(sender, text)
    offer = values[FormSlot.OFFER]
    _, [message] = await run(ActionAskBookingSlot(), booking(sender, "", {FormSlot.OFFER: offer}))

    assert values[FormSlot.PAGE] == 0  # not « autres créneaux »
    assert values.get(FormSlot.SLOT) is None  # no slot picked
    assert _starts(offer)
    assert all(wished(start) for start in _starts(offer)), _starts(offer)
    assert message["text"].startswith(f"Voici des créneaux {said} 👇")


async def test_any_day_after_an_hour_drops_the_day_and_keeps_the_first_page(sender: str) -> None:
    tuesday = {"weekday": 1, "part": None, "earliest": None, "before": None}

    values = await _wish(sender, "n'importe quel jour apres 14h", {FormSlot.PREFER: tuesday})

    assert values[FormSlot.PAGE] == 0
    assert values[FormSlot.PREFER] == {
        "weekday": None,
        "part": None,
        "earliest": 840,
        "before": None,
    }
    starts = _starts(values[FormSlot.OFFER])
    assert {s.weekday() for s in starts} != {1}
    assert all(_minute(s) >= 14 * 60 for s in starts)


async def test_a_later_wish_updates_the_earlier_one(sender: str) -> None:
    thursday = {"weekday": 3, "part": "morning", "earliest": None, "before": None}

    values = await _wish(sender, "plutôt après 15h", {FormSlot.PREFER: thursday})

    starts = _starts(values[FormSlot.OFFER])
    assert starts
    assert all(s.weekday() == 3 and _minute(s) >= 15 * 60 for s in starts)


async def test_a_wish_stored_before_hours_existed_still_reads(sender: str) -> None:
    old = {"weekday": 1, "part": "afternoon"}  # a booking_prefer value of an older version

    offer = await offered(sender, {FormSlot.PREFER: old})

    assert _starts(offer)
    assert all(s.weekday() == 1 and s.hour >= 12 for s in _starts(offer))


@pytest.mark.parametrize(
    ("text", "rank"),
    [
        ("oui le premier", 0),
        ("ok ça me va le premier", 0),
        ("le premier c bon", 0),
        ("go le premier", 0),
        ("le 2eme stp", 1),
        ("je prends le 3", 2),
    ],
)
async def test_a_rank_with_filler_words_picks_and_books_the_slot(
    sender: str, sessions: async_sessionmaker[AsyncSession], text: str, rank: int
) -> None:
    offer = await offered(sender)
    base = {FormSlot.OFFER: offer, FormSlot.NAME: "Sarah"}

    events, [confirmation] = await run(ValidateBookingForm(), booking(sender, text, base))

    assert slots_of(events)[FormSlot.SLOT] == offer["slots"][rank]["code"]
    assert "C'est réservé ✅" in confirmation["text"]
    assert await _count(sessions) == 1


@pytest.mark.parametrize("text", ["j'ai 2 enfants", "14h", "c'est mon premier rdv", "le 1 ou le 2"])
async def test_a_sentence_about_something_else_picks_nothing(
    sender: str, sessions: async_sessionmaker[AsyncSession], text: str
) -> None:
    base = {FormSlot.OFFER: await offered(sender)}

    events, _ = await run(ValidateBookingForm(), booking(sender, text, base))

    assert slots_of(events).get(FormSlot.SLOT) is None
    assert slots_of(events)["requested_slot"] == FormSlot.SLOT
    assert await _count(sessions) == 0


async def test_oui_takes_the_first_slot_the_list_proposes(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender)
    _, [question] = await run(ActionAskBookingSlot(), booking(sender, "", {FormSlot.OFFER: offer}))
    assert "Le 1er te va ? Réponds « oui »" in question["text"]

    events, [confirmation] = await run(
        ValidateBookingForm(),
        booking(sender, "oui", {FormSlot.OFFER: offer, FormSlot.NAME: "Sarah"}),
    )
    assert slots_of(events)[FormSlot.SLOT] == offer["slots"][0]["code"]
    assert "C'est réservé ✅" in confirmation["text"]
    assert await _count(sessions) == 1


@pytest.mark.parametrize(
    "text", ["ça s'est mal passé avec elle", "pas la même personne", "pas avec la meme conseillere"]
)
async def test_a_remark_about_the_counsellor_gets_the_honest_answer(sender: str, text: str) -> None:
    base = {FormSlot.OFFER: await offered(sender)}

    events, _ = await run(ValidateBookingForm(), booking(sender, text, base))
    retry = slots_of(events)[FormSlot.RETRY]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, FormSlot.RETRY: retry})
    )

    assert retry == "other_counsellor"
    assert "Je ne peux pas choisir la personne" in message["text"]


@pytest.mark.parametrize("text", ["c'est où le rdv ?", "c'est où ?", "ça se passe où ?"])
async def test_where_is_answered_and_the_slots_stay(sender: str, text: str) -> None:
    offer = await offered(sender)

    events, _ = await run(
        ValidateBookingForm(),
        booking(sender, text, {FormSlot.OFFER: offer}, intent="book_appointment"),
    )
    values = slots_of(events)
    _, [place, slots] = await run(
        ActionAskBookingSlot(),
        booking(sender, "", {FormSlot.OFFER: values[FormSlot.OFFER], **values}),
    )

    assert values[FormSlot.RETRY] == "where"
    assert values["requested_slot"] == FormSlot.SLOT
    assert values[FormSlot.OFFER]["slots"] == offer["slots"]
    assert "12 rue de la République, 69001 Lyon" in place["text"]
    assert "Je n'ai pas compris" not in slots["text"]
    assert "1. lundi 23 novembre à 14h45 — Antenne du centre" in slots["text"]


async def test_where_for_a_phone_appointment_says_there_is_no_need_to_come(sender: str) -> None:
    base = {FormSlot.MODE: "phone"}
    offer = await offered(sender, base)
    events, _ = await run(
        ValidateBookingForm(), booking(sender, "c ou ?", {**base, FormSlot.OFFER: offer})
    )
    values = slots_of(events)

    _, [place, _slots] = await run(ActionAskBookingSlot(), booking(sender, "", values))

    assert place["text"].startswith("Pas besoin de te déplacer : c'est par téléphone")


async def test_another_way_and_a_wish_in_one_message(sender: str) -> None:
    values = await _wish(sender, "plutot par tel jeudi")

    assert values[FormSlot.MODE] == "phone"
    assert values[FormSlot.OFFER]["mode"] == "phone"
    assert _starts(values[FormSlot.OFFER])
    assert all(s.weekday() == 3 for s in _starts(values[FormSlot.OFFER]))


async def test_nothing_at_the_wished_hours_shows_that_day_at_other_hours(sender: str) -> None:
    events, _ = await run(
        ActionBookingStart(), message_tracker(sender, "rdv mardi avant 7h", "book_appointment")
    )
    offer = await offered(sender, slots_of(events))
    _, [message] = await run(ActionAskBookingSlot(), booking(sender, "", {FormSlot.OFFER: offer}))

    assert _starts(offer)
    assert all(start.weekday() == 1 for start in _starts(offer)), _starts(offer)
    assert "Voici ce jour-là à d'autres heures" in message["text"]


async def test_a_question_while_slots_are_shown_is_answered_and_the_slots_stay(
    sender: str,
) -> None:
    changes = await _wish(sender, "et ca dure combien le cej ?")

    assert changes.get(FormSlot.RETRY) == "question"
    assert FormSlot.OFFER not in changes or changes[FormSlot.OFFER] is not None

"""Booking, moving, cancelling and confirming appointments through the custom actions, with
trackers built by Tracker.from_dict, on a real database (SQLite and PostgreSQL).

Wishes, picks in words and remarks while slots are shown: test_booking_wishes.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs
from rasa_sdk import Tracker
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.appointments import ActionAppointmentAttending, ActionAppointmentCancel
from actions.booking import (
    FORM,
    LEAVING_INTENTS,
    SKIP_NAME,
    ActionAskBookingName,
    ActionAskBookingPhone,
    ActionAskBookingSlot,
    ActionBookingConfirm,
    ActionBookingStart,
    FormSlot,
    ValidateBookingForm,
)
from actions.booking_messages import reminders_sentence
from bot.booking.slots import SlotRef
from bot.core.action_services import ActionServices
from bot.core.vocabulary import AppointmentKind
from bot.eligibility.reading import RESUMING_INTENTS
from bot.storage import appointments as store
from bot.storage.models import (
    Appointment,
    AppointmentUnit,
    ChannelIdentity,
    Counsellor,
    EligibilityProfile,
)
from tests.actions.booking_steps import (
    FIRST_SLOT,
    PARIS,
    agenda_sender,
    booking,
    offered,
    pick_slot,
    run,
)
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.trackers import choice, form_tracker, message_tracker, slots_of
from tests.booking.factories import make_appointment, make_identity, make_permanence
from tests.conftest import FixedClock
from tests.paths import PROJECT_DIR


@pytest.fixture
async def sender(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, context: ActionServices
) -> str:
    return await agenda_sender(sessions, clock)


async def _appointments(sessions: async_sessionmaker[AsyncSession]) -> list[Appointment]:
    async with sessions() as session:
        return list((await session.scalars(select(Appointment).order_by(Appointment.id))).all())


async def test_the_form_offers_four_slots_in_local_time_spread_over_days(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})

    starts = [datetime.fromisoformat(e["start"]) for e in offer["slots"]]
    assert len(starts) == 4
    assert offer["more"] is True
    assert starts[0] == FIRST_SLOT.astimezone(PARIS)
    assert [s.strftime("%a %H:%M") for s in starts] == [
        "Mon 14:45",
        "Mon 15:30",
        "Tue 09:00",
        "Tue 09:45",
    ]
    assert offer["slots"][0]["line"] == "lundi 23 novembre à 14h45 — Antenne du centre"


async def test_the_slot_question_lists_the_slots_and_offers_more_and_other_ways(
    sender: str,
) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    tracker = booking(sender, "", {FormSlot.OFFER: offer, FormSlot.MODE: "in_person"})

    _, [message] = await run(ActionAskBookingSlot(), tracker)

    assert "1. lundi 23 novembre à 14h45 — Antenne du centre" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles == [
        "lun. 23/11 14h45",
        "lun. 23/11 15h30",
        "mar. 24/11 9h",
        "mar. 24/11 9h45",
        "Autres créneaux ➡️",
        "📞 Par téléphone",
        "💻 En visio",
    ]
    assert all(len(t) <= 20 for t in titles)  # Instagram's limit for quick replies
    code = offer["slots"][0]["code"]
    assert message["buttons"][0]["payload"] == f'/inform{{"choice": "slot={code}"}}'


async def test_picking_a_slot_books_it_at_once_then_asks_the_first_name_as_optional(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    code = offer["slots"][2]["code"]

    values, [confirmation] = await pick_slot(sender, code, {FormSlot.OFFER: offer})

    [appointment] = await _appointments(sessions)
    assert (appointment.status, appointment.first_name) == ("booked", None)
    assert SlotRef.parse(code) == SlotRef(
        AppointmentKind.ON_SITE, appointment.counsellor_id, appointment.starts_at
    )
    assert values[FormSlot.SLOT] == code
    assert values[FormSlot.BOOKED] == appointment.id
    assert values["requested_slot"] == FormSlot.NAME
    assert confirmation["text"].startswith("C'est réservé ✅\n📅 mardi 24 novembre à 9h")
    assert [b["title"] for b in confirmation["buttons"]] == ["Décaler", "Annuler"]

    tracker = booking(sender, "", {**values, FormSlot.OFFER: offer}, requested=FormSlot.NAME)
    _, [question] = await run(ActionAskBookingName(), tracker)
    assert "Tu t'appelles comment" in question["text"]
    assert "Tu peux aussi passer" in question["text"]
    assert question["buttons"] == [
        {"title": "Passer", "payload": f'/inform{{"choice": "{SKIP_NAME}"}}'}
    ]


async def _booked_without_name(sender: str) -> dict[str, Any]:
    """Slots after the first slot was tapped and booked; the first name is asked."""
    values, _ = await pick_slot(sender, (await offered(sender))["slots"][0]["code"])
    assert values["requested_slot"] == FormSlot.NAME
    return values


async def test_a_first_name_given_after_booking_is_saved_with_thanks(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    values = await _booked_without_name(sender)

    events, [thanks] = await run(
        ValidateBookingForm(), booking(sender, "moi c sarah", values, requested=FormSlot.NAME)
    )

    assert thanks["text"] == "Merci Sarah 🙂 C'est noté sur ton rendez-vous."
    assert slots_of(events)[FormSlot.NAME] == "Sarah"
    assert slots_of(events)["requested_slot"] is None
    [appointment] = await _appointments(sessions)
    assert appointment.first_name == "Sarah"
    _, closing = await run(
        ActionBookingConfirm(), message_tracker(sender, "moi c sarah", "inform", slots=values)
    )
    assert closing == []  # confirmed when booked: nothing more to say


@pytest.mark.parametrize("text", ["non", "passer", "pas envie", "merci", "laisse tomber"])
async def test_the_first_name_can_be_skipped(
    sender: str, sessions: async_sessionmaker[AsyncSession], text: str
) -> None:
    values = await _booked_without_name(sender)

    events, [message] = await run(
        ValidateBookingForm(), booking(sender, text, values, requested=FormSlot.NAME)
    )

    assert message["text"] == "Pas de souci 👍 Ton rendez-vous est bien réservé."
    assert slots_of(events)["requested_slot"] is None
    assert FormSlot.STOPPED not in slots_of(events)
    [appointment] = await _appointments(sessions)
    assert (appointment.status, appointment.first_name) == ("booked", None)


async def test_the_skip_button_or_two_unreadable_answers_end_the_question(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    values = await _booked_without_name(sender)

    events, [skipped] = await run(
        ValidateBookingForm(),
        booking(sender, "", values, requested=FormSlot.NAME, entities=choice(SKIP_NAME)),
    )
    assert skipped["text"].startswith("Pas de souci")
    assert slots_of(events)["requested_slot"] is None

    events, messages = await run(
        ValidateBookingForm(), booking(sender, "euh 42", values, requested=FormSlot.NAME)
    )
    assert messages == []
    assert slots_of(events) == {FormSlot.RETRY: "name", "requested_slot": FormSlot.NAME}
    again = {**values, FormSlot.RETRY: "name"}
    _, [question] = await run(ActionAskBookingName(), booking(sender, "", again, FormSlot.NAME))
    assert question["text"].startswith("Juste ton prénom")

    events, [message] = await run(
        ValidateBookingForm(),
        booking(sender, "euh jsais plus trop", again, requested=FormSlot.NAME),
    )
    assert slots_of(events)["requested_slot"] is None  # asked twice: let go
    assert message["text"].startswith("Pas de souci")
    [appointment] = await _appointments(sessions)
    assert (appointment.status, appointment.first_name) == ("booked", None)


async def test_another_question_instead_of_the_first_name_goes_on_normally(sender: str) -> None:
    values = await _booked_without_name(sender)

    rejected, _ = await run(
        ValidateBookingForm(),
        booking(sender, "c koi le cej", values, requested=FormSlot.NAME, intent="ask_cej"),
    )
    assert rejected == []  # a rule answers the question

    back = form_tracker(
        sender,
        "c koi le cej",
        dict(values),
        requested=FormSlot.NAME,
        intent="ask_cej",
        since_message=[{"event": "action", "name": "action_topic_answer"}],
        form=FORM,
    )
    events, messages = await run(ValidateBookingForm(), back)
    assert slots_of(events) == {"requested_slot": None}  # not asked again
    assert messages == []


async def test_where_instead_of_the_first_name_gets_the_place_of_the_appointment(
    sender: str,
) -> None:
    values = await _booked_without_name(sender)

    events, [place] = await run(
        ValidateBookingForm(),
        booking(
            sender, "c'est où le rdv ?", values, requested=FormSlot.NAME, intent="nlu_fallback"
        ),
    )

    assert slots_of(events)["requested_slot"] is None
    assert place["text"] == (
        "Ton rendez-vous est lundi 23 novembre à 14h45, "
        "à Antenne du centre, 12 rue de la République, 69001 Lyon 📍"
    )


async def test_an_unsure_question_instead_of_the_first_name_is_answered_after_the_form(
    sender: str,
) -> None:
    values = await _booked_without_name(sender)

    events, messages = await run(
        ValidateBookingForm(),
        booking(
            sender, "je dois ramener quoi ?", values, requested=FormSlot.NAME, intent="nlu_fallback"
        ),
    )
    ended = slots_of(events)
    _, answer = await run(
        ActionBookingConfirm(),
        message_tracker(sender, "je dois ramener quoi ?", "nlu_fallback", slots=values | ended),
    )

    assert (ended[FormSlot.STOPPED], ended["requested_slot"], messages) == ("question", None, [])
    assert answer  # the not-understood action's answer, as without a form
    assert "Pas de souci" not in answer[0]["text"]


async def test_a_slot_code_past_year_9999_is_asked_again(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "in_person"}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice("slot=t2.zzzzzzzzz"))
    )

    assert slots_of(events)[FormSlot.SLOT] is None
    assert slots_of(events)["requested_slot"] == FormSlot.SLOT


async def test_more_slots_another_way_or_a_message_that_is_not_a_pick(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "in_person", FormSlot.PAGE: 0}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "t'as pas d'autres creneaux", base)
    )
    more = slots_of(events)
    assert more[FormSlot.PAGE] == 1
    assert {e["code"] for e in more[FormSlot.OFFER]["slots"]}.isdisjoint(
        e["code"] for e in offer["slots"]
    )

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice("mode=phone"))
    )
    phone = slots_of(events)
    assert phone[FormSlot.MODE] == "phone"
    kinds = {SlotRef.parse(e["code"]).kind for e in phone[FormSlot.OFFER]["slots"]}  # type: ignore[union-attr]
    assert kinds == {AppointmentKind.PHONE}

    events, _ = await run(ValidateBookingForm(), booking(sender, "euh bof", base))
    assert slots_of(events)[FormSlot.RETRY] == "unreadable"
    assert slots_of(events)["requested_slot"] == FormSlot.SLOT


async def test_a_preference_in_words_filters_the_slots_and_is_said(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "in_person", FormSlot.PAGE: 0}

    events, _ = await run(ValidateBookingForm(), booking(sender, "plutot mardi aprem", base))
    tuesday = slots_of(events)
    starts = [datetime.fromisoformat(e["start"]) for e in tuesday[FormSlot.OFFER]["slots"]]
    _, [message] = await run(
        ActionAskBookingSlot(),
        booking(sender, "", {**base, FormSlot.OFFER: tuesday[FormSlot.OFFER]}),
    )

    assert tuesday[FormSlot.PREFER] == {
        "weekday": 1,
        "part": "afternoon",
        "earliest": None,
        "before": None,
    }
    assert starts
    assert all(s.strftime("%a") == "Tue" and s.hour >= 12 for s in starts)
    assert "Voici des créneaux le mardi après-midi" in message["text"]

    events, _ = await run(ValidateBookingForm(), booking(sender, "pas le matin jsuis au taf", base))
    afternoons = [
        datetime.fromisoformat(e["start"]) for e in slots_of(events)[FormSlot.OFFER]["slots"]
    ]
    assert afternoons
    assert all(s.hour >= 12 for s in afternoons)


async def test_a_preference_nothing_matches_is_said_and_the_next_slots_shown(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "in_person", FormSlot.PAGE: 0}

    events, _ = await run(ValidateBookingForm(), booking(sender, "plutot dimanche", base))
    sunday = slots_of(events)[FormSlot.OFFER]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, FormSlot.OFFER: sunday})
    )

    assert sunday["slots"]
    assert "Je n'ai rien le dimanche pour l'instant" in message["text"]


async def test_another_counsellor_is_acknowledged_honestly(sender: str) -> None:
    offer = await offered(sender, {FormSlot.MODE: "in_person"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "in_person", FormSlot.PAGE: 0}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "pas avec la meme conseillere stp", base)
    )
    retry = slots_of(events)[FormSlot.RETRY]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, FormSlot.RETRY: retry})
    )

    assert retry == "other_counsellor"
    assert "Je ne peux pas choisir la personne" in message["text"]


async def test_another_question_a_stop_or_distress_during_the_booking(sender: str) -> None:
    base = {FormSlot.OFFER: await offered(sender), FormSlot.MODE: "in_person"}

    rejected, _ = await run(
        ValidateBookingForm(), booking(sender, "c koi le cej", base, intent="ask_cej")
    )
    assert rejected == []  # a rule answers, then the form asks again

    events, _ = await run(ValidateBookingForm(), booking(sender, "laisse tomber", base))
    assert slots_of(events) == {FormSlot.STOPPED: "asked", "requested_slot": None}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "jai plus envie de vivre", base, intent="inform")
    )
    assert slots_of(events)[FormSlot.STOPPED] == "distress"


async def test_a_phone_appointment_is_booked_once_the_number_is_known(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender, {FormSlot.MODE: "phone"})
    phone_code = offer["slots"][0]["code"]
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "phone"}

    values, messages = await pick_slot(sender, phone_code, base)
    assert values["requested_slot"] == FormSlot.PHONE
    assert messages == []
    assert await _appointments(sessions) == []  # the counsellor must have a number to call
    chosen: dict[Any, Any] = {**base, **values}
    _, [question] = await run(ActionAskBookingPhone(), booking(sender, "", chosen, FormSlot.PHONE))
    assert question["text"].startswith("Pour le rendez-vous lundi 23 novembre à 14h30 : à quel num")
    assert "C'est noté" not in question["text"]

    events, messages = await run(
        ValidateBookingForm(), booking(sender, "06 12 34", chosen, requested=FormSlot.PHONE)
    )
    assert (slots_of(events)[FormSlot.RETRY], messages) == ("phone", [])
    events, [confirmation] = await run(
        ValidateBookingForm(),
        booking(sender, "mon num c 06 12 34 56 78", chosen, requested=FormSlot.PHONE),
    )

    assert slots_of(events)[FormSlot.PHONE] == "+33612345678"
    assert slots_of(events)["requested_slot"] == FormSlot.NAME  # then the first name, optional
    assert "C'est réservé ✅" in confirmation["text"]
    assert "Garde sous la main ta pièce d'identité" in confirmation["text"]
    [appointment] = await _appointments(sessions)
    assert (appointment.kind, appointment.phone, appointment.first_name) == (
        "phone",
        "+33612345678",
        None,
    )


async def test_a_known_first_name_is_not_asked_again(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender, {FormSlot.MODE: "phone"})
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "phone", FormSlot.NAME: "Sarah"}
    values, _ = await pick_slot(sender, offer["slots"][0]["code"], base)

    events, [confirmation] = await run(
        ValidateBookingForm(),
        booking(sender, "0612345678", {**base, **values}, requested=FormSlot.PHONE),
    )

    assert slots_of(events)["requested_slot"] is None
    assert "C'est réservé ✅" in confirmation["text"]
    [appointment] = await _appointments(sessions)
    assert appointment.first_name == "Sarah"


async def test_the_confirmation_says_when_where_what_to_bring_and_the_calendar_link(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender)
    code = offer["slots"][0]["code"]

    values, [message] = await pick_slot(
        sender, code, {FormSlot.OFFER: offer, FormSlot.NAME: "Sarah"}
    )

    [appointment] = await _appointments(sessions)
    assert appointment.first_name == "Sarah"
    assert appointment.starts_at == FIRST_SLOT
    assert values["requested_slot"] is None
    text = message["text"]
    assert "C'est réservé ✅" in text
    assert "lundi 23 novembre à 14h45" in text
    assert "Antenne du centre, 12 rue de la République, 69001 Lyon" in text
    assert "Avec Samia" in text
    assert "pièce d'identité" in text
    assert re.search(
        rf"http://127\.0\.0\.1:8080/rdv/{re.escape(appointment.calendar_key)}\.ics", text
    )
    assert "Je t'enverrai un rappel 2 h avant 🔔" in text  # 24 h before is already past
    assert [b["title"] for b in message["buttons"]] == ["Décaler", "Annuler"]
    events, closing = await run(
        ActionBookingConfirm(), message_tracker(sender, "", "inform", slots=values)
    )
    assert closing == []
    assert all(e["value"] is None for e in events if e["event"] == "slot")


async def test_a_slot_taken_since_it_was_shown_is_told_kindly_with_new_slots(
    sender: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    offer = await offered(sender)
    code = offer["slots"][0]["code"]
    async with sessions() as session, session.begin():  # someone else was quicker
        other = await make_identity(session, clock.now())
        counsellor_id = SlotRef.parse(code).place_id  # type: ignore[union-attr]
        counsellor = await session.get_one(Counsellor, counsellor_id)
        await make_appointment(session, other, counsellor, FIRST_SLOT, clock.now())

    values, messages = await pick_slot(sender, code, {FormSlot.OFFER: offer})

    assert messages == []
    assert values[FormSlot.RETRY] == "gone"
    assert values["requested_slot"] == FormSlot.SLOT
    assert code not in [e["code"] for e in values[FormSlot.OFFER]["slots"]]
    tracker = booking(sender, "", {FormSlot.OFFER: values[FormSlot.OFFER], FormSlot.RETRY: "gone"})
    _, [question] = await run(ActionAskBookingSlot(), tracker)
    assert question["text"].startswith("Ce créneau n'est plus libre, désolé 😕")


async def test_who_loses_the_race_while_giving_a_number_is_told_kindly_and_gets_new_slots(
    sender: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    offer = await offered(sender, {FormSlot.MODE: "phone"})
    code = offer["slots"][0]["code"]
    base = {FormSlot.OFFER: offer, FormSlot.MODE: "phone"}
    values, _ = await pick_slot(sender, code, base)
    ref = SlotRef.parse(code)
    assert ref is not None
    async with sessions() as session, session.begin():  # booked while the number was typed
        other = await make_identity(session, clock.now())
        counsellor = await session.get_one(Counsellor, ref.place_id)
        await make_appointment(
            session, other, counsellor, ref.starts_at, clock.now(), kind="phone", minutes=30
        )

    events, messages = await run(
        ValidateBookingForm(),
        booking(sender, "06 12 34 56 78", {**base, **values}, requested=FormSlot.PHONE),
    )

    assert messages == []
    again = slots_of(events)
    assert (again[FormSlot.SLOT], again[FormSlot.RETRY]) == (None, "taken")
    assert again[FormSlot.PHONE] == "+33612345678"  # kept: not asked again
    assert again["requested_slot"] == FormSlot.SLOT
    assert code not in [e["code"] for e in again[FormSlot.OFFER]["slots"]]
    tracker = booking(sender, "", {FormSlot.OFFER: again[FormSlot.OFFER], FormSlot.RETRY: "taken"})
    _, [question] = await run(ActionAskBookingSlot(), tracker)
    assert question["text"].startswith("Oups, quelqu'un vient de réserver ce créneau")
    assert [a.status for a in await _appointments(sessions)] == ["booked"]  # the other one


async def _book_first(sender: str) -> str:
    offer = await offered(sender)
    await pick_slot(
        sender, offer["slots"][0]["code"], {FormSlot.OFFER: offer, FormSlot.NAME: "Sarah"}
    )
    return str(offer["slots"][0]["code"])


async def test_someone_with_an_appointment_is_asked_before_booking_another(
    sender: str,
) -> None:
    await _book_first(sender)

    events, [message] = await run(
        ActionBookingStart(), message_tracker(sender, "un rdv", "book_appointment")
    )

    assert slots_of(events)[FormSlot.STOPPED] == "has_appointment"
    assert "Tu as déjà un rendez-vous lundi 23 novembre à 14h45" in message["text"]
    assert [b["title"] for b in message["buttons"]] == [
        "Je le garde",
        "Décaler",
        "Annuler",
        "En prendre un autre",
    ]
    events, _ = await run(
        ActionBookingStart(),
        message_tracker(sender, "", "book_appointment", entities=choice("rdv=new")),
    )
    assert slots_of(events)[FormSlot.STOPPED] is None
    assert slots_of(events)[FormSlot.NAME] == "Sarah"  # not asked twice


async def test_rescheduling_moves_the_appointment_when_the_new_slot_is_picked(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _book_first(sender)
    events, [message] = await run(
        ActionBookingStart(), message_tracker(sender, "on peut decaler ?", "reschedule_appointment")
    )
    started = slots_of(events)
    assert message["text"].startswith("On décale ton rendez-vous du lundi 23 novembre à 14h45")
    assert started[FormSlot.NAME] == "Sarah"
    offer = await offered(sender, started)
    assert [a.status for a in await _appointments(sessions)] == ["booked"]  # kept until then

    new_code = offer["slots"][-1]["code"]
    values, [confirmation] = await pick_slot(sender, new_code, {**started, FormSlot.OFFER: offer})

    assert confirmation["text"].startswith(
        "C'est décalé ✅ Ton rendez-vous du lundi 23 novembre à 14h45 est annulé"
    )
    assert values["requested_slot"] is None  # the first name is known
    rows = await _appointments(sessions)
    assert [r.status for r in rows] == ["rescheduled", "booked"]
    assert rows[1].replaces_id == rows[0].id
    assert rows[1].first_name == "Sarah"


async def test_moving_an_appointment_without_a_first_name_asks_it_after_the_move(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _booked_without_name(sender)
    events, _ = await run(
        ActionBookingStart(),
        message_tracker(sender, "decale mon rdv de lundi a jeudi", "reschedule_appointment"),
    )
    started = slots_of(events)
    assert started[FormSlot.NAME] is None
    # « de lundi » is the appointment being moved; « jeudi » is the wish.
    assert started[FormSlot.PREFER]["weekday"] == 3

    offer = await offered(sender, started)
    values, [confirmation] = await pick_slot(
        sender, offer["slots"][0]["code"], {**started, FormSlot.OFFER: offer}
    )

    assert confirmation["text"].startswith("C'est décalé ✅")
    assert "jeudi 26 novembre" in confirmation["text"]
    assert values["requested_slot"] == FormSlot.NAME
    assert [r.status for r in await _appointments(sessions)] == ["rescheduled", "booked"]


async def test_moving_or_cancelling_without_an_appointment_says_so(sender: str) -> None:
    events, [moving] = await run(
        ActionBookingStart(), message_tracker(sender, "decaler mon rdv", "reschedule_appointment")
    )
    assert slots_of(events)[FormSlot.STOPPED] == "no_appointment"
    _, [cancelling] = await run(
        ActionAppointmentCancel(), message_tracker(sender, "annule mon rdv", "cancel_appointment")
    )
    for message in (moving, cancelling):
        assert message["text"].startswith("Je ne vois pas de rendez-vous prévu ici")
        assert "par téléphone" in message["text"]  # one made by phone: the chat cannot see it
        assert message["buttons"] == [
            {"title": "Prendre rendez-vous", "payload": "/book_appointment"}
        ]


async def test_cancelling_asks_first_then_frees_the_slot(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _book_first(sender)
    _, [question] = await run(
        ActionAppointmentCancel(), message_tracker(sender, "jpeux pas venir", "cancel_appointment")
    )
    async with sessions() as session:
        appointment = await session.scalar(select(Appointment))
    assert appointment is not None
    assert question["text"].startswith("Tu veux annuler ton rendez-vous lundi 23 novembre à 14h45")
    yes = question["buttons"][0]["payload"]
    assert yes == f'/cancel_appointment{{"confirm": "oui", "choice": "rdv={appointment.id}"}}'

    confirm = [{"entity": "confirm", "value": "oui"}, *choice(f"rdv={appointment.id}")]
    # Typed words are never the confirmation, whatever entities were read from them.
    _, [asked_again] = await run(
        ActionAppointmentCancel(),
        message_tracker(sender, "oui annule", "cancel_appointment", entities=confirm),
    )
    assert asked_again["text"].startswith("Tu veux annuler ton rendez-vous")
    async with sessions() as session:
        assert (await session.get_one(Appointment, appointment.id)).status == "booked"
    _, [done] = await run(
        ActionAppointmentCancel(),
        message_tracker(sender, yes, "cancel_appointment", entities=confirm),
    )

    assert done["text"].startswith("C'est annulé")
    async with sessions() as session:
        assert (await session.get_one(Appointment, appointment.id)).status == "cancelled"
        assert await session.scalar(select(AppointmentUnit)) is None
    _, [again] = await run(
        ActionAppointmentCancel(),
        message_tracker(sender, yes, "cancel_appointment", entities=confirm),
    )
    assert again["text"].startswith("Ce rendez-vous n'est plus prévu")


async def test_nobody_can_cancel_someone_elses_appointment(
    sender: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await _book_first(sender)
    async with sessions() as session:
        appointment = await session.scalar(select(Appointment))
    assert appointment is not None
    stranger = await sender_of_new_conversation(sessions, clock, user="u2")
    confirm = [{"entity": "confirm", "value": "oui"}, *choice(f"rdv={appointment.id}")]

    _, [refused] = await run(
        ActionAppointmentCancel(),
        message_tracker(stranger, "", "cancel_appointment", entities=confirm),
    )

    assert refused["text"].startswith("Ce rendez-vous n'est plus prévu")
    async with sessions() as session:
        assert (await session.get_one(Appointment, appointment.id)).status == "booked"


async def test_je_serai_la_is_thanked_with_the_time_and_place(sender: str) -> None:
    await _book_first(sender)

    _, [message] = await run(
        ActionAppointmentAttending(), message_tracker(sender, "jy serai", "confirm_appointment")
    )

    assert message["text"] == (
        "Super, merci 🙌 On t'attend lundi 23 novembre à 14h45, "
        "à Antenne du centre, 12 rue de la République, 69001 Lyon."
    )


def test_the_intent_lists_match_the_booking_rules() -> None:
    rules = yaml.safe_load((PROJECT_DIR / "nlu" / "rules.yml").read_text())["rules"]
    in_form = [r for r in rules if {"active_loop": FORM} in (r.get("condition") or [])]
    intents = {step["intent"] for r in in_form for step in r["steps"] if "intent" in step}
    resuming = {
        step["intent"]
        for r in in_form
        for step in r["steps"]
        if "intent" in step and {"action": FORM} in r["steps"]
    }
    assert resuming == RESUMING_INTENTS
    assert intents - resuming == LEAVING_INTENTS


async def test_store_helpers_know_the_contact(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions() as session:
        booker = await store.booker_of_sender(session, sender)
        identity = await session.scalar(select(ChannelIdentity))
        assert await store.booker_of_sender(session, "unknown") is None
    assert identity is not None
    assert booker == store.Booker(identity.contact_id, identity.id)


async def test_the_nearest_place_comes_first_when_the_questionnaire_gave_a_town(
    sender: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    friday_8 = datetime(2026, 11, 27, 8, 0, tzinfo=PARIS).astimezone(UTC)
    async with sessions() as session, session.begin():
        counsellor = await session.scalar(select(Counsellor))
        assert counsellor is not None
        await make_permanence(
            session, counsellor, friday_8, friday_8 + timedelta(hours=2), clock.now()
        )
    before = await offered(sender)
    assert "permanence" not in before["slots"][0]["line"]  # Monday on site comes first in time

    async with sessions() as session, session.begin():
        booker = await store.booker_of_sender(session, sender)
        assert booker is not None
        session.add(
            EligibilityProfile(contact_id=booker.contact_id, town="69008", updated_at=clock.now())
        )
    after = await offered(sender)

    assert after["slots"][0]["line"] == (
        "vendredi 27 novembre à 8h — permanence Résidence Les Tilleuls (salle commune)"
    )
    first_two = [SlotRef.parse(e["code"]).kind for e in after["slots"][:2]]  # type: ignore[union-attr]
    assert first_two == [AppointmentKind.PERMANENCE] * 2


@pytest.mark.parametrize(
    ("leads", "sentence"),
    [
        ([1440, 120], "Je t'enverrai un rappel la veille et 2 h avant 🔔"),
        ([2880, 90], "Je t'enverrai un rappel 2 jours avant et 90 min avant 🔔"),
        ([120], "Je t'enverrai un rappel 2 h avant 🔔"),
    ],
)
def test_the_confirmation_says_which_reminders_will_come(leads: list[int], sentence: str) -> None:
    assert reminders_sentence(leads) == sentence


def _after_the_cancel_question(
    sender: str, text: str, slots: dict[str, Any], intent: str = "affirm"
) -> Tracker:
    """A typed answer right after action_appointment_cancel asked its question."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": []}
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": slots,
            "latest_message": {**latest, "metadata": {}},
            "events": [
                {"event": "action", "name": "action_appointment_cancel"},
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": latest},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def test_a_plain_yes_typed_to_the_cancel_question_cancels_that_appointment(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _book_first(sender)
    asked_events, _ = await run(
        ActionAppointmentCancel(), message_tracker(sender, "annule le stp", "cancel_appointment")
    )
    asked = slots_of(asked_events)["cancel_asked"]

    _, [unsure] = await run(
        ActionAppointmentCancel(),
        _after_the_cancel_question(sender, "oui mais jsp", {"cancel_asked": asked}),
    )
    async with sessions() as session:
        assert (await session.get_one(Appointment, asked)).status == "booked"  # not a plain yes
    events, [done] = await run(
        ActionAppointmentCancel(),
        _after_the_cancel_question(sender, "oui", {"cancel_asked": asked}),
    )

    assert unsure["text"].startswith("Tu veux annuler ton rendez-vous")
    assert done["text"].startswith("C'est annulé")
    assert slots_of(events)["cancel_asked"] is None
    async with sessions() as session:
        assert (await session.get_one(Appointment, asked)).status == "cancelled"


async def test_a_typed_je_confirme_read_as_confirm_appointment_cancels_too(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # « oui je confirme » reads as confirm_appointment, whose rule runs the attending action
    # (dev conversations d_two, #8); the « Non, je le garde » button still keeps it.
    await _book_first(sender)
    asked_events, _ = await run(
        ActionAppointmentCancel(), message_tracker(sender, "annule le stp", "cancel_appointment")
    )
    asked = slots_of(asked_events)["cancel_asked"]

    _, [done] = await run(
        ActionAppointmentAttending(),
        _after_the_cancel_question(
            sender, "oui je confirme", {"cancel_asked": asked}, intent="confirm_appointment"
        ),
    )

    assert done["text"].startswith("C'est annulé")
    async with sessions() as session:
        assert (await session.get_one(Appointment, asked)).status == "cancelled"


async def test_a_yes_to_booking_after_no_appointment_offers_the_way_to_book(sender: str) -> None:
    _, [reply] = await run(
        ActionAppointmentCancel(), _after_the_cancel_question(sender, "oui", {"cancel_asked": None})
    )

    assert reply["buttons"] == [{"title": "Prendre rendez-vous", "payload": "/book_appointment"}]


async def test_an_appointment_made_by_phone_is_said_invisible_with_who_can_tell(
    sender: str,
) -> None:
    events, [reply] = await run(
        ActionBookingStart(),
        message_tracker(
            sender,
            "jai pris rdv par telephone pour jeudi tu peux me redire l heure ?",
            "book_appointment",
        ),
    )

    assert "je ne le vois pas" in reply["text"]
    assert "appelle la Mission Locale au" in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["/request_human"]
    assert slots_of(events)[FormSlot.STOPPED] == "booked_elsewhere"


async def test_booking_from_another_area_first_points_to_their_own_mission_locale(
    sender: str,
) -> None:
    _, messages = await run(
        ActionBookingStart(),
        message_tracker(
            sender,
            "jveux un rdv",
            "book_appointment",
            slots={"town": {"name": "Brest", "department": "29"}},
        ),
    )

    assert "1jeune1solution" in messages[0]["text"]

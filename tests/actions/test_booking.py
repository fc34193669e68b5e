"""Booking, moving, cancelling and confirming appointments through the custom actions, with
trackers built by Tracker.from_dict, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.appointments import ActionAppointmentAttending, ActionAppointmentCancel
from actions.booking import (
    FORM,
    LEAVING_INTENTS,
    ActionAskBookingSlot,
    ActionBookingConfirm,
    ActionBookingStart,
    Field,
    ValidateBookingForm,
    reminders_sentence,
)
from bot.booking.slots import Kind, SlotRef
from bot.core.action_services import ActionServices
from bot.eligibility.reading import RESUMING_INTENTS
from bot.storage import appointments as store
from bot.storage.models import (
    Appointment,
    AppointmentUnit,
    ChannelIdentity,
    Counsellor,
    EligibilityProfile,
)
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.trackers import Events, choice, form_tracker, message_tracker, slots_of
from tests.booking.factories import (
    make_appointment,
    make_counsellor,
    make_identity,
    make_permanence,
    make_site,
)
from tests.conftest import FixedClock
from tests.paths import PROJECT_DIR

PARIS = ZoneInfo("Europe/Paris")
# The clock fixture: Monday 23 November 2026, 10:30 in Paris. With 4 hours' notice, the first
# on-site slot is 14:45 (45-minute slots from 14:00).
FIRST_SLOT = datetime(2026, 11, 23, 14, 45, tzinfo=PARIS).astimezone(UTC)
Messages = list[dict[str, Any]]


@pytest.fixture
async def sender(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, context: ActionServices
) -> str:
    async with sessions() as session, session.begin():
        site = await make_site(session, clock.now())
        await make_counsellor(session, site, clock.now())
    return await sender_of_new_conversation(sessions, clock)


async def run(action: Any, tracker: Tracker) -> tuple[Events, Messages]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def booking(
    sender: str, text: str, slots: dict[Any, Any], requested: str = Field.SLOT, **kwargs: Any
) -> Tracker:
    return form_tracker(sender, text, dict(slots), requested=requested, form=FORM, **kwargs)


async def offered(sender: str, slots: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The slots validate_booking_form offers when the form starts."""
    tracker = form_tracker(sender, "je veux un rdv", dict(slots or {}), requested=None, form=FORM)
    tracker.active_loop = {}  # starting: not reading an answer
    events, _ = await run(ValidateBookingForm(), tracker)
    values = slots_of(events)
    assert values["requested_slot"] == Field.SLOT
    return dict(values[Field.OFFER])


async def test_the_form_offers_four_slots_in_local_time_spread_over_days(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})

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
    offer = await offered(sender, {Field.MODE: "in_person"})
    tracker = booking(sender, "", {Field.OFFER: offer, Field.MODE: "in_person"})

    _, [message] = await run(ActionAskBookingSlot(), tracker)

    assert "1. lundi 23 novembre à 14h45 — Antenne du centre" in message["text"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles == [
        "1 · lun. 23/11 14h45",
        "2 · lun. 23/11 15h30",
        "3 · mar. 24/11 9h",
        "4 · mar. 24/11 9h45",
        "Autres créneaux ➡️",
        "📞 Par téléphone",
        "💻 En visio",
    ]
    assert all(len(t) <= 20 for t in titles)  # Instagram's limit for quick replies
    code = offer["slots"][0]["code"]
    assert message["buttons"][0]["payload"] == f'/inform{{"choice": "slot={code}"}}'


async def test_picking_by_button_or_by_typing_then_a_first_name(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    codes = [e["code"] for e in offer["slots"]]
    base = {Field.OFFER: offer, Field.MODE: "in_person"}

    for text, entities, expected in (
        ("", choice(f"slot={codes[2]}"), codes[2]),
        ("le 2eme", None, codes[1]),
        ("mardi 9h45", None, codes[3]),
        ("lundi 15h30 stp", None, codes[1]),
    ):
        events, _ = await run(ValidateBookingForm(), booking(sender, text, base, entities=entities))
        assert slots_of(events)[Field.SLOT] == expected, text
        assert slots_of(events)["requested_slot"] == Field.NAME

    chosen = {**base, Field.SLOT: codes[0]}
    events, _ = await run(
        ValidateBookingForm(), booking(sender, "moi c sarah", chosen, requested=Field.NAME)
    )
    assert slots_of(events)[Field.NAME] == "Sarah"
    assert slots_of(events)["requested_slot"] is None  # on site: no phone number asked


async def test_a_slot_code_past_year_9999_is_asked_again(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    base = {Field.OFFER: offer, Field.MODE: "in_person"}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice("slot=t2.zzzzzzzzz"))
    )

    assert slots_of(events)[Field.SLOT] is None
    assert slots_of(events)["requested_slot"] == Field.SLOT


async def test_more_slots_another_way_or_a_message_that_is_not_a_pick(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    base = {Field.OFFER: offer, Field.MODE: "in_person", Field.PAGE: 0}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "t'as pas d'autres creneaux", base)
    )
    more = slots_of(events)
    assert more[Field.PAGE] == 1
    assert {e["code"] for e in more[Field.OFFER]["slots"]}.isdisjoint(
        e["code"] for e in offer["slots"]
    )

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice("mode=phone"))
    )
    phone = slots_of(events)
    assert phone[Field.MODE] == "phone"
    assert {SlotRef.parse(e["code"]).kind for e in phone[Field.OFFER]["slots"]} == {Kind.PHONE}  # type: ignore[union-attr]

    events, _ = await run(ValidateBookingForm(), booking(sender, "euh bof", base))
    assert slots_of(events)[Field.RETRY] == "unreadable"
    assert slots_of(events)["requested_slot"] == Field.SLOT


async def test_a_preference_in_words_filters_the_slots_and_is_said(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    base = {Field.OFFER: offer, Field.MODE: "in_person", Field.PAGE: 0}

    events, _ = await run(ValidateBookingForm(), booking(sender, "plutot mardi aprem", base))
    tuesday = slots_of(events)
    starts = [datetime.fromisoformat(e["start"]) for e in tuesday[Field.OFFER]["slots"]]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, Field.OFFER: tuesday[Field.OFFER]})
    )

    assert tuesday[Field.PREFER] == {"weekday": 1, "part": "afternoon"}
    assert starts
    assert all(s.strftime("%a") == "Tue" and s.hour >= 12 for s in starts)
    assert "Voici des créneaux le mardi après-midi" in message["text"]

    events, _ = await run(ValidateBookingForm(), booking(sender, "pas le matin jsuis au taf", base))
    afternoons = [
        datetime.fromisoformat(e["start"]) for e in slots_of(events)[Field.OFFER]["slots"]
    ]
    assert afternoons
    assert all(s.hour >= 12 for s in afternoons)


async def test_a_preference_nothing_matches_is_said_and_the_next_slots_shown(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    base = {Field.OFFER: offer, Field.MODE: "in_person", Field.PAGE: 0}

    events, _ = await run(ValidateBookingForm(), booking(sender, "plutot dimanche", base))
    sunday = slots_of(events)[Field.OFFER]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, Field.OFFER: sunday})
    )

    assert sunday["slots"]
    assert "Je n'ai rien le dimanche pour l'instant" in message["text"]


async def test_another_counsellor_is_acknowledged_honestly(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "in_person"})
    base = {Field.OFFER: offer, Field.MODE: "in_person", Field.PAGE: 0}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "pas avec la meme conseillere stp", base)
    )
    retry = slots_of(events)[Field.RETRY]
    _, [message] = await run(
        ActionAskBookingSlot(), booking(sender, "", {**base, Field.RETRY: retry})
    )

    assert retry == "other_counsellor"
    assert "Je ne peux pas choisir la personne" in message["text"]


async def test_another_question_a_stop_or_distress_during_the_booking(sender: str) -> None:
    base = {Field.OFFER: await offered(sender), Field.MODE: "in_person"}

    rejected, _ = await run(
        ValidateBookingForm(), booking(sender, "c koi le cej", base, intent="ask_cej")
    )
    assert rejected == []  # a rule answers, then the form asks again

    events, _ = await run(ValidateBookingForm(), booking(sender, "laisse tomber", base))
    assert slots_of(events) == {Field.STOPPED: "asked", "requested_slot": None}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "jai plus envie de vivre", base, intent="inform")
    )
    assert slots_of(events)[Field.STOPPED] == "distress"


async def test_a_phone_appointment_asks_for_a_valid_number(sender: str) -> None:
    offer = await offered(sender, {Field.MODE: "phone"})
    phone_code = offer["slots"][0]["code"]
    base = {Field.OFFER: offer, Field.MODE: "phone", Field.NAME: "Sarah"}

    events, _ = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice(f"slot={phone_code}"))
    )
    assert slots_of(events)["requested_slot"] == Field.PHONE  # the name is already known

    chosen = {**base, Field.SLOT: phone_code}
    events, _ = await run(
        ValidateBookingForm(), booking(sender, "06 12 34", chosen, requested=Field.PHONE)
    )
    assert slots_of(events)[Field.RETRY] == "phone"
    events, _ = await run(
        ValidateBookingForm(),
        booking(sender, "mon num c 06 12 34 56 78", chosen, requested=Field.PHONE),
    )
    assert slots_of(events)[Field.PHONE] == "+33612345678"
    assert slots_of(events)["requested_slot"] is None


async def _confirm(sender: str, slots: dict[Any, Any]) -> tuple[Events, Messages]:
    return await run(
        ActionBookingConfirm(), message_tracker(sender, "Sarah", "inform", slots=slots)
    )


async def test_confirmation_books_and_says_when_where_what_to_bring_and_the_calendar_link(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    offer = await offered(sender)
    code = offer["slots"][0]["code"]

    events, [message] = await _confirm(
        sender, {Field.OFFER: offer, Field.SLOT: code, Field.NAME: "Sarah"}
    )

    async with sessions() as session:
        [appointment] = (await session.scalars(select(Appointment))).all()
    assert appointment.first_name == "Sarah"
    assert appointment.starts_at == FIRST_SLOT
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
    assert all(e["value"] is None for e in events if e["event"] == "slot")


async def test_who_loses_the_race_is_told_kindly_and_gets_new_slots(
    sender: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    offer = await offered(sender)
    code = offer["slots"][0]["code"]
    async with sessions() as session, session.begin():  # someone else was quicker
        other = await make_identity(session, clock.now())
        counsellor_id = SlotRef.parse(code).place_id  # type: ignore[union-attr]
        counsellor = await session.get_one(Counsellor, counsellor_id)
        await make_appointment(session, other, counsellor, FIRST_SLOT, clock.now())

    events, messages = await _confirm(
        sender, {Field.OFFER: offer, Field.SLOT: code, Field.NAME: "Sarah"}
    )

    assert messages == []
    assert [e["name"] for e in events if e["event"] == "followup"] == [FORM]
    assert slots_of(events)[Field.RETRY] == "taken"
    assert slots_of(events)[Field.SLOT] is None
    again = await offered(sender)
    assert code not in [e["code"] for e in again["slots"]]
    tracker = booking(sender, "", {Field.OFFER: again, Field.RETRY: "taken"})
    _, [question] = await run(ActionAskBookingSlot(), tracker)
    assert question["text"].startswith("Oups, quelqu'un vient de réserver ce créneau")


async def _book_first(sender: str) -> str:
    offer = await offered(sender)
    await _confirm(
        sender, {Field.OFFER: offer, Field.SLOT: offer["slots"][0]["code"], Field.NAME: "Sarah"}
    )
    return str(offer["slots"][0]["code"])


async def test_someone_with_an_appointment_is_asked_before_booking_another(
    sender: str,
) -> None:
    await _book_first(sender)

    events, [message] = await run(
        ActionBookingStart(), message_tracker(sender, "un rdv", "book_appointment")
    )

    assert slots_of(events)[Field.STOPPED] == "has_appointment"
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
    assert slots_of(events)[Field.STOPPED] is None
    assert slots_of(events)[Field.NAME] == "Sarah"  # not asked twice


async def test_rescheduling_moves_the_appointment_in_one_go(
    sender: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _book_first(sender)
    events, [message] = await run(
        ActionBookingStart(), message_tracker(sender, "on peut decaler ?", "reschedule_appointment")
    )
    started = slots_of(events)
    assert message["text"].startswith("On décale ton rendez-vous du lundi 23 novembre à 14h45")
    assert started[Field.NAME] == "Sarah"
    offer = await offered(sender, started)

    new_code = offer["slots"][-1]["code"]
    _, [confirmation] = await _confirm(
        sender, {**started, Field.OFFER: offer, Field.SLOT: new_code}
    )

    assert confirmation["text"].startswith(
        "C'est décalé ✅ Ton rendez-vous du lundi 23 novembre à 14h45 est annulé"
    )
    async with sessions() as session:
        rows = (await session.scalars(select(Appointment).order_by(Appointment.id))).all()
    assert [r.status for r in rows] == ["rescheduled", "booked"]
    assert rows[1].replaces_id == rows[0].id


async def test_moving_or_cancelling_without_an_appointment_says_so(sender: str) -> None:
    events, [moving] = await run(
        ActionBookingStart(), message_tracker(sender, "decaler mon rdv", "reschedule_appointment")
    )
    assert slots_of(events)[Field.STOPPED] == "no_appointment"
    _, [cancelling] = await run(
        ActionAppointmentCancel(), message_tracker(sender, "annule mon rdv", "cancel_appointment")
    )
    for message in (moving, cancelling):
        assert message["text"].startswith("Tu n'as pas de rendez-vous prévu")
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
    assert [SlotRef.parse(e["code"]).kind for e in after["slots"][:2]] == [Kind.PERMANENCE] * 2  # type: ignore[union-attr]


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

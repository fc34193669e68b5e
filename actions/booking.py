"""Booking an appointment in the chat: offer free slots (following a wish said in words), read
the pick, book it at once (the database settles races) and confirm with time, place and a
calendar link, then ask the first name as an optional question.

Rasa's form `booking_form` asks for a slot, then a phone number (phone appointments only: the
counsellor must call), then a first name when it is not known yet. `validate_booking_form`
reads every message itself, books as soon as the slot (and the number) is known and names the
next question; the first name is written on the appointment when it comes, and « non »,
« passer » or a second unreadable answer leave it without one. `action_booking_confirm` runs
once the form is done and says why it ended when nothing was booked. Moving an appointment is
the same form, started by `reschedule_appointment`: the old one is released in the transaction
that books the new one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession

from actions.appointments import (
    appointment_buttons,
    button,
    choose,
    describe,
    rdv_button,
    say_booked_elsewhere,
    upcoming_of_sender,
)
from actions.booking_messages import confirmation, preference_label
from actions.distress import ActionDistress
from actions.fallback import ActionNotUnderstood
from actions.forms import (
    REQUESTED_SLOT,
    choice_of,
    is_reading_an_answer,
    latest_intent,
    latest_text,
)
from actions.mission_locale import say_site_info
from actions.topics import answer_topic, outside_the_area, topic_question
from actions.under_16 import UNDER_16, refuse_booking, said_under_16_before
from bot.booking import agenda
from bot.booking.offers import Mode, offer, place_key
from bot.booking.preferences import Preference, preference_in, says_any_day
from bot.booking.reading import (
    Offered,
    asks_where,
    booked_elsewhere,
    is_question,
    mode_in,
    parse_first_name,
    parse_phone,
    pick,
    skips_name,
    wants_more,
    wants_other_counsellor,
)
from bot.booking.slots import SlotRef
from bot.booking.wording import button_label, day_and_time, local, timezone_of
from bot.content.texts import reply_text
from bot.core.action_services import ActionServices, services
from bot.core.distress import classify as classify_distress
from bot.core.topics import load_topic_content, read_point, read_topic
from bot.core.vocabulary import AppointmentKind
from bot.eligibility.free_text import wants_to_stop
from bot.eligibility.reading import RESUMING_INTENTS, SURE
from bot.eligibility.situation import parse_town
from bot.errors import SlotGone, SlotTaken
from bot.rasa.payloads import appointment_choice, payload
from bot.storage import appointments as store
from bot.storage.eligibility import profile_of
from bot.storage.models import Appointment

FORM = "booking_form"
SKIP_NAME = "name=skip"  # the « Passer » button under the first-name question


class FormSlot(StrEnum):
    """The booking form's Rasa slots (a time to book is a `Slot` of bot/booking/slots.py)."""

    MODE = "booking_mode"
    PAGE = "booking_page"
    OFFER = "booking_offer"
    SLOT = "booking_slot"
    NAME = "booking_name"
    PHONE = "booking_phone"
    RESCHEDULES = "booking_reschedules"
    RETRY = "booking_retry"
    STOPPED = "booking_stopped"
    PREFER = "booking_prefer"
    BOOKED = "booking_booked"


# Questions about something else are answered before the booking goes on, as in the
# questionnaire (RESUMING_INTENTS); the requests below end it. nlu/rules.yml has a rule for each;
# a test checks both lists agree.
LEAVING_INTENTS = frozenset({
    "request_human", "cancel_appointment", "confirm_appointment", "delete_my_data",
    "unsubscribe", "goodbye", "check_eligibility",
})  # fmt: skip
DISTRESS = "distress"
# Why the slot question is asked again, each with its line in replies.toml (retry_<reason>).
_RETRY_LINES = frozenset({"unreadable", "gone", "taken", "no_more", "other_counsellor"})


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(field, None) for field in FormSlot]


def _values(tracker: Tracker) -> dict[FormSlot, Any]:
    return {field: tracker.get_slot(field) for field in FormSlot}


def _mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        return Mode.IN_PERSON


def mode_of(kind: str) -> Mode:
    return {"phone": Mode.PHONE, "video": Mode.VIDEO}.get(kind, Mode.IN_PERSON)


def wish_in(text: str, moving_weekday: int | None = None) -> dict[str, Any] | None:
    """The wish of the message that starts a booking (« je veux un rdv jeudi », « pas avant
    10h »), as stored in `booking_prefer`. When moving an appointment, its own weekday is the
    one being left (« décaler mon rdv de mardi »), not a wish."""
    wish = None if text.startswith("/") else preference_in(text, moving_weekday)
    return wish.as_slot() if wish is not None else None


async def town_of(session: AsyncSession, tracker: Tracker) -> tuple[str | None, str | None]:
    """The young person's postcode and town, as answered in the questionnaire. (The NLU's
    `location` entity is not used: it tags lone first names as places.)"""
    profile = await profile_of(session, tracker.sender_id)
    said = profile.town if profile is not None else None
    town = parse_town(said) if said else None
    return (town.postcode, town.name) if town is not None else (None, None)


async def make_offer(
    session: AsyncSession,
    context: ActionServices,
    tracker: Tracker,
    mode: Mode,
    page: int,
    preference: Preference | None = None,
) -> dict[str, Any] | None:
    """The slots to show, as stored in `booking_offer`; None when there is none at all."""
    now = context.clock.now()
    start, end = now + context.booking.min_notice, now + context.booking.horizon
    slots = await agenda.free_slots_between(session, mode.kinds, start, end)
    matched: bool | str | None = None
    if preference is not None:
        liked = [s for s in slots if preference.accepts(local(s.starts_at, s.timezone))]
        matched = bool(liked)
        if not liked and preference.weekday is not None and preference.says_time_of_day:
            # Nothing « jeudi matin »: that day at other hours before any other day.
            same_day = Preference(weekday=preference.weekday)
            liked = [s for s in slots if same_day.accepts(local(s.starts_at, s.timezone))]
            matched = "day" if liked else False
        slots = liked or slots  # nothing then: the next ones, and the young person is told
    places = await agenda.places(session)
    postcode, town = await town_of(session, tracker)
    shown = offer(slots, page, places=places, postcode=postcode, town=town)
    if not shown.slots:
        return None
    entries = []
    for slot in shown.slots:
        key = place_key(slot)
        where = places.get(key) if key is not None else None
        line = day_and_time(slot.starts_at, slot.timezone)
        if where is not None:
            name = where.name
            if slot.kind is AppointmentKind.PERMANENCE:
                name = reply_text("booking", "place_permanence_short", place_name=where.name)
            line = reply_text("booking", "line_at", when=line, place_name=name)
        entries.append(
            {
                "code": slot.code,
                # The day first, as a young person reads it (« mar. 8/12 13h30 »); the numbered
                # lines of the text still let them type « le 2e ».
                "title": button_label(slot.starts_at, slot.timezone),
                "line": line,
                "start": local(slot.starts_at, slot.timezone).isoformat(),
            }
        )
    return {
        "mode": mode.value,
        "page": page,
        "more": shown.more,
        "slots": entries,
        "preference": None if preference is None else preference_label(preference),
        "matched": matched,
    }


def _wish_update(text: str, values: dict[FormSlot, Any]) -> dict[FormSlot, Any] | None:
    """The wish of a message during the booking, added to the one already said (« mardi » then
    « après 15h »: Tuesday after 15h); None when the message says none."""
    wish, any_day = preference_in(text), says_any_day(text)
    if wish is None and not any_day:
        return None
    before = Preference.from_slot(values.get(FormSlot.PREFER)) or Preference()
    now = before.then(wish or Preference(), any_day=any_day)
    return {FormSlot.PREFER: now.as_slot() if now.says_something else None}


def _offered(values: dict[FormSlot, Any]) -> list[Offered]:
    entries = (values.get(FormSlot.OFFER) or {}).get("slots") or []
    return [Offered(e["code"], datetime.fromisoformat(e["start"])) for e in entries]


class ActionBookingStart(Action):
    """Before the form: a new booking (or a word about the one already booked), or moving one.
    A wish in the request itself (« rdv jeudi aprem ») filters the first slots shown."""

    def name(self) -> str:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if await said_under_16_before(tracker):
            await refuse_booking(dispatcher)
            return [*_reset(), SlotSet(FormSlot.STOPPED, UNDER_16)]
        context = services()
        now = context.clock.now()
        intent, _ = latest_intent(tracker)
        choice = choice_of(tracker)
        async with context.sessions() as session:
            booker = await store.booker_of_sender(session, tracker.sender_id)
            upcoming = await upcoming_of_sender(session, tracker.sender_id, now)
            known_name = (
                await store.last_first_name(session, booker.contact_id)
                if booker is not None
                else None
            )
        if not upcoming and choice is None and booked_elsewhere(latest_text(tracker)):
            await say_booked_elsewhere(dispatcher)
            return [*_reset(), SlotSet(FormSlot.STOPPED, "booked_elsewhere")]
        if intent == "reschedule_appointment":
            return self._moving(dispatcher, upcoming, choice, latest_text(tracker), known_name)
        if upcoming and choice != "rdv=new":
            first = upcoming[0]
            when, place = describe(first)
            dispatcher.utter_message(
                text=reply_text("booking", "already", when=when, place=place),
                buttons=[
                    rdv_button("button_keep", "confirm_appointment", first.id),
                    rdv_button("button_reschedule", "reschedule_appointment", first.id),
                    rdv_button("button_cancel", "cancel_appointment", first.id),
                    button("button_another", payload("book_appointment", choice="rdv=new")),
                ],
            )
            return [*_reset(), SlotSet(FormSlot.STOPPED, "has_appointment")]
        text = latest_text(tracker)
        mode = mode_in(text) or Mode.IN_PERSON
        if await outside_the_area(tracker):
            # A town of another area said earlier: their own Mission Locale first; slots here
            # still follow (by phone, or if they come anyway).
            dispatcher.utter_message(text=load_topic_content().other_area_text())
        return [
            *_reset(),
            SlotSet(FormSlot.MODE, mode.value),
            SlotSet(FormSlot.NAME, known_name),
            SlotSet(FormSlot.PREFER, wish_in(text)),
        ]

    def _moving(
        self,
        dispatcher: CollectingDispatcher,
        upcoming: list[Appointment],
        choice: str | None,
        text: str,
        known_name: str | None,
    ) -> list[dict[str, Any]]:
        target = choose(upcoming, choice)
        if target is None:
            if not upcoming or choice is not None:
                key = "not_upcoming" if choice is not None else "none_upcoming"
                dispatcher.utter_message(
                    text=reply_text("booking", key),
                    buttons=[button("button_book", payload("book_appointment"))],
                )
                return [*_reset(), SlotSet(FormSlot.STOPPED, "no_appointment")]
            dispatcher.utter_message(
                text=reply_text("booking", "which_one"),
                buttons=appointment_buttons(upcoming, "reschedule_appointment"),
            )
            return [*_reset(), SlotSet(FormSlot.STOPPED, "which_one")]
        when, _ = describe(target)
        dispatcher.utter_message(text=reply_text("booking", "moving", when=when))
        weekday = local(target.starts_at, timezone_of(target)).weekday()
        return [
            *_reset(),
            SlotSet(FormSlot.MODE, mode_of(target.kind).value),
            SlotSet(FormSlot.NAME, target.first_name or known_name),
            SlotSet(FormSlot.PHONE, target.phone),
            SlotSet(FormSlot.RESCHEDULES, target.id),
            SlotSet(FormSlot.PREFER, wish_in(text, moving_weekday=weekday)),
        ]


class ValidateBookingForm(Action):
    """Reads one message for the form, books once the slot (and the number) is known, and names
    the next question (None: done)."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = _values(tracker)
        if not is_reading_an_answer(tracker, FORM):
            if values[FormSlot.STOPPED] or values[FormSlot.BOOKED] is not None:
                # Stopped before it started; or back after another question once booked: the
                # optional first name is not asked again.
                return [SlotSet(REQUESTED_SLOT, None)]
            return await self._next(dispatcher, tracker, values, [])
        text, choice = latest_text(tracker), choice_of(tracker)
        intent, confidence = latest_intent(tracker)
        if choice is None and (classify_distress(text) or intent == DISTRESS):
            return self._stop(DISTRESS)
        elsewhere = confidence >= SURE and intent in RESUMING_INTENTS | LEAVING_INTENTS
        asked = FormSlot(tracker.get_slot(REQUESTED_SLOT))
        if asked is FormSlot.NAME:
            return await self._name(dispatcher, tracker, values, text, choice, elsewhere)
        if choice is None and wants_to_stop(text):
            return self._stop("asked")
        changes = await self._read(asked, text, choice, values)
        if changes is None:
            if elsewhere:
                return []  # rejected: a rule answers the other question (nlu/rules.yml)
            retry = "unreadable" if asked is FormSlot.SLOT else asked.removeprefix("booking_")
            if asked is FormSlot.SLOT and choice is None and (read_point(text) or read_topic(text)):
                # « et ça dure combien le cej ? » read uncertainly while slots are shown:
                # answered by the slot question (action_ask_booking_slot), same slots.
                retry = "question"
            changes = {FormSlot.RETRY: retry}
        else:
            changes.setdefault(FormSlot.RETRY, None)
        values.update(changes)
        events = [SlotSet(field, value) for field, value in changes.items()]
        return await self._next(dispatcher, tracker, values, events)

    def _stop(self, reason: str) -> list[dict[str, Any]]:
        return [SlotSet(FormSlot.STOPPED, reason), SlotSet(REQUESTED_SLOT, None)]

    async def _read(
        self, asked: FormSlot, text: str, choice: str | None, values: dict[FormSlot, Any]
    ) -> dict[FormSlot, Any] | None:
        """What the message changes, or None when it cannot be read as an answer."""
        if asked is FormSlot.PHONE:
            phone = parse_phone(text) if choice is None else None
            return None if phone is None else {FormSlot.PHONE: phone}
        page = int(values.get(FormSlot.PAGE) or 0)
        if choice is not None:
            question, _, value = choice.partition("=")
            if question == "mode" and value in Mode.__members__.values():
                return {FormSlot.MODE: value, FormSlot.PAGE: 0, FormSlot.OFFER: None}
            if question != "slot":
                return None
            if value == "more":
                return {FormSlot.PAGE: page + 1}
            if value == "first":
                return {FormSlot.PAGE: 0}
            return await self._picked(value)
        mode, wish = mode_in(text), _wish_update(text, values)
        if mode is not None and mode.value != values.get(FormSlot.MODE):
            changes = {FormSlot.MODE: mode.value, FormSlot.PAGE: 0, FormSlot.OFFER: None}
            return changes if wish is None else {**changes, **wish}  # « plutôt par tel jeudi »
        code = pick(text, _offered(values))
        if code is not None:
            return await self._picked(code)
        if asks_where(text):
            return {FormSlot.RETRY: "where"}
        if wants_other_counsellor(text):
            return {FormSlot.RETRY: "other_counsellor"}
        if wish is not None:
            return {**wish, FormSlot.PAGE: 0, FormSlot.OFFER: None}
        if wants_more(text):
            return {FormSlot.PAGE: page + 1}
        return None

    async def _picked(self, code: str) -> dict[FormSlot, Any]:
        ref = SlotRef.parse(code)
        context = services()
        if ref is not None:
            async with context.sessions() as session:
                slot = await agenda.find_free(session, ref, context.clock.now(), context.booking)
            if slot is not None:
                return {FormSlot.SLOT: slot.code}
        return {FormSlot.SLOT: None, FormSlot.PAGE: 0, FormSlot.RETRY: "gone"}

    async def _name(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        values: dict[FormSlot, Any],
        text: str,
        choice: str | None,
        elsewhere: bool,
    ) -> list[dict[str, Any]]:
        """The answer to the optional first-name question: a name (written on the appointment,
        with thanks), « passer », or an unreadable answer (asked again once, then let go)."""
        skipped = choice == SKIP_NAME or (choice is None and skips_name(text))
        name = parse_first_name(text) if choice is None and not skipped else None
        booked = values[FormSlot.BOOKED]
        if name is None and not skipped:
            if elsewhere:
                return []  # a rule answers; the form then ends without asking again
            if booked is not None and asks_where(text):
                await _say_where(dispatcher, tracker, int(booked))
                return [SlotSet(FormSlot.RETRY, None), SlotSet(REQUESTED_SLOT, None)]
            if booked is not None and is_question(text):
                return self._stop("question")  # answered by action_booking_confirm
            if values[FormSlot.RETRY] != "name":
                return [SlotSet(FormSlot.RETRY, "name"), SlotSet(REQUESTED_SLOT, FormSlot.NAME)]
        if booked is None:
            # A slot picked before booking came first (a conversation started with an older
            # version): book now, with the name if there is one.
            values[FormSlot.NAME] = name
            events = [SlotSet(FormSlot.NAME, name), SlotSet(FormSlot.RETRY, None)]
            return await self._next(dispatcher, tracker, values, events, name_asked=True)
        if name is None:
            dispatcher.utter_message(text=reply_text("booking", "name_skipped"))
            return [SlotSet(FormSlot.RETRY, None), SlotSet(REQUESTED_SLOT, None)]
        await _save_name(tracker, int(booked), name)
        dispatcher.utter_message(text=reply_text("booking", "name_saved", name=name))
        return [
            SlotSet(FormSlot.NAME, name),
            SlotSet(FormSlot.RETRY, None),
            SlotSet(REQUESTED_SLOT, None),
        ]

    async def _next(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        values: dict[FormSlot, Any],
        events: list[dict[str, Any]],
        *,
        name_asked: bool = False,
    ) -> list[dict[str, Any]]:
        ref = SlotRef.parse(str(values.get(FormSlot.SLOT) or ""))
        if ref is None:
            return await self._offer(tracker, values, events)
        if ref.kind is AppointmentKind.PHONE and not values.get(FormSlot.PHONE):
            return [*events, SlotSet(REQUESTED_SLOT, FormSlot.PHONE)]
        if values.get(FormSlot.BOOKED) is None:
            booked = await book_slot(dispatcher, tracker, values, ref)
            if booked == "taken":
                # Told kindly, with fresh slots (the number and the name are kept).
                changes = {FormSlot.SLOT: None, FormSlot.PAGE: 0, FormSlot.RETRY: "taken"}
                values.update(changes)
                events = [*events, *(SlotSet(field, value) for field, value in changes.items())]
                return await self._offer(tracker, values, events)
            if booked == "error":
                return [*events, *self._stop("error")]
            values[FormSlot.BOOKED] = booked
            events = [*events, SlotSet(FormSlot.BOOKED, booked), SlotSet(FormSlot.RETRY, None)]
            if not values.get(FormSlot.NAME) and not name_asked:
                return [*events, SlotSet(REQUESTED_SLOT, FormSlot.NAME)]
        return [*events, SlotSet(REQUESTED_SLOT, None)]

    async def _offer(
        self, tracker: Tracker, values: dict[FormSlot, Any], events: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        context = services()
        mode, page = _mode(values.get(FormSlot.MODE)), int(values.get(FormSlot.PAGE) or 0)
        async with context.sessions() as session:
            preference = Preference.from_slot(values.get(FormSlot.PREFER))
            shown = await make_offer(session, context, tracker, mode, page, preference)
            if shown is None and page > 0:
                events = [*events, SlotSet(FormSlot.PAGE, 0), SlotSet(FormSlot.RETRY, "no_more")]
                shown = await make_offer(session, context, tracker, mode, 0, preference)
        if shown is None:
            return [*events, *self._stop("no_slots")]
        return [*events, SlotSet(FormSlot.OFFER, shown), SlotSet(REQUESTED_SLOT, FormSlot.SLOT)]


async def book_slot(
    dispatcher: CollectingDispatcher, tracker: Tracker, values: dict[FormSlot, Any], ref: SlotRef
) -> int | Literal["taken", "error"]:
    """Book the slot (replacing the appointment being moved, if any) and confirm it; the new
    appointment's id, or why not."""
    context = services()
    now = context.clock.now()
    async with context.sessions() as session, session.begin():
        booker = await store.booker_of_sender(session, tracker.sender_id)
        if booker is None:
            dispatcher.utter_message(text=reply_text("booking", "error"))
            return "error"
        replaces = None
        if values.get(FormSlot.RESCHEDULES) is not None:
            moving = appointment_choice(int(values[FormSlot.RESCHEDULES]))
            upcoming = await store.upcoming_of_contact(session, booker.contact_id, now)
            replaces = choose(list(upcoming), moving)
        profile = await profile_of(session, tracker.sender_id)
        name = values.get(FormSlot.NAME)
        try:
            appointment = await agenda.book(
                session,
                ref,
                booker,
                first_name=str(name) if name else None,
                phone=values.get(FormSlot.PHONE),
                topic=profile.orientation if profile is not None else None,
                now=now,
                settings=context.booking,
                quiet_hours=context.scheduling.quiet_hours,
                replaces=replaces,
            )
        except (SlotGone, SlotTaken):
            return "taken"
        leads = await store.scheduled_leads(session, appointment.id)
    dispatcher.utter_message(
        text=confirmation(appointment, replaces, leads, context.public_url),
        buttons=[
            rdv_button("button_reschedule", "reschedule_appointment", appointment.id),
            rdv_button("button_cancel", "cancel_appointment", appointment.id),
        ],
    )
    return appointment.id


async def _say_where(
    dispatcher: CollectingDispatcher, tracker: Tracker, appointment_id: int
) -> None:
    """« c'est où ? » right after booking: the place of the appointment just booked."""
    context = services()
    async with context.sessions() as session:
        upcoming = await upcoming_of_sender(session, tracker.sender_id, context.clock.now())
    booked = next((a for a in upcoming if a.id == appointment_id), None)
    if booked is None:
        await say_site_info(dispatcher)
        return
    when, place = describe(booked)
    dispatcher.utter_message(text=reply_text("booking", "where_booked", when=when, place=place))


async def _save_name(tracker: Tracker, appointment_id: int, name: str) -> None:
    context = services()
    async with context.sessions() as session, session.begin():
        booker = await store.booker_of_sender(session, tracker.sender_id)
        if booker is not None:
            await store.set_first_name(
                session, appointment_id, booker.contact_id, name, context.clock.now()
            )


class ActionAskBookingSlot(Action):
    """The slots on offer: numbered lines, short buttons, « autres créneaux », other ways."""

    def name(self) -> str:
        return "action_ask_booking_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = tracker.get_slot(FormSlot.OFFER) or {}
        mode = _mode(shown.get("mode"))
        retry = tracker.get_slot(FormSlot.RETRY)
        lines = []
        if retry == "where":  # « c'est où ? »: the place, and the same slots
            if mode is Mode.IN_PERSON:
                await say_site_info(dispatcher)
            else:
                dispatcher.utter_message(text=reply_text("booking", f"where_{mode.value}"))
        elif retry == "question":
            question = topic_question(tracker)
            if question is not None:
                await answer_topic(dispatcher, tracker, domain, *question)
        elif retry in _RETRY_LINES:
            lines.append(reply_text("booking", f"retry_{retry}"))
        preference = shown.get("preference")
        if retry in ("where", "question"):
            lines.append(reply_text("booking", f"offer_again_{mode.value}"))
        elif preference and not shown.get("page"):
            matched = shown.get("matched")
            key = (
                "offer_preference_day"
                if matched == "day"
                else "offer_preference"
                if matched
                else "offer_preference_none"
            )
            lines.append(reply_text("booking", key, preference=preference))
        else:
            intro = "offer_more" if shown.get("page") else f"offer_{mode.value}"
            lines.append(reply_text("booking", intro))
        lines.extend(
            f"{number}. {entry['line']}"
            for number, entry in enumerate(shown.get("slots") or (), start=1)
        )
        lines.append(reply_text("booking", "offer_hint"))
        buttons = [
            {"title": entry["title"], "payload": payload("inform", choice=f"slot={entry['code']}")}
            for entry in shown.get("slots") or ()
        ]
        if shown.get("more"):
            buttons.append(button("button_more", payload("inform", choice="slot=more")))
        elif shown.get("page"):
            buttons.append(button("button_first", payload("inform", choice="slot=first")))
        for other in Mode:
            if other is not mode:
                buttons.append(
                    button(f"button_{other.value}", payload("inform", choice=f"mode={other.value}"))
                )
        dispatcher.utter_message(text="\n".join(lines), buttons=buttons)
        return []


def _chosen_line(tracker: Tracker) -> str:
    code = tracker.get_slot(FormSlot.SLOT)
    for entry in (tracker.get_slot(FormSlot.OFFER) or {}).get("slots") or ():
        if entry["code"] == code:
            return str(entry["line"])
    return ""


class ActionAskBookingName(Action):
    """After the confirmation: the first name, which the young person may skip."""

    def name(self) -> str:
        return "action_ask_booking_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        key = "retry_name" if tracker.get_slot(FormSlot.RETRY) == "name" else "ask_name"
        dispatcher.utter_message(
            text=reply_text("booking", key),
            buttons=[button("button_skip_name", payload("inform", choice=SKIP_NAME))],
        )
        return []


class ActionAskBookingPhone(Action):
    def name(self) -> str:
        return "action_ask_booking_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(FormSlot.RETRY) == "phone":
            text = reply_text("booking", "retry_phone")
        elif line := _chosen_line(tracker):
            text = reply_text("booking", "ask_phone", when=line)
        else:
            text = reply_text("booking", "ask_phone_plain")
        dispatcher.utter_message(text=text)
        return []


class ActionBookingConfirm(Action):
    """After the form. The booking was confirmed when it was made (validate_booking_form); this
    says why the form ended without one (stopped, no slot), hands distress on, or answers a
    question asked instead of the first name."""

    def name(self) -> str:
        return "action_booking_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        stopped = tracker.get_slot(FormSlot.STOPPED)
        if stopped == DISTRESS:
            await ActionDistress().run(dispatcher, tracker, domain)
        elif stopped == "asked":
            dispatcher.utter_message(
                text=reply_text("booking", "stopped"),
                buttons=[button("button_book", payload("book_appointment"))],
            )
        elif stopped == "question":
            # Booked, then a question instead of the first name: answered as without a form.
            events = await ActionNotUnderstood().run(dispatcher, tracker, domain)
            return [*_reset(), *events]
        elif stopped == "no_slots":
            dispatcher.utter_message(
                text=reply_text("booking", "no_slots"),
                buttons=[button("button_human", payload("request_human"))],
            )
        # Otherwise booked and confirmed already, or action_booking_start has said why not.
        return _reset()

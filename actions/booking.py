"""Booking an appointment in the chat: offer free slots, read the pick, ask only what is needed,
book it (the database settles races), confirm with time, place and a calendar link.

Rasa's form `booking_form` asks for a slot, then a first name, then a phone number (phone
appointments only); `validate_booking_form` reads every message itself and names the next
question; `action_booking_confirm` books once the form is done. Moving an appointment is the
same form, started by `reschedule_appointment`: the old one is released in the transaction that
books the new one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession

from actions.appointments import (
    appointment_buttons,
    button,
    choose,
    describe,
    rdv_button,
    upcoming_of_sender,
)
from actions.distress import ActionDistress
from actions.forms import (
    REQUESTED_SLOT,
    choice_of,
    is_reading_an_answer,
    latest_intent,
    latest_text,
)
from bot.booking.calendar import calendar_url
from bot.booking.offers import Mode, offer, place_key
from bot.booking.reading import (
    Offered,
    Preference,
    mode_in,
    parse_first_name,
    parse_phone,
    pick,
    preference_in,
    wants_more,
    wants_other_counsellor,
)
from bot.booking.slots import Kind, SlotRef
from bot.booking.wording import WEEKDAYS, button_label, day_and_time, local
from bot.content.texts import reply_text
from bot.core.action_services import ActionServices, services
from bot.core.distress import classify as classify_distress
from bot.eligibility.free_text import wants_to_stop
from bot.eligibility.reading import RESUMING_INTENTS, SURE
from bot.eligibility.situation import parse_town
from bot.errors import SlotGone, SlotTaken
from bot.rasa.payloads import appointment_choice, payload
from bot.storage import appointments as store
from bot.storage.eligibility import profile_of
from bot.storage.models import Appointment

FORM = "booking_form"


class Field(StrEnum):
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


# Questions about something else are answered before the booking goes on, as in the
# questionnaire (RESUMING_INTENTS); the requests below end it. nlu/rules.yml has a rule for each;
# a test checks both lists agree.
LEAVING_INTENTS = frozenset({
    "request_human", "cancel_appointment", "confirm_appointment", "delete_my_data",
    "unsubscribe", "goodbye", "check_eligibility",
})  # fmt: skip
DISTRESS = "distress"


def _reset() -> list[dict[str, Any]]:
    return [SlotSet(field, None) for field in Field]


def _values(tracker: Tracker) -> dict[Field, Any]:
    return {field: tracker.get_slot(field) for field in Field}


def _mode(value: Any) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        return Mode.IN_PERSON


def mode_of(kind: str) -> Mode:
    return {"phone": Mode.PHONE, "video": Mode.VIDEO}.get(kind, Mode.IN_PERSON)


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
    slots = await store.free_slots_between(session, mode.kinds, start, end)
    matched: bool | None = None
    if preference is not None:
        liked = [s for s in slots if preference.accepts(local(s.starts_at, s.timezone))]
        matched = bool(liked)
        slots = liked or slots  # nothing then: the next ones, and the young person is told
    places = await store.places(session)
    postcode, town = await town_of(session, tracker)
    shown = offer(slots, page, places=places, postcode=postcode, town=town)
    if not shown.slots:
        return None
    entries = []
    for number, slot in enumerate(shown.slots, start=1):
        key = place_key(slot)
        where = places.get(key) if key is not None else None
        line = day_and_time(slot.starts_at, slot.timezone)
        if where is not None:
            name = where.name
            if slot.kind is Kind.PERMANENCE:
                name = reply_text("booking", "place_permanence_short", place_name=where.name)
            line = reply_text("booking", "line_at", when=line, place_name=name)
        entries.append(
            {
                "code": slot.code,
                "title": f"{number} · {button_label(slot.starts_at, slot.timezone)}",
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


def preference_label(preference: Preference) -> str:
    """« le mardi après-midi », « le matin »…"""
    if preference.weekday is None:
        assert preference.part is not None  # a preference says at least one of the two
        return reply_text("booking", f"preference_{preference.part.value}")
    day = WEEKDAYS[preference.weekday]
    if preference.part is None:
        return reply_text("booking", "preference_day", day=day)
    part = reply_text("booking", f"part_{preference.part.value}")
    return reply_text("booking", "preference_day_part", day=day, part=part)


def _offered(values: dict[Field, Any]) -> list[Offered]:
    entries = (values.get(Field.OFFER) or {}).get("slots") or []
    return [Offered(e["code"], datetime.fromisoformat(e["start"])) for e in entries]


class ActionBookingStart(Action):
    """Before the form: a new booking (or a word about the one already booked), or moving one."""

    def name(self) -> str:
        return "action_booking_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
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
        if intent == "reschedule_appointment":
            return self._moving(dispatcher, upcoming, choice)
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
            return [*_reset(), SlotSet(Field.STOPPED, "has_appointment")]
        mode = mode_in(latest_text(tracker)) or Mode.IN_PERSON
        return [*_reset(), SlotSet(Field.MODE, mode.value), SlotSet(Field.NAME, known_name)]

    def _moving(
        self, dispatcher: CollectingDispatcher, upcoming: list[Appointment], choice: str | None
    ) -> list[dict[str, Any]]:
        target = choose(upcoming, choice)
        if target is None:
            if not upcoming or choice is not None:
                key = "not_upcoming" if choice is not None else "none_upcoming"
                dispatcher.utter_message(
                    text=reply_text("booking", key),
                    buttons=[button("button_book", "/book_appointment")],
                )
                return [*_reset(), SlotSet(Field.STOPPED, "no_appointment")]
            dispatcher.utter_message(
                text=reply_text("booking", "which_one"),
                buttons=appointment_buttons(upcoming, "reschedule_appointment"),
            )
            return [*_reset(), SlotSet(Field.STOPPED, "which_one")]
        when, _ = describe(target)
        dispatcher.utter_message(text=reply_text("booking", "moving", when=when))
        return [
            *_reset(),
            SlotSet(Field.MODE, mode_of(target.kind).value),
            SlotSet(Field.NAME, target.first_name),
            SlotSet(Field.PHONE, target.phone),
            SlotSet(Field.RESCHEDULES, target.id),
        ]


class ValidateBookingForm(Action):
    """Reads one message for the form and names the next question (None: ready to book)."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = _values(tracker)
        if not is_reading_an_answer(tracker, FORM):
            if values[Field.STOPPED]:
                return [SlotSet(REQUESTED_SLOT, None)]
            return await self._next(tracker, values, [])
        text, choice = latest_text(tracker), choice_of(tracker)
        intent, confidence = latest_intent(tracker)
        if choice is None and (classify_distress(text) or intent == DISTRESS):
            return self._stop(DISTRESS)
        if choice is None and wants_to_stop(text):
            return self._stop("asked")
        asked = Field(tracker.get_slot(REQUESTED_SLOT))
        changes = await self._read(asked, text, choice, values)
        if changes is None:
            if confidence >= SURE and intent in RESUMING_INTENTS | LEAVING_INTENTS:
                return []  # rejected: a rule answers the other question (nlu/rules.yml)
            retry = "unreadable" if asked is Field.SLOT else asked.removeprefix("booking_")
            changes = {Field.RETRY: retry}
        else:
            changes.setdefault(Field.RETRY, None)
        values.update(changes)
        events = [SlotSet(field, value) for field, value in changes.items()]
        return await self._next(tracker, values, events)

    def _stop(self, reason: str) -> list[dict[str, Any]]:
        return [SlotSet(Field.STOPPED, reason), SlotSet(REQUESTED_SLOT, None)]

    async def _read(
        self, asked: Field, text: str, choice: str | None, values: dict[Field, Any]
    ) -> dict[Field, Any] | None:
        """What the message changes, or None when it cannot be read as an answer."""
        if asked is Field.NAME:
            name = parse_first_name(text) if choice is None else None
            return None if name is None else {Field.NAME: name}
        if asked is Field.PHONE:
            phone = parse_phone(text) if choice is None else None
            return None if phone is None else {Field.PHONE: phone}
        page = int(values.get(Field.PAGE) or 0)
        if choice is not None:
            question, _, value = choice.partition("=")
            if question == "mode" and value in Mode.__members__.values():
                return {Field.MODE: value, Field.PAGE: 0, Field.OFFER: None}
            if question != "slot":
                return None
            if value == "more":
                return {Field.PAGE: page + 1}
            if value == "first":
                return {Field.PAGE: 0}
            return await self._picked(value, values)
        mode = mode_in(text)
        if mode is not None and mode.value != values.get(Field.MODE):
            return {Field.MODE: mode.value, Field.PAGE: 0, Field.OFFER: None}
        code = pick(text, _offered(values))
        if code is not None:
            return await self._picked(code, values)
        if wants_other_counsellor(text):
            return {Field.RETRY: "other_counsellor"}
        preference = preference_in(text)
        if preference is not None:
            return {Field.PREFER: preference.as_slot(), Field.PAGE: 0, Field.OFFER: None}
        if wants_more(text):
            return {Field.PAGE: page + 1}
        return None

    async def _picked(self, code: str, values: dict[Field, Any]) -> dict[Field, Any]:
        ref = SlotRef.parse(code)
        context = services()
        if ref is not None:
            async with context.sessions() as session:
                slot = await store.find_free(session, ref, context.clock.now(), context.booking)
            if slot is not None:
                return {Field.SLOT: slot.code}
        return {Field.SLOT: None, Field.PAGE: 0, Field.RETRY: "gone"}

    async def _next(
        self, tracker: Tracker, values: dict[Field, Any], events: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        if values.get(Field.SLOT) is None:
            context = services()
            mode, page = _mode(values.get(Field.MODE)), int(values.get(Field.PAGE) or 0)
            async with context.sessions() as session:
                preference = Preference.from_slot(values.get(Field.PREFER))
                shown = await make_offer(session, context, tracker, mode, page, preference)
                if shown is None and page > 0:
                    events += [SlotSet(Field.PAGE, 0), SlotSet(Field.RETRY, "no_more")]
                    shown = await make_offer(session, context, tracker, mode, 0, preference)
            if shown is None:
                return [*events, SlotSet(Field.STOPPED, "no_slots"), SlotSet(REQUESTED_SLOT, None)]
            return [*events, SlotSet(Field.OFFER, shown), SlotSet(REQUESTED_SLOT, Field.SLOT)]
        if not values.get(Field.NAME):
            return [*events, SlotSet(REQUESTED_SLOT, Field.NAME)]
        ref = SlotRef.parse(str(values[Field.SLOT]))
        if ref is not None and ref.kind is Kind.PHONE and not values.get(Field.PHONE):
            return [*events, SlotSet(REQUESTED_SLOT, Field.PHONE)]
        return [*events, SlotSet(REQUESTED_SLOT, None)]


class ActionAskBookingSlot(Action):
    """The slots on offer: numbered lines, short buttons, « autres créneaux », other ways."""

    def name(self) -> str:
        return "action_ask_booking_slot"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        shown = tracker.get_slot(Field.OFFER) or {}
        mode = _mode(shown.get("mode"))
        retry = tracker.get_slot(Field.RETRY)
        lines = []
        if retry in {"unreadable", "gone", "taken", "no_more", "other_counsellor"}:
            lines.append(reply_text("booking", f"retry_{retry}"))
        preference = shown.get("preference")
        if preference and not shown.get("page"):
            key = "offer_preference" if shown.get("matched") else "offer_preference_none"
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
    code = tracker.get_slot(Field.SLOT)
    for entry in (tracker.get_slot(Field.OFFER) or {}).get("slots") or ():
        if entry["code"] == code:
            return str(entry["line"])
    return ""


class ActionAskBookingName(Action):
    def name(self) -> str:
        return "action_ask_booking_name"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(Field.RETRY) == "name":
            dispatcher.utter_message(text=reply_text("booking", "retry_name"))
        else:
            dispatcher.utter_message(
                text=reply_text("booking", "ask_name", when=_chosen_line(tracker))
            )
        return []


class ActionAskBookingPhone(Action):
    def name(self) -> str:
        return "action_ask_booking_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        key = "retry_phone" if tracker.get_slot(Field.RETRY) == "phone" else "ask_phone"
        dispatcher.utter_message(text=reply_text("booking", key))
        return []


class ActionBookingConfirm(Action):
    """After the form: book and confirm, or say why not (stopped, no slot, taken meanwhile)."""

    def name(self) -> str:
        return "action_booking_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        values = _values(tracker)
        stopped = values[Field.STOPPED]
        if stopped == DISTRESS:
            await ActionDistress().run(dispatcher, tracker, domain)
            return _reset()
        if stopped == "asked":
            dispatcher.utter_message(
                text=reply_text("booking", "stopped"),
                buttons=[button("button_book", "/book_appointment")],
            )
            return _reset()
        if stopped == "no_slots":
            dispatcher.utter_message(
                text=reply_text("booking", "no_slots"),
                buttons=[button("button_human", "/request_human")],
            )
            return _reset()
        ref = SlotRef.parse(str(values[Field.SLOT] or ""))
        if stopped or ref is None:
            return _reset()  # action_booking_start has already said why
        return await self._book(dispatcher, tracker, values, ref)

    async def _book(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        values: dict[Field, Any],
        ref: SlotRef,
    ) -> list[dict[str, Any]]:
        context = services()
        now = context.clock.now()
        async with context.sessions() as session, session.begin():
            booker = await store.booker_of_sender(session, tracker.sender_id)
            if booker is None:
                dispatcher.utter_message(text=reply_text("booking", "error"))
                return _reset()
            replaces = None
            if values[Field.RESCHEDULES] is not None:
                moving = appointment_choice(int(values[Field.RESCHEDULES]))
                upcoming = await store.upcoming_of_contact(session, booker.contact_id, now)
                replaces = choose(list(upcoming), moving)
            profile = await profile_of(session, tracker.sender_id)
            try:
                appointment = await store.book(
                    session,
                    ref,
                    booker,
                    first_name=str(values[Field.NAME]),
                    phone=values[Field.PHONE],
                    topic=profile.orientation if profile is not None else None,
                    now=now,
                    settings=context.booking,
                    replaces=replaces,
                )
            except (SlotGone, SlotTaken):
                # Told kindly, with fresh slots: the form asks again (its validator recomputes).
                return [
                    SlotSet(Field.SLOT, None),
                    SlotSet(Field.PAGE, 0),
                    SlotSet(Field.RETRY, "taken"),
                    FollowupAction(FORM),
                ]
            leads = await store.scheduled_leads(session, appointment.id)
        dispatcher.utter_message(
            text=confirmation(appointment, replaces, leads, context.public_url),
            buttons=[
                rdv_button("button_reschedule", "reschedule_appointment", appointment.id),
                rdv_button("button_cancel", "cancel_appointment", appointment.id),
            ],
        )
        return _reset()


def confirmation(
    appointment: Appointment,
    replaces: Appointment | None,
    leads: list[int],
    public_url: str,
) -> str:
    """The confirmation: when, where, with whom, what to bring, calendar link, reminders."""
    when, place = describe(appointment)
    counsellor = appointment.counsellor.display_name
    if replaces is not None:
        old_when, _ = describe(replaces)
        head = reply_text(
            "booking", "rescheduled", old_when=old_when, when=when, place=place,
            counsellor=counsellor,
        )  # fmt: skip
    else:
        head = reply_text("booking", "confirmed", when=when, place=place, counsellor=counsellor)
    remote = appointment.kind in {"phone", "video"}
    parts = [
        head,
        reply_text("booking", "bring_remote" if remote else "bring_in_person"),
        reply_text("booking", "calendar", url=calendar_url(public_url, appointment.calendar_key)),
    ]
    if leads:
        parts.append(reminders_sentence(leads))
    return "\n\n".join(parts)


def reminders_sentence(leads: list[int]) -> str:
    """« Je t'enverrai un rappel la veille et 2 h avant 🔔 »."""
    words = f" {reply_text('booking', 'reminders_and')} ".join(_lead(lead) for lead in leads)
    return reply_text("booking", "reminders", leads=words)


def _lead(minutes: int) -> str:
    if minutes == 24 * 60:
        return reply_text("booking", "lead_day")
    if minutes % (24 * 60) == 0:
        return reply_text("booking", "lead_days", days=str(minutes // (24 * 60)))
    if minutes % 60 == 0:
        return reply_text("booking", "lead_hours", hours=str(minutes // 60))
    return reply_text("booking", "lead_minutes", minutes=str(minutes))

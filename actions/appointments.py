"""An appointment already booked, from the chat: cancel it (after a confirmation) or say
« je serai là ». Also what the booking actions share: buttons and describing an appointment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession

from actions.confirmation import carries_distress, confirmed_by_button, confirmed_in_words
from actions.forms import choice_of
from bot.booking import agenda
from bot.booking.wording import button_label, day_and_time, place, timezone_of
from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.rasa.payloads import appointment_choice, payload
from bot.storage import appointments as store
from bot.storage.models import Appointment
from bot.storage.sites import main_site

CANCEL_ASKED = "cancel_asked"  # slot: the appointment whose cancellation was just asked


def button(key: str, button_payload: str) -> dict[str, str]:
    """A button titled by a text of replies.toml's [booking] section."""
    return {"title": reply_text("booking", key), "payload": button_payload}


def rdv_button(key: str, intent: str, appointment_id: int, **extra: str) -> dict[str, str]:
    """A button about one appointment (`choice` = `rdv=<id>`)."""
    return button(key, payload(intent, **extra, choice=appointment_choice(appointment_id)))


def describe(appointment: Appointment) -> tuple[str, str]:
    """« mardi 8 décembre à 10h » and « à l'Antenne du centre-ville, 12 rue… » (loaded)."""
    return day_and_time(appointment.starts_at, timezone_of(appointment)), place(appointment)


def choose(upcoming: Sequence[Appointment], choice: str | None) -> Appointment | None:
    """The appointment a button names (`rdv=<id>`, only among the person's own upcoming ones);
    without a button, the only upcoming one (None when there are several or none)."""
    if choice is not None and choice.startswith("rdv="):
        wanted = choice.removeprefix("rdv=")
        return next((a for a in upcoming if str(a.id) == wanted), None)
    return upcoming[0] if len(upcoming) == 1 else None


def appointment_buttons(upcoming: Sequence[Appointment], intent: str) -> list[dict[str, str]]:
    return [
        {
            "title": button_label(a.starts_at, timezone_of(a)),
            "payload": payload(intent, choice=appointment_choice(a.id)),
        }
        for a in upcoming[:5]
    ]


async def upcoming_of_sender(
    session: AsyncSession, sender_id: str, now: datetime
) -> list[Appointment]:
    """The upcoming booked appointments of the contact behind a Rasa sender id."""
    booker = await store.booker_of_sender(session, sender_id)
    if booker is None:
        return []
    return list(await store.upcoming_of_contact(session, booker.contact_id, now))


class ActionAppointmentCancel(Action):
    """Which appointment, then « tu veux vraiment l'annuler ? », then cancel: its time is free
    again and its reminders will not go."""

    def name(self) -> str:
        return "action_appointment_cancel"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = services()
        now = context.clock.now()
        choice = choice_of(tracker)
        asked = tracker.get_slot(CANCEL_ASKED)
        # A plain « oui » typed right after « tu veux vraiment annuler … ? »: that appointment.
        in_words = asked is not None and confirmed_in_words(tracker, self.name())
        affirm = (tracker.latest_message or {}).get("intent", {}).get("name") == "affirm"
        if asked is not None and affirm:
            # « oui » alone confirms; « oui mais jsp » gets the question again.
            choice = appointment_choice(int(asked))
        elif affirm:
            # A yes to « tu n'as pas de rendez-vous, tu veux en prendre un ? »: the way to book.
            dispatcher.utter_message(
                text=reply_text("booking", "yes_to_book"),
                buttons=[button("button_book", payload("book_appointment"))],
            )
            return [SlotSet(CANCEL_ASKED, None)]
        async with context.sessions() as session, session.begin():
            upcoming = await upcoming_of_sender(session, tracker.sender_id, now)
            target = choose(upcoming, choice)
            if target is None:
                _say_which(dispatcher, upcoming, choice, "cancel_appointment")
                return [SlotSet(CANCEL_ASKED, None)]
            when, where = describe(target)
            confirmed = confirmed_by_button(tracker) or in_words
            if carries_distress(tracker) or not confirmed:
                dispatcher.utter_message(
                    text=reply_text("booking", "confirm_cancel", when=when, place=where),
                    buttons=[
                        rdv_button(
                            "button_yes_cancel", "cancel_appointment", target.id, confirm="oui"
                        ),
                        rdv_button("button_keep_it", "confirm_appointment", target.id),
                        rdv_button("button_move_instead", "reschedule_appointment", target.id),
                    ],
                )
                return [SlotSet(CANCEL_ASKED, target.id)]
            await agenda.cancel(session, target, now)
        dispatcher.utter_message(
            text=reply_text("booking", "cancelled"),
            buttons=[button("button_new", payload("book_appointment"))],
        )
        return [SlotSet(CANCEL_ASKED, None)]


class ActionAppointmentAttending(Action):
    """« Je serai là » (a reminder's button, or typed): thanked, with the time and place."""

    def name(self) -> str:
        return "action_appointment_attending"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(CANCEL_ASKED) is not None and confirmed_in_words(
            tracker, ActionAppointmentCancel().name()
        ):
            # « oui je confirme » typed right after « tu veux vraiment annuler … ? » reads as
            # confirm_appointment: it confirms the cancellation (the « Non, je le garde » button
            # carries a payload, never a plain yes).
            return await ActionAppointmentCancel().run(dispatcher, tracker, domain)
        context = services()
        now = context.clock.now()
        choice = choice_of(tracker)
        async with context.sessions() as session:
            upcoming = await upcoming_of_sender(session, tracker.sender_id, now)
        # Typed « je serai là » with several appointments: the soonest is the one meant.
        target = choose(upcoming, choice) or (upcoming[0] if upcoming and not choice else None)
        if target is None:
            _say_which(dispatcher, upcoming, choice, "confirm_appointment")
            return []
        when, where = describe(target)
        dispatcher.utter_message(text=reply_text("booking", "attending", when=when, place=where))
        return []


async def say_booked_elsewhere(dispatcher: CollectingDispatcher) -> None:
    """An appointment made by phone or at the desk: the chat cannot see it; who can."""
    async with services().sessions() as session:
        site = await main_site(session)
    phone = site.phone if site is not None and site.phone else "—"
    dispatcher.utter_message(
        text=reply_text("booking", "booked_elsewhere", phone=phone),
        buttons=[
            {
                "title": reply_text("not_understood", "button_human"),
                "payload": payload("request_human"),
            }
        ],
    )


def _say_which(
    dispatcher: CollectingDispatcher,
    upcoming: Sequence[Appointment],
    choice: str | None,
    intent: str,
) -> None:
    """No appointment to act on: none at all, one no longer upcoming, or several to pick from."""
    if not upcoming or choice is not None:
        key = "not_upcoming" if choice is not None and choice != "rdv=new" else "none_upcoming"
        dispatcher.utter_message(
            text=reply_text("booking", key),
            buttons=[button("button_book", payload("book_appointment"))],
        )
        return
    dispatcher.utter_message(
        text=reply_text("booking", "which_one"), buttons=appointment_buttons(upcoming, intent)
    )

"""Steps the booking tests share: a young person with a counsellor's agenda, running an action,
the tracker of a message read by the booking form, the slots the form offers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.booking import FORM, FormSlot, ValidateBookingForm
from tests.actions.conftest import sender_of_new_conversation
from tests.actions.trackers import Events, choice, form_tracker, slots_of
from tests.booking.factories import make_counsellor, make_site
from tests.conftest import FixedClock

PARIS = ZoneInfo("Europe/Paris")
# The clock fixture: Monday 23 November 2026, 10:30 in Paris. With 4 hours' notice, the first
# on-site slot is 14:45 (45-minute slots from 14:00; the counsellor works Monday to Friday,
# 9:00-12:00 and 14:00-17:00).
FIRST_SLOT = datetime(2026, 11, 23, 14, 45, tzinfo=PARIS).astimezone(UTC)
Messages = list[dict[str, Any]]


async def agenda_sender(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> str:
    """A site, its counsellor, and a young person who has started a conversation."""
    async with sessions() as session, session.begin():
        site = await make_site(session, clock.now())
        await make_counsellor(session, site, clock.now())
    return await sender_of_new_conversation(sessions, clock)


async def run(action: Any, tracker: Tracker) -> tuple[Events, Messages]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return events, dispatcher.messages


def booking(
    sender: str, text: str, slots: dict[Any, Any], requested: str = FormSlot.SLOT, **kwargs: Any
) -> Tracker:
    """The tracker validate_booking_form gets for a message answering `requested`."""
    return form_tracker(sender, text, dict(slots), requested=requested, form=FORM, **kwargs)


async def offered(sender: str, slots: dict[Any, Any] | None = None) -> dict[str, Any]:
    """The slots validate_booking_form offers when the form starts."""
    tracker = form_tracker(sender, "je veux un rdv", dict(slots or {}), requested=None, form=FORM)
    tracker.active_loop = {}  # starting: not reading an answer
    events, _ = await run(ValidateBookingForm(), tracker)
    values = slots_of(events)
    assert values["requested_slot"] == FormSlot.SLOT
    return dict(values[FormSlot.OFFER])


async def pick_slot(
    sender: str, code: str, slots: dict[Any, Any] | None = None
) -> tuple[dict[str, Any], Messages]:
    """The young person taps the slot's button: the form's events (as slots) and messages."""
    base = dict(slots or {})
    base.setdefault(FormSlot.OFFER, await offered(sender, base))
    events, messages = await run(
        ValidateBookingForm(), booking(sender, "", base, entities=choice(f"slot={code}"))
    )
    return slots_of(events), messages

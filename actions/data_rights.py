"""Data rights from the chat: erase everything about me, stop information messages.

Erasure itself is done by the bot after Rasa's turn (Rasa saves its tracker at the end of the
turn, so deleting it from inside an action would be undone): this action only signals it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.confirmation import (
    carries_distress,
    confirmed_by_button,
    confirmed_in_words,
    in_crisis_context,
    is_stop_command,
)
from actions.under_16 import said_under_16_before
from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.messages import ERASE_SIGNAL
from bot.core.news_offer import CONSENT_AGE
from bot.rasa.payloads import payload
from bot.storage.consents import opt_in, opt_out


def _ask(dispatcher: CollectingDispatcher, key: str, yes_title: str, yes_intent: str) -> None:
    """A destructive request read from free text: asked back, with buttons."""
    dispatcher.utter_message(
        text=reply_text("data_rights", key),
        buttons=[
            {
                "title": reply_text("data_rights", yes_title),
                "payload": payload(yes_intent, confirm="oui"),
            },
            {"title": reply_text("data_rights", "button_no"), "payload": payload("deny")},
            # An uncertain reading (« jveux tout arrêter ») may hide something else: a human too.
            {
                "title": reply_text("not_understood", "button_human"),
                "payload": payload("request_human"),
            },
        ],
    )


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        confirmed = confirmed_by_button(tracker) or confirmed_in_words(
            tracker, "utter_ask_delete_confirm"
        )
        if carries_distress(tracker) or not confirmed:
            _ask(dispatcher, "confirm_erase", "button_yes_erase", "delete_my_data")
            return []
        dispatcher.utter_message(text=reply_text("data_rights", "erased"))
        dispatcher.utter_message(json_message={"signal": ERASE_SIGNAL})
        return []


class ActionUnsubscribe(Action):
    def name(self) -> str:
        return "action_unsubscribe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if carries_distress(tracker):
            # The numbers were given before Rasa was asked: a message in distress never
            # silences anyone (« stop, j'en peux plus » is not a request to unsubscribe).
            return []
        exact_stop = is_stop_command(tracker) and not in_crisis_context(tracker)
        if not (confirmed_by_button(tracker) or exact_stop):
            _ask(dispatcher, "confirm_unsubscribe", "button_yes_unsubscribe", "unsubscribe")
            return []
        context = services()
        async with context.sessions() as session, session.begin():
            await opt_out(session, tracker.sender_id, context.clock.now())
        dispatcher.utter_message(text=reply_text("data_rights", "unsubscribed"))
        return []


def news_offer_buttons() -> list[dict[str, str]]:
    """Yes (a tapped consent) or no thanks: the buttons of the news offer."""
    return [
        {
            "title": reply_text("news", "button_yes"),
            "payload": payload("subscribe", confirm="oui"),
        },
        {"title": reply_text("news", "button_no"), "payload": payload("deny")},
    ]


class ActionSubscribe(Action):
    """« je veux recevoir les infos »: consent is a tapped yes, so a typed request is asked back
    with the button (what they will get, how to stop); the button subscribes."""

    def name(self) -> str:
        return "action_subscribe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if carries_distress(tracker):
            return []
        if await said_under_16_before(tracker):
            # Under 16 (#12): never the news, even asked for.
            dispatcher.utter_message(
                text=reply_text("under_16", "no_news", age_min=str(CONSENT_AGE))
            )
            return []
        if not confirmed_by_button(tracker):
            dispatcher.utter_message(text=reply_text("news", "offer"), buttons=news_offer_buttons())
            return []
        context = services()
        async with context.sessions() as session, session.begin():
            added = await opt_in(session, tracker.sender_id, context.clock.now())
        dispatcher.utter_message(text=reply_text("news", "subscribed" if added else "already"))
        return []

"""Data rights from the chat: erase everything about me, stop information messages.

Erasure itself is done by the bot after Rasa's turn (Rasa saves its tracker at the end of the
turn, so deleting it from inside an action would be undone): this action only signals it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, update

from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.messages import ERASE_SIGNAL
from bot.storage.models import ChannelIdentity, Contact


class ActionDeleteMyData(Action):
    def name(self) -> str:
        return "action_delete_my_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(text=reply_text("data_rights", "erased"))
        dispatcher.utter_message(json_message={"signal": ERASE_SIGNAL})
        return []


class ActionUnsubscribe(Action):
    def name(self) -> str:
        return "action_unsubscribe"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        context = services()
        async with context.sessions() as session, session.begin():
            contact_id = (
                select(ChannelIdentity.contact_id)
                .where(ChannelIdentity.public_id == tracker.sender_id)
                .scalar_subquery()
            )
            await session.execute(
                update(Contact)
                .where(Contact.id == contact_id, Contact.unsubscribed_at.is_(None))
                .values(unsubscribed_at=context.clock.now())
            )
        dispatcher.utter_message(text=reply_text("data_rights", "unsubscribed"))
        return []

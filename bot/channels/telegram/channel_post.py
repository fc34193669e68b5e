"""Campaign posts on the Mission Locale's Telegram channel (TELEGRAM_CHANNEL_ID, #11): a photo
with its caption, or a text, with link buttons (one opens a chat with the bot, attributed to
the campaign). The bot must be an administrator of the channel allowed to post: `check` says
so in French for the console. PTB's rate limiter keeps to 20 posts a minute per channel."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.core.messages import Post
from bot.core.vocabulary import PostTarget
from bot.errors import DeliveryFailed

logger = logging.getLogger(__name__)


class TelegramChannelPublisher:
    target = PostTarget.TELEGRAM_CHANNEL.value

    def __init__(self, bot: Bot, channel_id: str) -> None:
        self._bot = bot
        self._channel = channel_id

    async def publish(self, post: Post) -> str:
        markup = (
            InlineKeyboardMarkup([[InlineKeyboardButton(t, url=u)] for t, u in post.links])
            if post.links
            else None
        )
        try:
            if post.image is not None:
                sent = await self._bot.send_photo(
                    self._channel, post.image, caption=post.text, reply_markup=markup
                )
            else:
                sent = await self._bot.send_message(self._channel, post.text, reply_markup=markup)
        except Forbidden as error:
            raise DeliveryFailed("not_channel_admin") from error
        except BadRequest as error:
            raise DeliveryFailed("refused", type(error).__name__) from error
        except TelegramError as error:
            raise DeliveryFailed("platform_error", type(error).__name__) from error
        return str(sent.message_id)

    async def readiness(self) -> str | None:
        """None when the bot may post on the channel; else why not, in French."""
        try:
            me = await self._bot.get_me()
            member = await self._bot.get_chat_member(self._channel, me.id)
        except TelegramError:
            return "Le bot ne trouve pas le canal : vérifie TELEGRAM_CHANNEL_ID."
        if member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
            return "Le bot doit être administrateur du canal Telegram pour y publier."
        if member.status == ChatMemberStatus.ADMINISTRATOR and not getattr(
            member, "can_post_messages", True
        ):
            return "Le bot est administrateur du canal mais n'a pas le droit d'y publier."
        return None

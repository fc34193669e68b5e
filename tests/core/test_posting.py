"""Posting into a conversation: one path for every outgoing message (#9)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.messages import Author, BotReply, Button, MessageStatus
from bot.core.posting import post, pulled
from bot.storage import conversations as store
from bot.storage.models import Message

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("channel", "status"),
    [("webchat", MessageStatus.SENT), ("telegram", MessageStatus.PENDING)],
)
async def test_the_channel_registry_decides_pending_or_sent(
    sessions: async_sessionmaker[AsyncSession], channel: str, status: MessageStatus
) -> None:
    async with sessions() as session, session.begin():
        identity = await store.get_or_create_identity(session, channel, "u-1", NOW)
        conversation = await store.open_conversation(session, identity, NOW)
        posted = await post(
            session,
            conversation_id=conversation.id,
            channel=channel,
            author=Author.SYSTEM,
            replies=[BotReply("un"), BotReply("deux", (Button("Oui", "/affirm"),))],
            now=NOW,
        )

    assert pulled(channel) is (status is MessageStatus.SENT)
    assert [(m.text, m.author, m.conversation_id) for m in posted] == [
        ("un", Author.SYSTEM, conversation.id),
        ("deux", Author.SYSTEM, conversation.id),
    ]
    async with sessions() as session:
        rows = list(await session.scalars(select(Message).order_by(Message.id)))
    assert [(r.id, r.status, r.direction) for r in rows] == [
        (posted[0].id, status.value, "out"),
        (posted[1].id, status.value, "out"),
    ]
    assert store.to_outgoing(rows[1]) == posted[1]

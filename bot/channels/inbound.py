"""What every push channel does with a young person's message: route it, deliver the replies."""

from __future__ import annotations

from aiohttp import web

from bot.core.delivery import DeliveryReport
from bot.core.messages import IncomingMessage
from bot.wiring import DELIVERY, DIALOGUE


async def take_in(app: web.Application, incoming: IncomingMessage) -> DeliveryReport:
    """Store and answer one message; replies go out through the push channel, each once (a
    resent message finds its replies already sent and nothing leaves twice)."""
    result = await app[DIALOGUE].handle(incoming)
    return await app[DELIVERY].deliver(result.replies)

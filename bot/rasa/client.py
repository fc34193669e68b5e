"""HTTP client for Rasa's REST channel and status API (the core's DialogueEngine)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp

from bot.core.messages import BotReply, Button, EngineTurn
from bot.errors import RasaProtocolError, RasaUnavailable

logger = logging.getLogger(__name__)


class RasaHttpClient:
    """Sends messages to `POST /webhooks/rest/webhook`; readiness from `GET /status`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        timeout: float,
        api_token: str = "",
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._api_token = api_token

    async def send_message(
        self, sender_id: str, message: str, metadata: Mapping[str, str]
    ) -> EngineTurn:
        body = {"sender": sender_id, "message": message, "metadata": dict(metadata)}
        try:
            async with self._session.post(
                f"{self._base_url}/webhooks/rest/webhook", json=body, timeout=self._timeout
            ) as response:
                if response.status >= 500:
                    raise RasaUnavailable(f"Rasa answered HTTP {response.status}")
                if response.status != 200:
                    raise RasaProtocolError(f"Rasa answered HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa unreachable: {type(exc).__name__}") from exc
        except ValueError as exc:
            raise RasaProtocolError("Rasa answered invalid JSON") from exc
        return parse_rest_replies(data)

    async def reset_form(self, sender_id: str) -> bool:
        """End any half-filled form of the sender (after a counsellor hands back): its loop
        and the slot it was asking. False (logged) when Rasa could not be told."""
        events = [
            {"event": "active_loop", "name": None},
            {"event": "slot", "name": "requested_slot", "value": None},
        ]
        params = {"token": self._api_token} if self._api_token else {}
        try:
            async with self._session.post(
                f"{self._base_url}/conversations/{sender_id}/tracker/events",
                params=params,
                json=events,
                timeout=self._timeout,
            ) as response:
                if response.status == 200:
                    return True
                logger.warning("Rasa refused to reset a form: HTTP %s", response.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning("Rasa unreachable to reset a form: %s", type(exc).__name__)
        return False

    async def is_ready(self) -> bool:
        params = {"token": self._api_token} if self._api_token else {}
        try:
            async with self._session.get(
                f"{self._base_url}/status",
                params=params,
                timeout=aiohttp.ClientTimeout(total=2),
            ) as response:
                if response.status != 200:
                    return False
                status = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False
        return isinstance(status, dict) and bool(status.get("model_file"))


def parse_rest_replies(data: Any) -> EngineTurn:
    """Turn the REST channel's JSON list into replies and signals (custom `{"signal": …}`);
    images and other custom payloads are skipped."""
    if not isinstance(data, list):
        raise RasaProtocolError("Rasa's REST answer is not a list")
    replies: list[BotReply] = []
    signals: set[str] = set()
    for item in data:
        if not isinstance(item, dict):
            raise RasaProtocolError("Rasa's REST answer holds a non-object")
        text = item.get("text")
        buttons = tuple(
            Button(title=str(b["title"]), payload=str(b["payload"]))
            for b in item.get("buttons") or ()
            if isinstance(b, dict) and "title" in b and "payload" in b
        )
        if isinstance(text, str) and text.strip():
            replies.append(BotReply(text=text, buttons=buttons))
        elif isinstance(item.get("custom"), dict) and isinstance(item["custom"].get("signal"), str):
            signals.add(item["custom"]["signal"])
        else:
            logger.debug("skipping a non-text Rasa reply")
    return EngineTurn(tuple(replies), frozenset(signals))

"""Campaign posts on the Mission Locale's Instagram feed (#11), with Meta's Content Publishing
API: create a container (the image at its public URL, the caption), wait until its
`status_code` is FINISHED, then `media_publish`. The daily quota is read from
`content_publishing_limit` before each post, never assumed; refusals come back as short reasons
the console shows (quota_reached, container_error, container_expired…)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from bot.core.messages import Post
from bot.core.vocabulary import PostTarget
from bot.errors import DeliveryFailed
from bot.settings import InstagramSettings

logger = logging.getLogger(__name__)

POLL_EVERY = 3.0  # seconds; Meta advises polling about once a minute for at most 5 minutes
POLLS = 60
TIMEOUT = aiohttp.ClientTimeout(total=30)
FAILED_STATUSES = {"ERROR": "container_error", "EXPIRED": "container_expired"}


class InstagramFeedPublisher:
    target = PostTarget.INSTAGRAM_FEED.value

    def __init__(
        self,
        http: aiohttp.ClientSession,
        settings: InstagramSettings,
        *,
        poll_every: float = POLL_EVERY,
        polls: int = POLLS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._base = f"{settings.graph_api_base_url}/{settings.graph_api_version}"
        self._account = settings.account_id
        self._headers = {"Authorization": f"Bearer {settings.access_token}"}
        self._poll_every, self._polls, self._sleep = poll_every, polls, sleep

    async def quota(self) -> tuple[int, int] | None:
        """(posts used in the last 24 h, posts allowed), as Meta says; None if unreadable."""
        data = await self._call(
            "GET",
            f"{self._account}/content_publishing_limit",
            params={"fields": "quota_usage,config"},
        )
        try:
            entry = data["data"][0]
            return int(entry["quota_usage"]), int(entry["config"]["quota_total"])
        except (KeyError, IndexError, TypeError, ValueError):
            return None

    async def readiness(self) -> str | None:
        try:
            usage = await self.quota()
        except DeliveryFailed:
            return "Instagram ne répond pas : la publication sera tentée à l'heure prévue."
        if usage is not None and usage[0] >= usage[1]:
            return f"Quota Instagram atteint : {usage[0]} publications sur {usage[1]} en 24 h."
        return None

    async def publish(self, post: Post) -> str:
        if post.image_url is None:
            raise DeliveryFailed("no_image")
        usage = await self.quota()
        if usage is not None and usage[0] >= usage[1]:
            raise DeliveryFailed("quota_reached")
        container = await self._call(
            "POST",
            f"{self._account}/media",
            json={"image_url": post.image_url, "caption": post.text},
        )
        container_id = str(container.get("id", ""))
        if not container_id:
            raise DeliveryFailed("container_error", "no id")
        for _ in range(self._polls):
            status = await self._call("GET", container_id, params={"fields": "status_code"})
            code = str(status.get("status_code", ""))
            if code == "FINISHED":
                break
            if code in FAILED_STATUSES:
                raise DeliveryFailed(FAILED_STATUSES[code])
            await self._sleep(self._poll_every)
        else:
            raise DeliveryFailed("container_timeout")
        published = await self._call(
            "POST", f"{self._account}/media_publish", json={"creation_id": container_id}
        )
        media_id = str(published.get("id", ""))
        if not media_id:
            raise DeliveryFailed("publish_error", "no id")
        return media_id

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            async with self._http.request(
                method,
                f"{self._base}/{path}",
                params=params,
                json=json,
                headers=self._headers,
                timeout=TIMEOUT,
            ) as response:
                body = await response.json(content_type=None)
                if response.status >= 300:
                    error = body.get("error", {}) if isinstance(body, dict) else {}
                    logger.warning(
                        "instagram publishing refused: HTTP %s, code %s",
                        response.status,
                        error.get("code"),
                    )
                    raise DeliveryFailed("platform_refused", f"HTTP {response.status}")
                return body if isinstance(body, dict) else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as failure:
            raise DeliveryFailed("platform_unreachable", type(failure).__name__) from failure

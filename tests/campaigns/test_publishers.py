"""Campaign posts on the Mission Locale's own channels (#11): the Instagram feed through Meta's
three steps (container, status until FINISHED, publish) with the quota read first and each
failure named; the Telegram channel as a photo with its caption, and a French word when the bot
is not an administrator; the sweep publishes each post once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot

from bot.channels.instagram.feed import InstagramFeedPublisher
from bot.channels.telegram.channel_post import TelegramChannelPublisher
from bot.core.delivery import DeliveryService
from bot.core.messages import Post
from bot.core.vocabulary import CampaignStatus
from bot.errors import DeliveryFailed
from bot.scheduling.campaign_sweep import CampaignService
from bot.settings import SchedulingSettings, load_settings
from bot.storage import campaigns as store
from bot.storage.models import Campaign, Upload
from tests.booking.factories import make_site
from tests.conftest import FixedClock
from tests.fake_graph import FakeGraphState, fake_graph_app, instagram_env
from tests.fake_telegram import TOKEN, FakeTelegramState, fake_telegram_app
from tests.paths import PROJECT_DIR

Sessions = async_sessionmaker[AsyncSession]
DAYTIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
POST = Post(text="Job-dating mardi #emploi", image=JPEG, image_url="https://ml.example/media/x.jpg")


@pytest.fixture
async def feed(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> AsyncIterator[tuple[InstagramFeedPublisher, FakeGraphState]]:
    graph = FakeGraphState()
    url = str((await aiohttp_server(fake_graph_app(graph))).make_url("")).rstrip("/")
    settings = load_settings(
        {"DATABASE_URL": "sqlite+aiosqlite:///:memory:", **instagram_env(url)},
        project_dir=PROJECT_DIR,
    )
    assert settings.instagram is not None

    async def no_wait(_: float) -> None:
        return None

    async with aiohttp.ClientSession() as http:
        yield InstagramFeedPublisher(http, settings.instagram, sleep=no_wait, polls=5), graph


async def test_the_feed_post_goes_through_its_three_steps(
    feed: tuple[InstagramFeedPublisher, FakeGraphState],
) -> None:
    publisher, graph = feed
    graph.container_statuses = ["IN_PROGRESS", "IN_PROGRESS"]

    media_id = await publisher.publish(POST)

    assert media_id.startswith("media_")
    assert graph.published == [
        {"image_url": "https://ml.example/media/x.jpg", "caption": "Job-dating mardi #emploi"}
    ]


@pytest.mark.parametrize(
    ("statuses", "quota", "reason"),
    [
        (["ERROR"], (0, 100), "container_error"),
        (["EXPIRED"], (0, 100), "container_expired"),
        (["IN_PROGRESS"] * 10, (0, 100), "container_timeout"),
        ([], (100, 100), "quota_reached"),
    ],
)
async def test_each_failure_is_named_and_nothing_is_published(
    feed: tuple[InstagramFeedPublisher, FakeGraphState],
    statuses: list[str],
    quota: tuple[int, int],
    reason: str,
) -> None:
    publisher, graph = feed
    graph.container_statuses, graph.quota = statuses, quota

    with pytest.raises(DeliveryFailed) as failure:
        await publisher.publish(POST)

    assert failure.value.reason == reason
    assert graph.published == []


async def test_the_telegram_channel_post_and_the_admin_check(
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    telegram = FakeTelegramState()
    url = str((await aiohttp_server(fake_telegram_app(telegram))).make_url("/bot"))
    bot = Bot(TOKEN, base_url=url)
    await bot.initialize()
    publisher = TelegramChannelPublisher(bot, "-1001234567890")

    posted = await publisher.publish(
        Post(text="Job-dating", image=JPEG, links=(("Écrire à l'assistant", "https://t.me/x"),))
    )
    admin = await publisher.readiness()
    telegram.channel_member_status = "member"
    member = await publisher.readiness()
    await bot.shutdown()

    [photo] = telegram.of("sendPhoto")
    assert photo.params["caption"] == "Job-dating"
    assert posted
    assert admin is None
    assert member is not None
    assert "administrateur" in member


class FakePublisher:
    target = "telegram_channel"

    def __init__(self) -> None:
        self.posts: list[Post] = []

    async def publish(self, post: Post) -> str:
        self.posts.append(post)
        return f"p{len(self.posts)}"

    async def readiness(self) -> str | None:
        return None


async def test_the_sweep_publishes_each_post_once_with_a_link_to_the_chat(
    sessions: Sessions,
) -> None:
    clock = FixedClock(DAYTIME)
    async with sessions() as session, session.begin():
        await make_site(session, DAYTIME)
        image = Upload(token="t" * 43, content_type="image/jpeg", size=len(JPEG), data=JPEG,
                       created_at=DAYTIME)  # fmt: skip
        session.add(image)
        await session.flush()
        campaign = await store.create(
            session,
            values={
                "title": "JD",
                "text": "Job-dating mardi",
                "image_id": image.id,
                "buttons": [],
                "targets": ["telegram_channel", "instagram_feed"],
                "audience": {},
                "send_at": DAYTIME,
            },
            status=CampaignStatus.SCHEDULED,
            account_id=None,  # type: ignore[arg-type]
            now=DAYTIME,
        )
    channel = FakePublisher()
    service = CampaignService(
        sessions, clock, DeliveryService(sessions, clock, {}), SchedulingSettings(),
        public_url="https://ml.example", chat_link=lambda code: f"https://t.me/mlbot?start={code}",
    )  # fmt: skip
    service.add_publisher(channel)

    await service.sweep(budget=5)
    await service.sweep(budget=5)

    [post] = channel.posts
    assert post.image == JPEG
    assert post.image_url == "https://ml.example/media/" + "t" * 43 + ".jpg"
    assert post.links == (("Écrire à l'assistant", f"https://t.me/mlbot?start=camp-{campaign.id}"),)
    async with sessions() as session:
        posts = {p.target: (p.state, p.reason) for p in await store.posts_of(session, campaign.id)}
        status = (await session.get_one(Campaign, campaign.id)).status
    assert posts == {
        "telegram_channel": ("published", None),
        "instagram_feed": ("failed", "not_configured"),  # no Instagram here: said, not hidden
    }
    assert status == CampaignStatus.DONE

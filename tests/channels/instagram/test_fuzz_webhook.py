"""Instagram webhook under generated hostile input: never a 5xx; a refusal stores nothing; a
signed batch with garbage inside is handled without an error (Meta does not resend after a
200); the subscription check echoes the challenge only for the right token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from bot.channels.instagram import PATH
from bot.channels.instagram.signature import HEADER, sign
from bot.settings import Settings
from bot.storage.demo import DEMO_SOURCES
from tests.channels.instagram.conftest import ALICE, BOB, Client, settle
from tests.fake_graph import (
    ACCOUNT_ID,
    APP_SECRET,
    VERIFY_TOKEN,
    attachment_event,
    echo_event,
    instagram_env,
    notification,
    postback_event,
    quick_reply_event,
    reaction_event,
    read_event,
    referral_event,
    text_event,
)
from tests.fuzz_http import exchange, explore, forget_received_events, fuzz_settings, row_counts
from tests.fuzz_requests import content_types, header_bytes, query_strings
from tests.fuzzing import hostile_text, json_bodies, numbers, tricky_text
from tests.raw_http import Request

senders = st.one_of(
    st.sampled_from([ALICE, BOB, ACCOUNT_ID]), st.from_regex(r"[0-9]{1,20}", fullmatch=True)
)
mids = st.from_regex(r"mid\.[A-Za-z0-9]{1,200}", fullmatch=True)
texts = st.one_of(
    st.sampled_from(["salut", "rdv", "c'est quoi le CEJ"]), tricky_text(), hostile_text()
)
payloads = st.one_of(
    st.sampled_from(["/affirm", "/greet", "~1.0"]),
    st.builds("~{}.{}".format, numbers(10**18 - 1), st.integers(0, 99)),
    tricky_text(),
    hostile_text(),
)
refs = st.one_of(
    st.sampled_from([code for code, _, _ in DEMO_SOURCES]), tricky_text(), hostile_text()
)
kinds = st.sampled_from(["image", "video", "audio", "file", "share", "story_mention", "new"])
field_values = st.one_of(senders, mids, texts, st.sampled_from(["instagram", "page"]))


def events() -> SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(text_event, senders, mids, texts),
        st.builds(quick_reply_event, senders, mids, payloads),
        st.builds(postback_event, senders, mids, payloads, st.none() | refs),
        st.builds(attachment_event, senders, mids, kinds),
        st.builds(referral_event, senders, refs),
        st.builds(echo_event, senders, mids),
        st.builds(read_event, senders, mids),
        st.builds(reaction_event, senders, mids),
    )


@st.composite
def valid_batches(draw: DrawFn) -> dict[str, Any]:
    found = draw(st.lists(events(), min_size=1, max_size=4))
    return notification(*found, entries=draw(st.integers(1, len(found))))


@st.composite
def signatures(draw: DrawFn, body: bytes) -> bytes | None:
    """Meta's signature of exactly these bytes, usually; else a wrong one or none."""
    good = sign(APP_SECRET, body).encode()
    if draw(st.integers(0, 9)) < 8:
        return good
    wrong = st.sampled_from(
        [
            b"",
            b"sha256=",
            good.removeprefix(b"sha256="),
            good.upper(),
            good[:-1] + b"0",
            b" " + good + b" ",
            sign("another-app-secret", body).encode(),
            sign(APP_SECRET, body + b" ").encode(),
            good + b"\xff",
        ]
    )
    return draw(st.one_of(st.none(), wrong, header_bytes()))


@st.composite
def deliveries(draw: DrawFn) -> Request:
    body = draw(valid_batches().flatmap(lambda valid: json_bodies(valid, field_values)))
    headers = [
        (HEADER.encode(), draw(signatures(body))),
        (b"Content-Type", draw(content_types())),
    ]
    return Request("POST", PATH, headers, body)


def verifications() -> SearchStrategy[Request]:
    query = query_strings(
        {
            "hub.mode": st.sampled_from(["subscribe", "unsubscribe"]),
            "hub.verify_token": st.just(VERIFY_TOKEN),
            "hub.challenge": st.from_regex(r"[0-9]{1,12}", fullmatch=True),
        }
    )
    return query.map(lambda q: Request("GET", PATH + q))


@pytest.fixture
def fuzz_ig_settings(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],  # empties the database first
    fake_rasa_url: str,
    graph_url: str,
    tmp_path: Path,
) -> Settings:
    return fuzz_settings(database_url, fake_rasa_url, tmp_path, **instagram_env(graph_url))


async def test_a_delivery_never_fails_and_a_refused_one_stores_nothing(
    fuzz_ig_settings: Settings, make_client: Callable[[Settings], Awaitable[Client]]
) -> None:
    ig = await make_client(fuzz_ig_settings)

    async def processed() -> None:
        await settle(ig)

    async def check(request: Request) -> None:
        await forget_received_events(ig.app)
        before = await row_counts(ig.app)
        done = await exchange(ig, request, processed)

        done.never_5xx()
        done.nothing_logged()  # also while the batch was handled, after the 200
        if done.refused:
            done.unchanged(before, await row_counts(ig.app))

    await explore(deliveries(), check, max_examples=200)


async def test_the_subscription_check_never_fails_and_needs_the_token(
    fuzz_ig_settings: Settings, make_client: Callable[[Settings], Awaitable[Client]]
) -> None:
    ig = await make_client(fuzz_ig_settings)

    async def check(request: Request) -> None:
        before = await row_counts(ig.app)
        done = await exchange(ig, request)

        done.never_5xx()
        done.nothing_logged()
        done.unchanged(before, await row_counts(ig.app))
        if done.answer.status == 200:
            query = URL(request.target).query
            assert query.get("hub.mode") == "subscribe", done.report()
            assert query.get("hub.verify_token") == VERIFY_TOKEN, done.report()
            assert done.answer.body == query["hub.challenge"].encode(), done.report()

    await explore(verifications(), check, max_examples=80)

"""Web chat API under generated hostile input: never a 5xx, and a refusal stores nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from bot.storage.demo import DEMO_SOURCES
from tests.fake_rasa import FakeRasaState
from tests.fuzz_http import exchange, explore, row_counts
from tests.fuzz_requests import content_types, query_strings
from tests.fuzzing import json_bodies, numbers, tricky_text
from tests.raw_http import Client, Request, send

URL = "/webchat/api/messages"
KNOWN_USER = "fuzz-known-user-0123456789"

user_ids = st.one_of(st.just(KNOWN_USER), st.from_regex(r"[A-Za-z0-9_-]{22,40}", fullmatch=True))
payloads = st.one_of(
    st.sampled_from(["/affirm", "/deny", "/greet", "/request_human", "/restart"]), tricky_text()
)
texts = st.one_of(
    st.sampled_from(["salut", "je cherche un travail", "c'est quoi le CEJ ?", "rdv"]),
    st.text(min_size=1, max_size=60).filter(str.strip),
    tricky_text(),
)
sources = st.one_of(st.sampled_from([code for code, _, _ in DEMO_SOURCES]), tricky_text())
# Replacements worth trying in a body: what a field of another body would hold.
field_values = st.one_of(user_ids, payloads, texts, sources, st.just("a1b2c3d4e5f6"))


@st.composite
def valid_posts(draw: DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {"user_id": draw(user_ids)}
    if draw(st.booleans()):
        body["text"] = draw(texts)
    else:
        body["payload"] = draw(payloads)
    if draw(st.booleans()):
        body["client_message_id"] = draw(st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True))
    if draw(st.booleans()):
        body["source"] = draw(sources)
    return body


def posts() -> SearchStrategy[Request]:
    return st.builds(
        lambda body, content_type: Request("POST", URL, [(b"Content-Type", content_type)], body),
        valid_posts().flatmap(lambda valid: json_bodies(valid, field_values)),
        content_types(),
    )


def fetches() -> SearchStrategy[Request]:
    after = numbers(10**18 - 1).map(str)
    # Mostly the user who has messages: only their fetches reach the database (and a missing
    # `after` is the plain first fetch, tested in test_webchat.py).
    known = st.just(KNOWN_USER)
    query = query_strings(
        {"user_id": st.one_of(known, known, user_ids), "after": after},
        required=("user_id", "after"),
    )
    return query.map(lambda q: Request("GET", URL + q))


async def test_posting_never_fails_and_a_refused_post_stores_nothing(
    fuzz_client: Client, rasa_state: FakeRasaState
) -> None:
    async def check(request: Request) -> None:
        before, asked = await row_counts(fuzz_client.app), len(rasa_state.received)
        done = await exchange(fuzz_client, request)

        done.never_5xx()
        done.nothing_logged()
        done.refused_unless_json()
        if done.refused:
            done.json_error()
            done.unchanged(before, await row_counts(fuzz_client.app))
            done.unchanged(asked, len(rasa_state.received), "passed to Rasa")
        else:
            assert done.answer.status == 200, done.report()
            messages = done.answer.json()["messages"]
            assert messages, done.report()  # never an empty answer
            assert all(isinstance(m["text"], str) for m in messages), done.report()

    await explore(posts(), check, max_examples=220)


async def test_fetching_never_fails_and_stores_nothing(fuzz_client: Client) -> None:
    seeded = await send(
        fuzz_client,
        Request(
            "POST",
            URL,
            [(b"Content-Type", b"application/json")],
            b'{"user_id": "%s", "text": "salut"}' % KNOWN_USER.encode(),
        ),
    )
    assert seeded.status == 200

    async def check(request: Request) -> None:
        before = await row_counts(fuzz_client.app)
        done = await exchange(fuzz_client, request)

        done.never_5xx()
        done.nothing_logged()
        done.unchanged(before, await row_counts(fuzz_client.app))
        if done.refused:
            done.json_error()
        else:
            assert isinstance(done.answer.json()["messages"], list), done.report()

    await explore(fetches(), check, max_examples=120)

"""`POST /actions` under generated hostile calls: never a 5xx (an action that fails answers the
`action_failed` signal), and a refused call stores nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from bot.wiring import SETTINGS
from tests.fuzz_http import exchange, explore, row_counts
from tests.fuzz_requests import bearer, content_types
from tests.fuzzing import json_bodies
from tests.http.test_actions_endpoint import action_call
from tests.raw_http import Client, Request

ACTIONS = [
    "action_topic_answer",
    "action_distress",
    "action_not_understood",
    "action_delete_my_data",
    "action_unsubscribe",
    "action_appointment_cancel",
    "action_appointment_attending",
    "action_topic_answer",
    "action_request_human",
    "action_eligibility_start",
    "action_eligibility_outcome",
    "validate_eligibility_form",
    "action_booking_start",
    "validate_booking_form",
    "action_ask_booking_slot",
    "action_ask_booking_name",
    "action_ask_booking_phone",
    "action_booking_confirm",
    "action_nope",
]
SLOTS = st.sampled_from(
    ["requested_slot", "elig_age", "elig_activity", "booking_slot", "booking_name", "booking_phone"]
)
field_values = st.one_of(
    st.sampled_from(ACTIONS),
    st.dictionaries(SLOTS, st.one_of(st.none(), st.text(max_size=20), st.integers()), max_size=3),
    st.fixed_dictionaries({"name": st.sampled_from(["eligibility_form", "booking_form"])}),
    st.lists(
        st.fixed_dictionaries(
            {
                "event": st.sampled_from(["slot", "user", "action", "bot", "active_loop"]),
                "name": st.one_of(SLOTS, st.sampled_from(ACTIONS)),
                "value": st.text(max_size=10),
            }
        ),
        max_size=3,
    ),
)


@st.composite
def valid_calls(draw: DrawFn) -> dict[str, Any]:
    call = action_call(draw(st.sampled_from(ACTIONS)))
    call["sender_id"] = call["tracker"]["sender_id"] = draw(st.sampled_from(["abc", "x" * 64]))
    return call


def calls(client: Client) -> SearchStrategy[Request]:
    return st.builds(
        lambda body, token, content_type: Request(
            "POST", "/actions", [(b"Authorization", token), (b"Content-Type", content_type)], body
        ),
        valid_calls().flatmap(lambda valid: json_bodies(valid, field_values)),
        bearer(client.app[SETTINGS].actions_token),
        content_types(),
    )


async def test_an_action_call_never_fails_and_a_refused_one_stores_nothing(
    fuzz_client: Client,
) -> None:
    async def check(request: Request) -> None:
        before = await row_counts(fuzz_client.app)
        done = await exchange(fuzz_client, request)

        done.never_5xx()
        # Not `nothing_logged`: a failing action is logged on purpose, and answered with the
        # signal that makes the bot apologise and offer a human.
        if done.refused:
            done.unchanged(before, await row_counts(fuzz_client.app))
        else:
            assert isinstance(done.answer.json(), dict | None), done.report()

    await explore(calls(fuzz_client), check, max_examples=200)

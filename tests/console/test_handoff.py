"""A conversation goes to the team and back, end to end through the web chat and the console
(#10): Rasa never asked while a person holds it, replies through the young person's channel,
private notes never sent, reassign, hand back (the young person is told, Rasa's form reset),
close; the handoff packet; forms as well as JSON; every refusal leaves nothing behind."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import select

from bot.console import accounts
from bot.core.messages import Author, ConversationState
from bot.core.vocabulary import HandoffReason, StaffRole
from bot.storage.models import Conversation, ConversationEvent, Message, StaffAccount
from bot.wiring import CLOCK, SESSIONS
from tests.console.test_inbox import PASSWORD, _signed_in
from tests.fake_rasa import FakeRasaState

Client = TestClient[Request, Application]
USER = "AbCdEfGhIjKlMnOpQrStUv_-12"
CHAT = "/webchat/api/messages"


async def _say(client: Client, text: str) -> Any:
    response = await client.post(CHAT, json={"user_id": USER, "text": text})
    assert response.status in (200, 201), await response.text()
    return await response.json()


async def _seen_by_young_person(client: Client) -> list[str]:
    response = await client.get(CHAT, params={"user_id": USER})
    return [m["text"] for m in (await response.json())["messages"]]


async def _conversation(client: Client) -> Conversation:
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        found = await session.scalar(select(Conversation).order_by(Conversation.id.desc()))
    assert found is not None
    return found


async def _rasa_down_hands_over(client: Client, rasa_state: FakeRasaState) -> int:
    await _say(client, "salut")
    rasa_state.down = True
    await _say(client, "c koi le cej")
    rasa_state.down = False
    conversation = await _conversation(client)
    assert conversation.state == ConversationState.WAITING_FOR_COUNSELLOR
    assert conversation.handoff_reason == HandoffReason.RASA_DOWN
    return conversation.id


async def test_the_whole_way_from_waiting_to_the_bot_again(
    client: Client, rasa_state: FakeRasaState
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia Benali", StaffRole.COUNSELLOR)
    conversation_id = await _rasa_down_hands_over(client, rasa_state)
    base = f"/console/api/conversations/{conversation_id}"

    waiting = await (
        await client.get("/console/api/conversations?filter=waiting", headers=samia)
    ).json()
    assert [c["id"] for c in waiting["conversations"]] == [conversation_id]
    assert waiting["conversations"][0]["handoff_reason"] == "rasa_down"  # « assistant en panne »
    assert waiting["waiting"] == 1

    assert (await client.post(f"{base}/take", headers=samia)).status == 200
    asked_before = len(rasa_state.received)
    await _say(client, "vous êtes là ?")
    assert len(rasa_state.received) == asked_before  # Rasa never asked while a person holds it
    listed = await (
        await client.get("/console/api/conversations?filter=mine", headers=samia)
    ).json()
    assert listed["conversations"][0]["unanswered"] >= 1

    sent = await client.post(f"{base}/messages", json={"text": "Oui, je suis là"}, headers=samia)
    noted = await client.post(f"{base}/notes", json={"text": "semble inquiet"}, headers=samia)
    assert (sent.status, noted.status) == (201, 201)
    seen = await _seen_by_young_person(client)
    assert "Oui, je suis là\n— Samia" in seen
    assert not any("inquiet" in text for text in seen)  # a private note is never sent

    detail = await (await client.get(base, headers=samia)).json()
    labels = [m["label"] for m in detail["messages"]]
    assert "prise en charge par Samia Benali" in labels
    assert "note privée de Samia Benali" in labels
    assert detail["packet"]["reason"] == "rasa_down"
    assert detail["packet"]["channel"] == "webchat"
    assert detail["packet"]["reply_window"]["open"] is True
    assert detail["conversation"]["assigned_to"] == "Samia Benali"

    released = await client.post(f"{base}/release", headers=samia)
    assert released.status == 200
    assert (await _conversation(client)).state == ConversationState.BOT
    assert any(
        "assistant automatique qui te répond" in t for t in await _seen_by_young_person(client)
    )
    [(sender, events)] = rasa_state.tracker_events  # the half-filled form is reset
    assert {"event": "active_loop", "name": None} in events
    replies = await _say(client, "et le pacea ?")
    assert any(m["text"] == "écho : et le pacea ?" for m in replies["messages"])  # bot again
    assert sender == rasa_state.received[-1]["sender"]


async def test_reassign_passes_the_conversation_and_closing_starts_a_new_one(
    client: Client, rasa_state: FakeRasaState
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    campaign = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    conversation_id = await _rasa_down_hands_over(client, rasa_state)
    base = f"/console/api/conversations/{conversation_id}"
    await client.post(f"{base}/take", headers=samia)
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        karim_id = await session.scalar(
            select(StaffAccount.id).where(StaffAccount.email == "karim@ml.fr")
        )
        campaign_id = await session.scalar(
            select(StaffAccount.id).where(StaffAccount.email == "com@ml.fr")
        )

    to_campaign = await client.post(
        f"{base}/reassign", json={"account_id": campaign_id}, headers=samia
    )
    by_stranger = await client.post(
        f"{base}/reassign", json={"account_id": karim_id}, headers=karim
    )
    given = await client.post(f"{base}/reassign", json={"account_id": karim_id}, headers=samia)
    samia_after = await client.post(f"{base}/messages", json={"text": "re"}, headers=samia)
    karim_after = await client.post(f"{base}/messages", json={"text": "Karim ici"}, headers=karim)
    assert (to_campaign.status, by_stranger.status, given.status) == (400, 409, 200)
    assert (samia_after.status, karim_after.status) == (409, 201)
    assert campaign  # signed in, but campaign staff can never hold a conversation

    assert (await client.post(f"{base}/close", headers=karim)).status == 200
    await _say(client, "re bonjour")
    newer = await _conversation(client)
    assert newer.id != conversation_id
    assert newer.state == ConversationState.BOT
    async with app[SESSIONS]() as session:
        kinds = list(
            await session.scalars(
                select(ConversationEvent.kind)
                .where(ConversationEvent.conversation_id == conversation_id)
                .order_by(ConversationEvent.id)
            )
        )
    assert kinds == ["taken", "reassigned", "closed"]


async def test_distress_puts_the_conversation_first_for_the_team(client: Client) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    await _say(client, "salut")
    await _say(client, "je dors dehors ce soir")

    waiting = await (
        await client.get("/console/api/conversations?filter=waiting", headers=samia)
    ).json()
    [row] = waiting["conversations"]
    assert row["urgent"] is True
    assert row["state"] == "bot"  # the bot keeps giving the numbers until someone takes it
    assert row["handoff_reason"] == "distress"
    assert "shelter" in row["urgent_reasons"]


async def test_forms_work_without_the_script_and_need_their_token(
    client: Client, rasa_state: FakeRasaState
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    conversation_id = await _rasa_down_hands_over(client, rasa_state)
    cookie = {"Cookie": samia["Cookie"]}
    base = f"/console/api/conversations/{conversation_id}"

    forged = await client.post(f"{base}/take", data={"csrf_token": "x"}, headers=cookie)
    taken = await client.post(
        f"{base}/take",
        data={"csrf_token": samia["X-CSRF-Token"]},
        headers=cookie,
        allow_redirects=False,
    )
    empty = await client.post(
        f"{base}/messages", data={"csrf_token": samia["X-CSRF-Token"], "text": " "}, headers=cookie
    )
    assert forged.status == 403
    assert taken.status == 303
    assert taken.headers["Location"] == f"/console/conversations/{conversation_id}"
    assert empty.status == 400
    assert "caractères" in await empty.text()
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        counsellor_messages = await session.scalar(
            select(Message.id).where(Message.author == Author.COUNSELLOR.value)
        )
    assert counsellor_messages is None  # the empty reply stored nothing


async def test_the_conversation_page_is_for_counsellors_and_escapes_what_young_people_write(
    client: Client, rasa_state: FakeRasaState
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    campaign = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    await _say(client, "salut")
    rasa_state.down = True
    await _say(client, "<script>alert(1)</script>")
    conversation_id = (await _conversation(client)).id
    url = f"/console/conversations/{conversation_id}"

    anonymous = await client.get(url, allow_redirects=False)
    refused = await client.get(url, headers={"Cookie": campaign["Cookie"]})
    shown = await client.get(url, headers={"Cookie": samia["Cookie"]})
    inbox = await client.get("/console/", headers={"Cookie": samia["Cookie"]})
    assert anonymous.status == 303
    assert anonymous.headers["Location"] == "/console/login"
    assert refused.status == 403
    html = await shown.text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "Résumé pour la reprise" in html
    assert "assistant en panne" in html
    assert "Prendre la conversation" in html
    assert "(1) Conversations" in await inbox.text()  # the title counts who waits
    assert "script-src 'self'" in shown.headers["Content-Security-Policy"]


async def test_a_disabled_account_cannot_act_any_more(
    client: Client, rasa_state: FakeRasaState
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    conversation_id = await _rasa_down_hands_over(client, rasa_state)
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session, session.begin():
        await accounts.disable(session, "samia@ml.fr", app[CLOCK].now())

    taken = await client.post(f"/console/api/conversations/{conversation_id}/take", headers=samia)
    assert taken.status == 401
    assert PASSWORD  # the account exists, only disabled

"""The console's inbox API (#10): what a counsellor sees and in which order, taking a
conversation atomically (« déjà prise par … »), roles and CSRF checked on the server."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from aiohttp.web import Application, Request
from sqlalchemy import select

from bot.console import accounts
from bot.core.messages import Author, ConversationState, Direction, MessageStatus
from bot.core.vocabulary import StaffRole
from bot.storage import conversations as store
from bot.storage.models import Conversation, Message
from bot.wiring import CLOCK, SESSIONS
from tests.booking.factories import make_counsellor, make_site

Client = TestClient[Request, Application]
PASSWORD = "une phrase de passe assez longue"


async def _signed_in(client: Client, email: str, name: str, role: StaffRole) -> dict[str, str]:
    """Headers of a signed-in account: its session cookie and CSRF token."""
    app = client.app
    assert app is not None
    now = app[CLOCK].now()
    async with app[SESSIONS]() as session, session.begin():
        counsellor_id = None
        if role is StaffRole.COUNSELLOR:
            site = await make_site(session, now)
            counsellor_id = (await make_counsellor(session, site, now, name=name)).id
        account = await accounts.create_account(
            session, email=email, name=name, role=role, password=PASSWORD, now=now,
            counsellor_id=counsellor_id,
        )  # fmt: skip
        opened = await accounts.open_session(session, account, now)
    return {"Cookie": f"console_session={opened.token}", "X-CSRF-Token": opened.csrf_token}


async def _conversation(
    client: Client, user: str, state: ConversationState, text: str, *, urgent: bool = False
) -> int:
    app = client.app
    assert app is not None
    now = app[CLOCK].now()
    async with app[SESSIONS]() as session, session.begin():
        identity = await store.get_or_create_identity(session, "webchat", user, now)
        conversation = await store.open_conversation(session, identity, now)
        await store.insert_messages(
            session,
            [
                store.message_row(
                    conversation_id=conversation.id,
                    direction=Direction.IN,
                    author=Author.YOUNG_PERSON,
                    status=MessageStatus.HELD,
                    now=now,
                    text=text,
                )
            ],
        )
        await store.set_conversation_state(session, conversation.id, state, now)
        if urgent:
            await store.flag_urgent(session, conversation, ["shelter"], now)
        return conversation.id


async def test_taking_is_atomic_and_the_second_counsellor_is_told_who_has_it(
    client: Client,
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    waiting = await _conversation(client, "u1", ConversationState.WAITING_FOR_COUNSELLOR, "allo")

    first = await client.post(f"/console/api/conversations/{waiting}/take", headers=samia)
    second = await client.post(f"/console/api/conversations/{waiting}/take", headers=karim)
    again = await client.post(f"/console/api/conversations/{waiting}/take", headers=samia)

    assert first.status == 200
    assert second.status == 409
    assert (await second.json())["error"]["message"] == "Déjà prise par Samia."
    assert again.status == 200  # taking one's own conversation again changes nothing
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        conversation = await session.get_one(Conversation, waiting)
    assert conversation.state == ConversationState.WITH_COUNSELLOR
    mine = await (await client.get("/console/api/conversations?filter=mine", headers=samia)).json()
    assert [(c["id"], c["assigned_to"]) for c in mine["conversations"]] == [(waiting, "Samia")]


async def test_urgent_first_then_waiting_oldest_first(client: Client) -> None:
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    app = client.app
    assert app is not None
    first = await _conversation(client, "u1", ConversationState.WAITING_FOR_COUNSELLOR, "bonjour")
    app[CLOCK].advance(minutes=5)  # type: ignore[attr-defined]
    second = await _conversation(client, "u2", ConversationState.WAITING_FOR_COUNSELLOR, "re")
    app[CLOCK].advance(minutes=5)  # type: ignore[attr-defined]
    urgent = await _conversation(
        client, "u3", ConversationState.WAITING_FOR_COUNSELLOR, "je dors dehors", urgent=True
    )
    with_bot = await _conversation(client, "u4", ConversationState.BOT, "c koi le cej")

    waiting = await (
        await client.get("/console/api/conversations?filter=waiting", headers=admin)
    ).json()
    everything = await (
        await client.get("/console/api/conversations?filter=all", headers=admin)
    ).json()

    assert [c["id"] for c in waiting["conversations"]] == [urgent, first, second]
    assert waiting["conversations"][0]["urgent"] is True
    assert waiting["conversations"][1]["preview"] == "bonjour"
    assert waiting["conversations"][1]["waiting_since"] is not None
    assert [c["id"] for c in everything["conversations"]] == [urgent, first, second, with_bot]


async def test_roles_and_csrf_are_checked_on_the_server(client: Client) -> None:
    campaign = await _signed_in(client, "com@ml.fr", "Com", StaffRole.CAMPAIGN)
    admin = await _signed_in(client, "chef@ml.fr", "Chef", StaffRole.ADMIN)
    waiting = await _conversation(client, "u1", ConversationState.WAITING_FOR_COUNSELLOR, "allo")
    no_csrf = {"Cookie": admin["Cookie"]}

    listed = await client.get("/console/api/conversations", headers=campaign)
    taken = await client.post(f"/console/api/conversations/{waiting}/take", headers=campaign)
    forged = await client.post(f"/console/api/conversations/{waiting}/take", headers=no_csrf)
    anonymous = await client.get("/console/api/conversations")
    unknown = await client.post("/console/api/conversations/99999/take", headers=admin)
    bad_filter = await client.get("/console/api/conversations?filter=x", headers=admin)

    assert (listed.status, taken.status, forged.status) == (403, 403, 403)
    assert anonymous.status == 401
    assert (unknown.status, bad_filter.status) == (404, 400)
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        conversation = await session.get_one(Conversation, waiting)
    assert conversation.state == ConversationState.WAITING_FOR_COUNSELLOR  # nothing changed


async def test_the_holder_replies_through_the_young_persons_channel_then_closes(
    client: Client,
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia Benali", StaffRole.COUNSELLOR)
    karim = await _signed_in(client, "karim@ml.fr", "Karim", StaffRole.COUNSELLOR)
    webchat = await _conversation(client, "u1", ConversationState.WAITING_FOR_COUNSELLOR, "allo")
    base = f"/console/api/conversations/{webchat}"

    before = await client.post(f"{base}/messages", json={"text": "Bonjour"}, headers=samia)
    await client.post(f"{base}/take", headers=samia)
    answered = await client.post(
        f"{base}/messages", json={"text": "Bonjour, je suis là"}, headers=samia
    )
    stranger = await client.post(f"{base}/messages", json={"text": "Moi aussi"}, headers=karim)
    empty = await client.post(f"{base}/messages", json={"text": "  "}, headers=samia)
    closed = await client.post(f"{base}/close", headers=samia)
    after = await client.post(f"{base}/messages", json={"text": "encore"}, headers=samia)

    assert before.status == 409  # take it first
    assert answered.status == 201
    assert (await answered.json())["delivery"] == "sent"  # the web chat fetches its messages
    assert (stranger.status, empty.status) == (409, 400)
    assert closed.status == 200
    assert after.status == 404
    app = client.app
    assert app is not None
    async with app[SESSIONS]() as session:
        replies = list(
            await session.scalars(select(Message).where(Message.author == Author.COUNSELLOR.value))
        )
        conversation = await session.get_one(Conversation, webchat)
    assert [m.text for m in replies] == ["Bonjour, je suis là\n— Samia"]
    assert replies[0].status == MessageStatus.SENT.value
    assert conversation.state == ConversationState.CLOSED
    listed = await (
        await client.get("/console/api/conversations?filter=closed", headers=samia)
    ).json()
    assert [c["id"] for c in listed["conversations"]] == [webchat]


async def test_a_reply_a_pushed_channel_cannot_deliver_is_reported_not_hidden(
    client: Client,
) -> None:
    samia = await _signed_in(client, "samia@ml.fr", "Samia", StaffRole.COUNSELLOR)
    app = client.app
    assert app is not None
    now = app[CLOCK].now()
    async with app[SESSIONS]() as session, session.begin():
        identity = await store.get_or_create_identity(session, "telegram", "42", now)
        conversation = await store.open_conversation(session, identity, now)
        await store.set_conversation_state(
            session, conversation.id, ConversationState.WAITING_FOR_COUNSELLOR, now
        )
    base = f"/console/api/conversations/{conversation.id}"
    await client.post(f"{base}/take", headers=samia)

    answered = await client.post(f"{base}/messages", json={"text": "Bonjour"}, headers=samia)

    # Telegram is off in this test app: the counsellor is told it did not go.
    assert (await answered.json())["delivery"] == "undelivered"

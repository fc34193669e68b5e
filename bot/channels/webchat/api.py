"""Web chat JSON API: validate strictly (nothing stored on bad input), then hand to the core."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.core.messages import IncomingMessage, OutgoingMessage
from bot.errors import FloodLimited
from bot.http.json_body import BodyRejected, parse_json, require_json_type
from bot.http.responses import json_error
from bot.storage import conversations as store
from bot.storage.conversations import to_outgoing
from bot.wiring import DIALOGUE, SESSIONS, TEXTS

CHANNEL = "webchat"
USER_ID = re.compile(r"[A-Za-z0-9_-]{22,128}")
MAX_TEXT = 2000
MAX_PAYLOAD = 500
MAX_BODY = 16 * 1024
PAGE_SIZE = 50
ALLOWED_FIELDS = frozenset({"user_id", "text", "payload", "client_message_id", "source"})
MAX_SOURCE = 64
CLIENT_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
ALLOWED_QUERY = frozenset({"user_id", "after"})
# A message id in `?after=`: ASCII digits only (str.isdigit() also accepts « ² » and « ① »).
AFTER = re.compile(r"[0-9]{1,18}")
STATIC_DIR = Path(__file__).with_name("static")


class InvalidRequest(Exception):
    def __init__(self, code: str, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class PostedMessage:
    user_id: str
    text: str | None
    payload: str | None
    client_message_id: str | None = None
    source: str | None = None


def external_id(user_id: str) -> str:
    """We keep only a hash of the page's token: a database leak cannot be replayed as a session."""
    return hashlib.sha256(user_id.encode()).hexdigest()


def _user_id(value: Any) -> str:
    if not isinstance(value, str) or not USER_ID.fullmatch(value):
        raise InvalidRequest("invalid_user_id")
    return value


def parse_post(body: bytes) -> PostedMessage:
    if len(body) > MAX_BODY:
        raise InvalidRequest("too_large", 413)
    try:
        data = parse_json(body)
    except BodyRejected as rejected:
        raise InvalidRequest(rejected.code, rejected.status) from None
    if not isinstance(data, dict):
        raise InvalidRequest("invalid_body")
    if set(data) - ALLOWED_FIELDS:
        raise InvalidRequest("unknown_field")
    user_id = _user_id(data.get("user_id"))
    client_id = data.get("client_message_id")
    if client_id is not None and (
        not isinstance(client_id, str) or not CLIENT_MESSAGE_ID.fullmatch(client_id)
    ):
        raise InvalidRequest("invalid_client_message_id")
    # An outreach code (?src= of the page): a wrong one is dropped, never an error for the user.
    raw_source = data.get("source")
    source = raw_source if isinstance(raw_source, str) and len(raw_source) <= MAX_SOURCE else None
    text, payload = data.get("text"), data.get("payload")
    if (text is None) == (payload is None):
        raise InvalidRequest("text_or_payload")
    if text is not None:
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest("empty_text")
        # The limit is on what is kept: spaces around a message that fits do not count.
        if len(text.strip()) > MAX_TEXT:
            raise InvalidRequest("text_too_long")
        return PostedMessage(user_id, text.strip(), None, client_id, source)
    if not isinstance(payload, str) or not payload.strip() or len(payload) > MAX_PAYLOAD:
        raise InvalidRequest("invalid_payload")
    return PostedMessage(user_id, None, payload.strip(), client_id, source)


def render(
    messages: list[OutgoingMessage] | tuple[OutgoingMessage, ...], *, erased: bool = False
) -> dict[str, Any]:
    """Messages as the page reads them; one not stored (id 0, an erasure's confirmation) has
    the id null, and `erased` tells the page to forget this device's conversation too."""
    return {
        **({"erased": True} if erased else {}),
        "messages": [
            {
                "id": m.id or None,
                "text": m.text,
                "buttons": [{"title": b.title, "payload": b.payload} for b in m.buttons],
            }
            for m in messages
        ],
    }


def _error(request: web.Request, error: InvalidRequest) -> web.Response:
    return json_error(error.status, error.code, request.app[TEXTS].webchat_error(error.code))


def _too_many(request: web.Request, code: str) -> web.Response:
    response = json_error(429, code, request.app[TEXTS].webchat_error(code))
    response.headers["Retry-After"] = "60"
    return response


async def post_message(request: web.Request) -> web.Response:
    try:
        require_json_type(request)
        posted = parse_post(await request.read())
    except BodyRejected as rejected:
        return _error(request, InvalidRequest(rejected.code, rejected.status))
    except InvalidRequest as error:
        return _error(request, error)
    try:
        result = await request.app[DIALOGUE].handle(
            IncomingMessage(
                channel=CHANNEL,
                external_user_id=external_id(posted.user_id),
                text=posted.text,
                payload=posted.payload,
                external_id=posted.client_message_id,
                source=posted.source,
                origin=request.remote,
            )
        )
    except FloodLimited:
        return _too_many(request, "too_many_new_contacts")
    if result.throttled:  # kept, not answered: the page says so and does not resend it
        return _too_many(request, "rate_limited")
    return web.json_response(render(result.replies, erased=result.erased))


async def get_messages(request: web.Request) -> web.Response:
    query = request.query
    try:
        if set(query) - ALLOWED_QUERY:
            raise InvalidRequest("unknown_field")
        user_id = _user_id(query.get("user_id"))
        after_raw = query.get("after", "0")
        if AFTER.fullmatch(after_raw) is None:
            raise InvalidRequest("invalid_after")
    except InvalidRequest as error:
        return _error(request, error)
    async with request.app[SESSIONS]() as session:
        identity = await store.find_identity(session, CHANNEL, external_id(user_id))
        if identity is None:
            return web.json_response({"messages": []})
        rows = await store.outgoing_after(session, identity.id, int(after_raw), PAGE_SIZE)
    return web.json_response(render([to_outgoing(m) for m in rows]))


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_post("/webchat/api/messages", post_message)
    app.router.add_get("/webchat/api/messages", get_messages)
    app.router.add_static("/static", STATIC_DIR)

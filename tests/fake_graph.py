"""A fake Meta Graph API (the Instagram Send API) recording every call; failures can be queued.

`POST /<version>/<account id>/messages` with a bearer token. It is stricter than Meta on
purpose: a text over 1000 bytes, more than 13 quick replies or a title over 20 characters
is refused (HTTP 400, code 100), so a test catches a reply Meta would truncate or refuse.
Also builds signed webhook notifications the way Meta sends them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.channels.instagram.signature import sign

ACCOUNT_ID = "17841400000000001"
ACCESS_TOKEN = "IGAA-test-access-token"
APP_SECRET = "instagram-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
VERSION = "v25.0"


@dataclass
class GraphCall:
    path: str
    authorization: str
    body: dict[str, Any]
    at: float


@dataclass
class FakeGraphState:
    calls: list[GraphCall] = field(default_factory=list)
    # Answers to the next calls instead of success: (HTTP status, JSON body, headers).
    failures: deque[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    # Content Publishing: the status_code answers a container goes through, then FINISHED;
    # posts used and allowed in 24 h; what was published (image_url, caption).
    container_statuses: list[str] = field(default_factory=lambda: ["IN_PROGRESS"])
    quota: tuple[int, int] = (0, 100)
    published: list[dict[str, str]] = field(default_factory=list)
    _containers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def fail_next(
        self,
        status: int,
        code: int = 2,
        subcode: int | None = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        error: dict[str, Any] = {"message": "fake failure", "type": "OAuthException", "code": code}
        if subcode is not None:
            error["error_subcode"] = subcode
        for _ in range(times):
            self.failures.append((status, {"error": error}, dict(headers or {})))

    def all_calls(self) -> list[GraphCall]:
        with self.lock:
            return list(self.calls)

    def sent(self) -> list[dict[str, Any]]:
        """The `message` objects accepted (answered 200), in order."""
        with self.lock:
            return [c.body["message"] for c in self.calls if c.body.get("_accepted")]

    def sent_to(self, recipient: str) -> list[dict[str, Any]]:
        with self.lock:
            return [
                c.body["message"]
                for c in self.calls
                if c.body.get("_accepted") and c.body["recipient"]["id"] == recipient
            ]


FAKE_GRAPH = web.AppKey("fake_graph", FakeGraphState)


def _refusal(message: dict[str, Any]) -> str | None:
    text = message.get("text")
    if not isinstance(text, str) or not text or len(text.encode()) > 1000:
        return "text missing or over 1000 bytes"
    quick_replies = message.get("quick_replies", [])
    if len(quick_replies) > 13:
        return "more than 13 quick replies"
    for reply in quick_replies:
        if reply.get("content_type") != "text" or not reply.get("payload"):
            return "bad quick reply"
        if not 0 < len(reply.get("title", "")) <= 20 or len(reply["payload"]) > 1000:
            return "quick reply title or payload too long"
    return None


async def _messages(request: web.Request) -> web.Response:
    state = request.app[FAKE_GRAPH]
    body = json.loads(await request.read())
    call = GraphCall(request.path, request.headers.get("Authorization", ""), body, time.monotonic())
    with state.lock:
        state.calls.append(call)
        failure = state.failures.popleft() if state.failures else None
    if request.match_info["version"] != VERSION or request.match_info["account"] != ACCOUNT_ID:
        return web.json_response({"error": {"message": "unknown path", "code": 803}}, status=404)
    if call.authorization != f"Bearer {ACCESS_TOKEN}":
        return web.json_response({"error": {"message": "bad token", "code": 190}}, status=401)
    if failure is not None:
        status, error, headers = failure
        return web.json_response(error, status=status, headers=headers)
    refusal = _refusal(body.get("message", {}))
    lane = (body.get("messaging_type"), body.get("tag"))
    if refusal is not None or lane not in (("RESPONSE", None), ("MESSAGE_TAG", "HUMAN_AGENT")):
        return web.json_response(
            {"error": {"message": refusal or "messaging_type", "code": 100}}, status=400
        )
    with state.lock:
        body["_accepted"] = True
    recipient = body["recipient"]["id"]
    return web.json_response({"recipient_id": recipient, "message_id": f"m_{next(state._ids)}"})


async def _create_container(request: web.Request) -> web.Response:
    state = request.app[FAKE_GRAPH]
    body = json.loads(await request.read())
    if not str(body.get("image_url", "")).startswith("http") or len(body.get("caption", "")) > 2200:
        return web.json_response({"error": {"message": "bad media", "code": 100}}, status=400)
    container_id = f"c_{next(state._ids)}"
    with state.lock:
        state._containers[container_id] = {"body": body, "statuses": list(state.container_statuses)}
    return web.json_response({"id": container_id})


async def _container_status(request: web.Request) -> web.Response:
    state = request.app[FAKE_GRAPH]
    container = state._containers.get(request.match_info["container"])
    if container is None:
        return web.json_response({"error": {"message": "unknown", "code": 100}}, status=404)
    code = container["statuses"].pop(0) if container["statuses"] else "FINISHED"
    return web.json_response({"status_code": code, "id": request.match_info["container"]})


async def _publish(request: web.Request) -> web.Response:
    state = request.app[FAKE_GRAPH]
    body = json.loads(await request.read())
    container = state._containers.pop(str(body.get("creation_id")), None)
    if container is None:
        return web.json_response({"error": {"message": "no container", "code": 100}}, status=400)
    with state.lock:
        state.published.append(container["body"])
    return web.json_response({"id": f"media_{next(state._ids)}"})


async def _publishing_limit(request: web.Request) -> web.Response:
    used, total = request.app[FAKE_GRAPH].quota
    return web.json_response(
        {"data": [{"quota_usage": used, "config": {"quota_total": total, "quota_duration": 86400}}]}
    )


def fake_graph_app(state: FakeGraphState) -> web.Application:
    app = web.Application()
    app[FAKE_GRAPH] = state
    app.router.add_post("/{version}/{account}/messages", _messages)
    app.router.add_post("/{version}/{account}/media", _create_container)
    app.router.add_post("/{version}/{account}/media_publish", _publish)
    app.router.add_get("/{version}/{account}/content_publishing_limit", _publishing_limit)
    app.router.add_get("/{version}/{container}", _container_status)
    return app


def instagram_env(graph_url: str) -> dict[str, str]:
    """The settings of the Instagram channel pointed at the fake."""
    return {
        "INSTAGRAM_APP_SECRET": APP_SECRET,
        "INSTAGRAM_VERIFY_TOKEN": VERIFY_TOKEN,
        "INSTAGRAM_ACCESS_TOKEN": ACCESS_TOKEN,
        "INSTAGRAM_ACCOUNT_ID": ACCOUNT_ID,
        "GRAPH_API_BASE_URL": graph_url,
        "GRAPH_API_VERSION": VERSION,
    }


# --- webhook notifications as Meta sends them ---------------------------------------------------


def notification(*events: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """A batch: the events spread over `entries` entries, in order."""
    per_entry = -(-len(events) // entries) if events else 0
    return {
        "object": "instagram",
        "entry": [
            {
                "id": ACCOUNT_ID,
                "time": 1764660000000 + n,
                "messaging": list(events[n * per_entry : (n + 1) * per_entry]),
            }
            for n in range(entries)
        ],
    }


def _event(sender: str, **fields: Any) -> dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": ACCOUNT_ID},
        "timestamp": 1764660000000,
        **fields,
    }


def text_event(sender: str, mid: str, text: str, **extra: Any) -> dict[str, Any]:
    return _event(sender, message={"mid": mid, "text": text, **extra})


def quick_reply_event(sender: str, mid: str, payload: str, title: str = "Oui") -> dict[str, Any]:
    return _event(sender, message={"mid": mid, "text": title, "quick_reply": {"payload": payload}})


def postback_event(
    sender: str, mid: str, payload: str, ref: str | None = None, title: str = "Bouton"
) -> dict[str, Any]:
    postback: dict[str, Any] = {"mid": mid, "title": title, "payload": payload}
    if ref is not None:
        postback["referral"] = {"ref": ref, "source": "SHORTLINKS", "type": "OPEN_THREAD"}
    return _event(sender, postback=postback)


def attachment_event(sender: str, mid: str, kind: str, **payload: Any) -> dict[str, Any]:
    attachment = {"type": kind, "payload": {"url": "https://lookaside.example/x", **payload}}
    return _event(sender, message={"mid": mid, "attachments": [attachment]})


def referral_event(sender: str, ref: str, timestamp: int = 1764660000000) -> dict[str, Any]:
    event = _event(sender, referral={"ref": ref, "source": "SHORTLINKS", "type": "OPEN_THREAD"})
    event["timestamp"] = timestamp
    return event


def echo_event(recipient: str, mid: str, text: str = "écho") -> dict[str, Any]:
    return {
        "sender": {"id": ACCOUNT_ID},
        "recipient": {"id": recipient},
        "timestamp": 1764660000000,
        "message": {"mid": mid, "text": text, "is_echo": True},
    }


def read_event(sender: str, mid: str) -> dict[str, Any]:
    return _event(sender, read={"mid": mid})


def reaction_event(sender: str, mid: str) -> dict[str, Any]:
    return _event(
        sender, reaction={"mid": mid, "action": "react", "reaction": "love", "emoji": "❤️"}
    )


def encoded(data: dict[str, Any]) -> bytes:
    """As Meta serialises: non-ASCII characters escaped (\\u00e9), compact separators."""
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode()


def signed_headers(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    return {"X-Hub-Signature-256": sign(secret, body), "Content-Type": "application/json"}

"""A fake Telegram Bot API server (what PTB calls through `base_url`), recording every call.

`POST /bot<token>/<method>` with PTB's form-encoded parameters; answers like Telegram, or with
the failures a test queues (a 429 with retry_after, a 403 for a bot blocked by the user).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 123456
TOKEN = f"{BOT_ID}:TEST-token-abcdefghijklmnopqrstuvwxyz"
USERNAME = "ml_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class FakeTelegramState:
    calls: list[Call] = field(default_factory=list)
    # Failures to answer to the next sendMessage calls: (HTTP status, Telegram error body).
    failures: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    updates: deque[dict[str, Any]] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What getChatMember says of the bot in the campaign channel.
    channel_member_status: str = "administrator"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    def of(self, method: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.method == method]

    def fail_next_send(self, status: int, description: str, retry_after: int | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.failures.append((status, body))


FAKE_TELEGRAM = web.AppKey("fake_telegram", FakeTelegramState)


def _decoded(value: str) -> Any:
    """PTB sends complex values (reply_markup, allowed_updates) as JSON strings."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


async def _method(request: web.Request) -> web.Response:
    state = request.app[FAKE_TELEGRAM]
    if request.match_info["token"] != TOKEN:
        return web.json_response(
            {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
        )
    method = request.match_info["method"]
    form = await request.post()
    params = {key: _decoded(str(value)) for key, value in form.items()}
    with state.lock:
        state.calls.append(Call(method, params, time.monotonic()))
    if method == "getMe":
        result: Any = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Mission Locale",
            "username": USERNAME,
        }
    elif method == "sendMessage":
        if state.failures:
            status, body = state.failures.popleft()
            return web.json_response(body, status=status)
        result = {
            "message_id": next(state._ids),
            "date": int(time.time()),
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "Mission Locale"},
            "text": params["text"],
        }
    elif method == "sendPhoto":
        result = {
            "message_id": next(state._ids),
            "date": int(time.time()),
            "chat": {"id": -1001234567890, "type": "channel", "title": "ML"},
            "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}],
        }
    elif method == "getChatMember":
        result = {
            "status": state.channel_member_status,
            "user": {"id": BOT_ID, "is_bot": True, "first_name": "Mission Locale"},
            "can_post_messages": True,
            "can_be_edited": False,
            "can_manage_chat": True,
            "can_change_info": True,
            "can_delete_messages": True,
            "can_invite_users": True,
            "can_restrict_members": True,
            "can_promote_members": False,
            "can_pin_messages": True,
            "is_anonymous": False,
            "can_manage_video_chats": True,
            "can_post_stories": True,
            "can_edit_stories": True,
            "can_delete_stories": True,
        }
    elif method == "getUpdates":
        result = [state.updates.popleft()] if state.updates else []
        if not result:
            await asyncio.sleep(0.05)  # a short long-poll
    else:  # setWebhook, deleteWebhook, answerCallbackQuery…
        result = True
    return web.json_response({"ok": True, "result": result})


def fake_telegram_app(state: FakeTelegramState) -> web.Application:
    app = web.Application()
    app[FAKE_TELEGRAM] = state
    app.router.add_post("/bot{token}/{method}", _method)
    return app


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1764660000,
            "chat": {"id": chat_id, "type": "private", "first_name": "A"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
            "text": text,
        },
    }


def button_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cbq{update_id}",
            "chat_instance": "-42",
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
            "message": {
                "message_id": 7,
                "date": 1764660000,
                "chat": {"id": chat_id, "type": "private"},
                "text": "…",
            },
            "data": data,
        },
    }


def message_update(update_id: int, chat_id: int, **content: Any) -> dict[str, Any]:
    """A message with other content than text (sticker, photo, voice, location…)."""
    update = text_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"].update(content)
    return update

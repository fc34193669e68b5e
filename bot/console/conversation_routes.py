"""The inbox and the conversation view (#10): server-rendered pages and the JSON API under them.

Every change (take, reply, note, reassign, hand back, close) is one route that reads a form
(field `csrf_token`, answered with a redirect to the page) or JSON (header `X-CSRF-Token`,
answered with JSON): the page works without its script, and its script uses the same routes.
The core does the change (bot/core/handoff.py); here: checks, one transaction, then the live
event, the delivery of what was posted, and for a hand-back the reset of Rasa's form.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console import conversation as view
from bot.console import inbox
from bot.console.pages import (
    CONVERSATION_ROLES,
    ROLE_LABELS,
    Change,
    current,
    id_in_path,
    page,
    page_member,
    read_change,
    site_zone,
    staff_member,
)
from bot.core import handoff, posting
from bot.core.live import LiveEvent
from bot.core.vocabulary import AuditAction, StaffRole
from bot.errors import (
    AlreadyTaken,
    CannotSend,
    ConsoleError,
    NotHeld,
    UnknownColleague,
)
from bot.http.responses import json_error
from bot.storage import audit
from bot.storage import inbox as inbox_store
from bot.storage.models import CannedReply, Site, StaffAccount
from bot.wiring import ANNOUNCER, CLOCK, DELIVERY, RASA, SESSIONS, SETTINGS, TEXTS, TRACKER

logger = logging.getLogger(__name__)


def _filter_and_site(request: web.Request) -> tuple[inbox.InboxFilter, int | None] | None:
    try:
        which = inbox.InboxFilter(request.query.get("filter", inbox.InboxFilter.ALL))
    except ValueError:
        return None
    raw_site = request.query.get("site", "")
    if raw_site and not raw_site.isdigit():
        return None
    return which, int(raw_site) if raw_site else None


async def inbox_page(request: web.Request) -> web.Response:
    signed_in = await current(request)
    if signed_in is None:
        raise web.HTTPSeeOther("/console/login")
    role = StaffRole(signed_in.account.role)
    if role not in CONVERSATION_ROLES:  # campaign staff never see transcripts
        return page(
            "home.html",
            name=signed_in.account.name,
            role_label=ROLE_LABELS[role],
            csrf_token=signed_in.csrf_token,
        )
    asked = _filter_and_site(request) or (inbox.InboxFilter.ALL, None)
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        rows = await inbox.conversations_for(session, signed_in.account, *asked)
        waiting = await inbox_store.waiting_count(session)
        sites = (await session.scalars(select(Site).order_by(Site.name))).all()
        zone = await site_zone(session)
    return page(
        "inbox.html",
        account=signed_in.account,
        admin=role is StaffRole.ADMIN,
        csrf_token=signed_in.csrf_token,
        rows=[inbox.RowView(row, now) for row in rows],
        waiting=waiting,
        filters=inbox.FILTER_LABELS,
        current_filter=asked[0],
        sites=sites,
        current_site=asked[1],
        zone=zone,
    )


async def list_conversations(request: web.Request) -> web.Response:
    signed_in = await staff_member(request, CONVERSATION_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    asked = _filter_and_site(request)
    if asked is None:
        return json_error(
            400,
            "unknown_filter",
            "filter : waiting, mine, unassigned, all ou closed ; site : un n°.",
        )
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        rows = await inbox.conversations_for(session, signed_in.account, *asked)
        waiting = await inbox_store.waiting_count(session)
    return web.json_response(
        {
            "conversations": [inbox.RowView(row, now).json() for row in rows],
            "waiting": waiting,
        },
        headers={"Cache-Control": "no-store"},
    )


async def _view(
    request: web.Request, conversation_id: int, account: StaffAccount
) -> view.ConversationView | None:
    """The conversation as staff see it; its opening is written to the audit log (once per
    visit: the page reloads itself at each new message)."""
    async with request.app[SESSIONS]() as session:
        found = await view.conversation_view(
            session,
            conversation_id,
            request.app[CLOCK].now(),
            request.app[TRACKER],
            human_agent=_human_agent(request),
        )
    if found is not None:
        async with request.app[SESSIONS]() as session, session.begin():
            await audit.record_view(
                session,
                at=request.app[CLOCK].now(),
                account=account,
                contact_id=found.header.contact_id,
                conversation_id=conversation_id,
            )
    return found


def _human_agent(request: web.Request) -> bool:
    instagram = request.app[SETTINGS].instagram
    return instagram is not None and instagram.human_agent


async def conversation_json(request: web.Request) -> web.Response:
    signed_in = await staff_member(request, CONVERSATION_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    conversation_id = id_in_path(request)
    found = (
        None
        if conversation_id is None
        else await _view(request, conversation_id, signed_in.account)
    )
    if found is None:
        return json_error(404, "not_found", "Conversation introuvable.")
    logger.info("conversation %s viewed by staff account %s", conversation_id, signed_in.account.id)
    return web.json_response(found.json(), headers={"Cache-Control": "no-store"})


async def conversation_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, CONVERSATION_ROLES)
    conversation_id = id_in_path(request)
    found = (
        None
        if conversation_id is None
        else await _view(request, conversation_id, signed_in.account)
    )
    if found is None:
        raise web.HTTPNotFound(text="Conversation introuvable.", content_type="text/plain")
    async with request.app[SESSIONS]() as session:
        canned = (await session.scalars(select(CannedReply).order_by(CannedReply.shortcut))).all()
        colleagues = (
            await session.scalars(
                select(StaffAccount)
                .where(
                    StaffAccount.active.is_(True),
                    StaffAccount.role.in_([r.value for r in CONVERSATION_ROLES]),
                    StaffAccount.id != signed_in.account.id,
                )
                .order_by(StaffAccount.name)
            )
        ).all()
        zone = await site_zone(session)
    logger.info("conversation %s viewed by staff account %s", conversation_id, signed_in.account.id)
    mine = found.header.holder_id == signed_in.account.id
    admin = signed_in.account.role == StaffRole.ADMIN
    return page(
        "conversation.html",
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        c=found,
        packet=found.packet(),
        lines=found.messages(),
        mine=mine,
        can_act=mine or (admin and found.header.holder_id),
        can_see_person=mine or admin,  # the same rule as bot/console/rights_routes.py
        canned=canned,
        colleagues=colleagues,
        max_reply=handoff.MAX_REPLY,
        zone=zone,
    )


def _refusal(error: ConsoleError) -> tuple[int, str, str]:
    """A console error as its HTTP status, code and French message."""
    if isinstance(error, AlreadyTaken):
        return 409, "already_taken", f"Déjà prise par {error.holder}."
    if isinstance(error, NotHeld):
        return 409, "not_held", "Prends d'abord la conversation."
    if isinstance(error, CannotSend):
        return 409, "cannot_send", error.why
    if isinstance(error, UnknownColleague):
        return 400, "unknown_colleague", "Choisis un conseiller ou une conseillère actif."
    return 404, "not_found", "Conversation introuvable ou close."


def _answer(change: Change, status: int, code: str, message: str) -> web.Response:
    if change.form:
        return page("refused.html", status, message=message)
    return json_error(status, code, message)


Action = Callable[[AsyncSession, int, StaffAccount, Change, datetime], Awaitable["Done"]]


class Done:
    """What an action did: its event, a message to deliver, a form to reset, its answer."""

    def __init__(
        self,
        event: LiveEvent,
        status: int = 200,
        posted: handoff.Posted | None = None,
        reset_sender: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        self.event, self.status, self.posted = event, status, posted
        self.reset_sender, self.body = reset_sender, body or {}


def _checked_text(change: Change, limit: int) -> str | web.Response:
    text = change.text("text")
    if not text or len(text) > limit:
        return _answer(change, 400, "invalid_text", f"Le texte doit faire 1 à {limit} caractères.")
    return text


async def _perform(
    request: web.Request, action: Action, audited: AuditAction, *, text_limit: int = 0
) -> web.Response:
    change = await read_change(request, CONVERSATION_ROLES)
    if isinstance(change, web.Response):
        return change
    conversation_id = id_in_path(request)
    if conversation_id is None:
        return _answer(change, 404, "not_found", "Conversation introuvable.")
    if text_limit:
        checked = _checked_text(change, text_limit)
        if isinstance(checked, web.Response):
            return checked
    account = change.signed_in.account
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            now = request.app[CLOCK].now()
            done = await action(session, conversation_id, account, change, now)
            await audit.record_for_conversation(
                session, at=now, action=audited, account=account, conversation_id=conversation_id
            )
    except ConsoleError as error:
        return _answer(change, *_refusal(error))
    await request.app[ANNOUNCER].announce(done.event)
    body: dict[str, Any] = {"id": conversation_id, "state": done.event.state, **done.body}
    if done.posted is not None:
        body["message_id"] = done.posted.message.id
        body["delivery"] = await _deliver(request, done.posted)
    if done.reset_sender is not None:
        await request.app[RASA].reset_form(done.reset_sender)
    logger.info(
        "conversation %s: %s by staff account %s",
        conversation_id,
        request.match_info.get("action", request.path.rsplit("/", 1)[-1]),
        account.id,
    )
    if change.form:
        raise web.HTTPSeeOther(f"/console/conversations/{conversation_id}")
    return web.json_response(body, status=done.status)


async def _deliver(request: web.Request, posted: handoff.Posted) -> str:
    """Push channels get the message now (the web chat fetches it): sent or undelivered."""
    if posting.pulled(posted.channel):
        return "sent"
    report = await request.app[DELIVERY].deliver([posted.message])
    return "sent" if report.sent else "undelivered"


async def _take(
    session: AsyncSession, conversation_id: int, account: StaffAccount, _: Change, now: datetime
) -> Done:
    return Done(await handoff.take(session, conversation_id, account, now))


async def _close(
    session: AsyncSession, conversation_id: int, account: StaffAccount, _: Change, now: datetime
) -> Done:
    return Done(await handoff.close(session, conversation_id, account, now))


async def take_conversation(request: web.Request) -> web.Response:
    return await _perform(request, _take, AuditAction.TAKE)


async def close_conversation(request: web.Request) -> web.Response:
    return await _perform(request, _close, AuditAction.CLOSE)


async def send_message(request: web.Request) -> web.Response:
    human_agent = _human_agent(request)

    async def send(
        session: AsyncSession, conversation_id: int, account: StaffAccount, change: Change,
        now: datetime,
    ) -> Done:  # fmt: skip
        posted = await handoff.reply(
            session, conversation_id, account, change.text("text"), now, human_agent=human_agent
        )
        return Done(posted.event, 201, posted)

    return await _perform(request, send, AuditAction.REPLY, text_limit=handoff.MAX_REPLY)


async def add_note(request: web.Request) -> web.Response:
    async def write(
        session: AsyncSession, conversation_id: int, account: StaffAccount, change: Change,
        now: datetime,
    ) -> Done:  # fmt: skip
        return Done(
            await handoff.note(session, conversation_id, account, change.text("text"), now), 201
        )

    return await _perform(request, write, AuditAction.NOTE, text_limit=handoff.MAX_NOTE)


async def reassign_conversation(request: web.Request) -> web.Response:
    async def give(
        session: AsyncSession, conversation_id: int, account: StaffAccount, change: Change,
        now: datetime,
    ) -> Done:  # fmt: skip
        raw = str(change.fields.get("account_id", ""))
        if not raw.isdigit():
            raise UnknownColleague(raw)
        return Done(await handoff.reassign(session, conversation_id, account, int(raw), now))

    return await _perform(request, give, AuditAction.REASSIGN)


async def release_conversation(request: web.Request) -> web.Response:
    said = request.app[TEXTS].handed_back

    async def hand_back(
        session: AsyncSession, conversation_id: int, account: StaffAccount, _: Change,
        now: datetime,
    ) -> Done:  # fmt: skip
        posted = await handoff.release(session, conversation_id, account, said, now)
        sender = await inbox_store.sender_of(session, conversation_id)
        return Done(posted.event, 200, posted, reset_sender=sender)

    return await _perform(request, hand_back, AuditAction.RELEASE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/", inbox_page)
    app.router.add_get("/console/conversations/{id}", conversation_page)
    app.router.add_get("/console/api/conversations", list_conversations)
    app.router.add_get("/console/api/conversations/{id}", conversation_json)
    app.router.add_post("/console/api/conversations/{id}/take", take_conversation)
    app.router.add_post("/console/api/conversations/{id}/messages", send_message)
    app.router.add_post("/console/api/conversations/{id}/notes", add_note)
    app.router.add_post("/console/api/conversations/{id}/reassign", reassign_conversation)
    app.router.add_post("/console/api/conversations/{id}/release", release_conversation)
    app.router.add_post("/console/api/conversations/{id}/close", close_conversation)

"""The console's admin page (#10): staff accounts and canned replies, for the admin role only.

As for conversations, every change is one route that reads a form (field `csrf_token`, answered
with a redirect to the page) or JSON (header `X-CSRF-Token`, answered with JSON). Accounts are
created and disabled through bot/console/accounts.py (argon2 hashes, sessions ended at once);
each change is one transaction. Logs carry ids only, never a name or an address.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.console import accounts
from bot.console.pages import (
    ID,
    ROLE_LABELS,
    Change,
    id_in_path,
    page,
    page_member,
    read_change,
)
from bot.core.handoff import MAX_REPLY
from bot.core.vocabulary import AuditAction, StaffRole
from bot.errors import StaffAccountError
from bot.http.responses import json_error
from bot.storage import audit
from bot.storage import staff as store
from bot.storage.models import CannedReply, Counsellor, StaffAccount
from bot.wiring import CLOCK, SESSIONS

logger = logging.getLogger(__name__)

ADMIN_ROLES = (StaffRole.ADMIN,)
ADMIN_PAGE = "/console/admin"
SHORTCUT = re.compile(r"[a-z0-9_-]{1,32}")
MAX_CANNED = MAX_REPLY  # a canned reply is sent as a counsellor's reply: the same limit


async def admin_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, ADMIN_ROLES)
    async with request.app[SESSIONS]() as session:
        staff = await store.all_accounts(session)
        canned = (await session.scalars(select(CannedReply).order_by(CannedReply.shortcut))).all()
        counsellors = (
            await session.scalars(
                select(Counsellor)
                .where(Counsellor.active.is_(True))
                .order_by(Counsellor.display_name, Counsellor.id)
            )
        ).all()
    return page(
        "admin.html",
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        staff=staff,
        canned=canned,
        counsellors=counsellors,
        roles={role.value: label for role, label in ROLE_LABELS.items()},
        min_password=accounts.MIN_PASSWORD,
        max_password=accounts.MAX_PASSWORD,
        max_canned=MAX_CANNED,
    )


def _refused(change: Change, status: int, code: str, message: str) -> web.Response:
    if change.form:
        return page("refused.html", status, message=message)
    return json_error(status, code, message)


def _done(change: Change, status: int, body: dict[str, Any]) -> web.Response:
    if change.form:
        raise web.HTTPSeeOther(ADMIN_PAGE)
    return web.json_response(body, status=status)


def _optional_id(value: object) -> int | None:
    """A number sent by a form (text) or JSON (number); None when left empty; ValueError else."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
        return value
    if isinstance(value, str) and ID.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(value)


async def create_account(request: web.Request) -> web.Response:
    change = await read_change(request, ADMIN_ROLES)
    if isinstance(change, web.Response):
        return change
    try:
        role = StaffRole(change.text("role"))
    except ValueError:
        return _refused(
            change,
            400,
            "invalid_role",
            "Choisis un rôle : conseiller, campagnes ou administration.",
        )
    try:
        counsellor_id = _optional_id(change.fields.get("counsellor_id"))
    except ValueError:
        return _refused(
            change, 400, "invalid_counsellor", "Le n° de fiche conseiller doit être un nombre."
        )
    if role is StaffRole.COUNSELLOR and counsellor_id is None:
        # accounts.py words this one for the command line (--counsellor-id): said for the page.
        return _refused(
            change,
            400,
            "invalid_account",
            "Impossible : un compte conseiller se relie à sa fiche conseiller, choisis-la.",
        )
    raw_password = change.fields.get("password")
    password = raw_password if isinstance(raw_password, str) else ""  # never stripped
    email = change.text("email")
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            if await store.account_by_email(session, accounts.normalize_email(email)) is not None:
                return _refused(
                    change, 409, "duplicate_email", "Un compte existe déjà pour cette adresse."
                )
            created = await accounts.create_account(
                session,
                email=email,
                name=change.text("name"),
                role=role,
                password=password,
                now=request.app[CLOCK].now(),
                counsellor_id=counsellor_id,
            )
            await audit.record(
                session,
                at=request.app[CLOCK].now(),
                action=AuditAction.ACCOUNT_CREATE,
                account=change.signed_in.account,
                target=created,
            )
    except StaffAccountError as error:
        return _refused(change, 400, "invalid_account", f"Impossible : {error}.")
    logger.info(
        "staff account %s created by staff account %s", created.id, change.signed_in.account.id
    )
    return _done(
        change,
        201,
        {
            "id": created.id,
            "email": created.email,
            "name": created.name,
            "role": created.role,
            "counsellor_id": created.counsellor_id,
            "active": created.active,
        },
    )


async def disable_account(request: web.Request) -> web.Response:
    change = await read_change(request, ADMIN_ROLES)
    if isinstance(change, web.Response):
        return change
    account_id = id_in_path(request)
    if account_id is not None and account_id == change.signed_in.account.id:
        return _refused(change, 409, "own_account", "Tu ne peux pas désactiver ton propre compte.")
    async with request.app[SESSIONS]() as session, session.begin():
        target = None if account_id is None else await session.get(StaffAccount, account_id)
        if target is not None and target.active:
            # Also ends every open session of that account.
            await accounts.disable(session, target.email, request.app[CLOCK].now())
            await audit.record(
                session,
                at=request.app[CLOCK].now(),
                action=AuditAction.ACCOUNT_CHANGE,
                account=change.signed_in.account,
                target=target,
            )
    if target is None:
        return _refused(change, 404, "not_found", "Compte introuvable.")
    logger.info(
        "staff account %s disabled by staff account %s", target.id, change.signed_in.account.id
    )
    return _done(change, 200, {"id": target.id, "active": False})


async def create_canned(request: web.Request) -> web.Response:
    change = await read_change(request, ADMIN_ROLES)
    if isinstance(change, web.Response):
        return change
    shortcut = change.text("shortcut").lower().removeprefix("/")
    text = change.text("text")
    if not SHORTCUT.fullmatch(shortcut):
        return _refused(
            change,
            400,
            "invalid_shortcut",
            "Le raccourci doit faire 1 à 32 caractères : lettres minuscules sans accent, "
            "chiffres, - ou _.",
        )
    if not 1 <= len(text) <= MAX_CANNED:
        return _refused(
            change, 400, "invalid_text", f"Le texte doit faire 1 à {MAX_CANNED} caractères."
        )
    now = request.app[CLOCK].now()
    reply = CannedReply(shortcut=shortcut, text=text, created_at=now, updated_at=now)
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            session.add(reply)
            await session.flush()
    except IntegrityError:  # the shortcut is unique
        return _refused(change, 409, "duplicate_shortcut", f"Le raccourci /{shortcut} existe déjà.")
    logger.info(
        "canned reply %s created by staff account %s", reply.id, change.signed_in.account.id
    )
    return _done(change, 201, {"id": reply.id, "shortcut": reply.shortcut, "text": reply.text})


async def delete_canned(request: web.Request) -> web.Response:
    change = await read_change(request, ADMIN_ROLES)
    if isinstance(change, web.Response):
        return change
    reply_id = id_in_path(request)
    async with request.app[SESSIONS]() as session, session.begin():
        reply = None if reply_id is None else await session.get(CannedReply, reply_id)
        if reply is not None:
            await session.delete(reply)
    if reply is None:
        return _refused(change, 404, "not_found", "Réponse type introuvable.")
    logger.info(
        "canned reply %s deleted by staff account %s", reply_id, change.signed_in.account.id
    )
    return _done(change, 200, {"id": reply_id, "deleted": True})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/admin", admin_page)
    app.router.add_post("/console/admin/accounts", create_account)
    app.router.add_post("/console/admin/accounts/{id}/disable", disable_account)
    app.router.add_post("/console/admin/canned", create_canned)
    app.router.add_post("/console/admin/canned/{id}/delete", delete_canned)

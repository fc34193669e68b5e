"""A young person's rights from the console (#12): see and export everything stored about them
(a readable page and JSON), their consent history, and erase it all through the chat's own
erasure path (bot/core/erasure.py, Rasa's tracker included).

Who may: an admin for anyone; a counsellor for the young people whose conversation they hold;
campaign staff never. Every export, view and erasure is written to the audit log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.accounts import CurrentSession
from bot.console.conversation import ANSWER_LABELS, AUTHOR_LABELS
from bot.console.inbox import CHANNEL_LABELS
from bot.console.pages import (
    CONVERSATION_ROLES,
    DEFAULT_ZONE,
    Change,
    id_in_path,
    page,
    page_member,
    read_change,
    site_zone,
    staff_member,
)
from bot.core.erasure import erase_contact
from bot.core.live import LiveEvent, LiveKind
from bot.core.messages import ConversationState
from bot.core.vocabulary import (
    AppointmentKind,
    AuditAction,
    ConsentKind,
    ConversationEventKind,
    DeliveryState,
    StaffRole,
)
from bot.http.responses import json_error
from bot.storage import audit, export
from bot.storage.models import Contact, StaffAccount
from bot.wiring import ANNOUNCER, CLOCK, SESSIONS, TRACKER

logger = logging.getLogger(__name__)

CONSENT_LABELS = {
    ConsentKind.OPT_IN: "a accepté de recevoir les nouvelles",
    ConsentKind.OPT_OUT: "a demandé l'arrêt des nouvelles",
}
TEAM_LABELS = {
    ConversationEventKind.TAKEN: "prise en charge par l'équipe",
    ConversationEventKind.REASSIGNED: "confiée à un autre conseiller",
    ConversationEventKind.RELEASED: "rendue à l'assistant",
    ConversationEventKind.CLOSED: "close",
    ConversationEventKind.NOTE: "note de l'équipe",
}
KIND_LABELS = {
    AppointmentKind.ON_SITE: "sur place",
    AppointmentKind.PERMANENCE: "permanence",
    AppointmentKind.PHONE: "téléphone",
    AppointmentKind.VIDEO: "visio",
}
DELIVERY_LABELS = {
    DeliveryState.PENDING: "à envoyer",
    DeliveryState.QUEUED: "en cours d'envoi",
    DeliveryState.SENT: "envoyée",
    DeliveryState.FAILED: "non remise",
    DeliveryState.SKIPPED: "pas envoyée",
    DeliveryState.INTERRUPTED: "interrompue",
}
EXTRA_ANSWER_LABELS = {
    "orientation": "Piste estimée",
    "allowance_min": "Allocation estimée (min., €)",
    "allowance_max": "Allocation estimée (max., €)",
    "rules_applied_from": "Règles du",
    "updated_at": "Mis à jour",
    "completed_at": "Terminé",
}
ERASED_PAGE = "/console/contacts/erased"
YES = frozenset({"on", "yes", "oui", "true", "1"})
NOT_FOUND = "Jeune introuvable (ses données ont peut-être déjà été effacées)."
NOT_YOURS = "Seul le conseiller qui suit la conversation, ou un administrateur, peut faire ça."


async def _reach(session: AsyncSession, account: StaffAccount, contact_id: int) -> int:
    """200 when this account may see and erase this contact's data, else 404 or 403."""
    if await session.get(Contact, contact_id) is None:
        return 404
    if StaffRole(account.role) is StaffRole.ADMIN:
        return 200
    return 200 if await export.held_by(session, contact_id, account.id) else 403


def _refused_page(status: int) -> web.HTTPException:
    if status == 404:
        return web.HTTPNotFound(text=NOT_FOUND, content_type="text/plain")
    return web.HTTPForbidden(text=NOT_YOURS, content_type="text/plain")


def _refused_json(status: int) -> web.Response:
    if status == 404:
        return json_error(404, "not_found", NOT_FOUND)
    return json_error(403, "forbidden", NOT_YOURS)


async def _exported(
    request: web.Request, account: StaffAccount, contact_id: int, action: AuditAction
) -> tuple[int, dict[str, Any] | None, str]:
    """The export (or the refusal's status) and the site's time zone; the audit entry is
    written in the same transaction as the read."""
    async with request.app[SESSIONS]() as session, session.begin():
        status = await _reach(session, account, contact_id)
        if status != 200:
            return status, None, DEFAULT_ZONE
        data = await export.contact_export(session, contact_id)
        zone = await site_zone(session)
        if action is AuditAction.VIEW:
            await audit.record_view(
                session,
                at=request.app[CLOCK].now(),
                account=account,
                contact_id=contact_id,
                conversation_id=None,
            )
        else:
            await audit.record(
                session,
                at=request.app[CLOCK].now(),
                action=action,
                account=account,
                contact_id=contact_id,
            )
    return 200, data, zone


def _page_values(signed_in: CurrentSession, data: dict[str, Any], zone: str) -> dict[str, Any]:
    return {
        "account": signed_in.account,
        "csrf_token": signed_in.csrf_token,
        "d": data,
        "message_count": sum(len(c["messages"]) for c in data["conversations"]),
        "zone": zone,
        "channel_label": lambda channel: CHANNEL_LABELS.get(channel, channel),
        "consent_label": lambda kind: CONSENT_LABELS.get(kind, kind),
        "author_label": lambda author: AUTHOR_LABELS.get(author, author),
        "team_label": lambda kind: TEAM_LABELS.get(kind, kind),
        "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
        "delivery_label": lambda state: DELIVERY_LABELS.get(state, state),
        "answer_label": lambda key: ANSWER_LABELS.get(key) or EXTRA_ANSWER_LABELS.get(key, key),
    }


async def contact_page(request: web.Request) -> web.Response:
    """The person's page: channels, consent history, links to the export, the erase form."""
    return await _person_page(request, "contact.html", AuditAction.VIEW)


async def export_page(request: web.Request) -> web.Response:
    """Everything stored about the person, readable."""
    return await _person_page(request, "contact_export.html", AuditAction.EXPORT)


async def _person_page(request: web.Request, template: str, action: AuditAction) -> web.Response:
    signed_in = await page_member(request, CONVERSATION_ROLES)
    contact_id = id_in_path(request)
    if contact_id is None:
        raise _refused_page(404)
    status, data, zone = await _exported(request, signed_in.account, contact_id, action)
    if data is None:
        raise _refused_page(status)
    logger.info("contact %s: %s by staff account %s", contact_id, action, signed_in.account.id)
    return page(template, **_page_values(signed_in, data, zone))


async def export_json(request: web.Request) -> web.Response:
    """The export as JSON (`?download=1`: as a file to save)."""
    signed_in = await staff_member(request, CONVERSATION_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    contact_id = id_in_path(request)
    if contact_id is None:
        return _refused_json(404)
    status, data, _ = await _exported(request, signed_in.account, contact_id, AuditAction.EXPORT)
    if data is None:
        return _refused_json(status)
    logger.info("contact %s exported by staff account %s", contact_id, signed_in.account.id)
    headers = {"Cache-Control": "no-store"}
    if request.query.get("download") == "1":
        headers["Content-Disposition"] = f'attachment; filename="jeune-{contact_id}.json"'
    return web.json_response(data, headers=headers, dumps=_dumps)


def _dumps(value: object) -> str:
    """Indented, accents kept: the file is meant to be read by the young person too."""
    return json.dumps(value, ensure_ascii=False, indent=2)


def _confirmed(change: Change) -> bool:
    value = change.fields.get("confirm")
    return value is True or (isinstance(value, str) and value.strip().lower() in YES)


def _answer(change: Change, status: int, code: str, message: str) -> web.Response:
    if change.form:
        return page("refused.html", status, message=message)
    return json_error(status, code, message)


async def erase(request: web.Request) -> web.Response:
    """Erase the person everywhere, once confirmed (form field or JSON `confirm`)."""
    change = await read_change(request, CONVERSATION_ROLES)
    if isinstance(change, web.Response):
        return change
    account = change.signed_in.account
    contact_id = id_in_path(request)
    if contact_id is None:
        return _answer(change, 404, "not_found", NOT_FOUND)
    async with request.app[SESSIONS]() as session:
        status = await _reach(session, account, contact_id)
        conversation_ids = await export.conversations_of(session, contact_id)
    if status == 404:
        return _answer(change, 404, "not_found", NOT_FOUND)
    if status == 403:
        return _answer(change, 403, "forbidden", NOT_YOURS)
    if not _confirmed(change):
        return _answer(
            change,
            400,
            "confirm_required",
            'Confirme l\'effacement : coche la case (ou envoie {"confirm": true}).',
        )

    async def audited(session: AsyncSession) -> None:
        await audit.record(
            session,
            at=request.app[CLOCK].now(),
            action=AuditAction.ERASE,
            account=account,
            contact_id=contact_id,
        )

    try:
        erased = await erase_contact(
            request.app[SESSIONS], request.app[TRACKER], contact_id, also=audited
        )
    except (SQLAlchemyError, OSError) as error:
        logger.warning("contact %s: erasure failed (%s)", contact_id, type(error).__name__)
        return _answer(
            change, 503, "erase_failed", "Effacement impossible pour l'instant : réessaie."
        )
    if not erased:
        return _answer(change, 404, "not_found", NOT_FOUND)
    logger.info("contact %s erased by staff account %s", contact_id, account.id)
    for conversation_id in conversation_ids:  # open console pages drop them
        await request.app[ANNOUNCER].announce(
            LiveEvent(conversation_id, LiveKind.STATE, ConversationState.CLOSED.value)
        )
    if change.form:
        raise web.HTTPSeeOther(ERASED_PAGE)
    return web.json_response({"contact_id": contact_id, "erased": True})


async def erased_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, CONVERSATION_ROLES)
    return page("contact_erased.html", account=signed_in.account, csrf_token=signed_in.csrf_token)


def add_routes(app: web.Application) -> None:
    app.router.add_get(ERASED_PAGE, erased_page)  # before /{id}: a fixed path wins
    app.router.add_get("/console/contacts/{id}", contact_page)
    app.router.add_get("/console/contacts/{id}/export", export_page)
    app.router.add_get("/console/api/contacts/{id}/export", export_json)
    app.router.add_post("/console/api/contacts/{id}/erase", erase)

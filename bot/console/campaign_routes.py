"""Campaigns in the console (#11), for campaign staff and admins: the live audience count,
creating a campaign (checked against each platform's limits, the quiet hours and the audience
rules), listing and following them, pause, resume, cancel, approve. JSON under the pages, same
session and CSRF rules as the rest of the console."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Any

from aiohttp import BodyPartReader, web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.audience import AudienceRefused, parse_audience, shown_count
from bot.campaigns.composition import CompositionRefused, checked_send_at, parse_composition
from bot.channels.webchat.api import USER_ID
from bot.channels.webchat.api import external_id as webchat_external_id
from bot.console.pages import id_in_path, read_change, site_zone, staff_member
from bot.core import posting
from bot.core.messages import BotReply
from bot.core.reply_window import STANDARD_WINDOW
from bot.core.vocabulary import CampaignStatus, CampaignTarget, StaffRole
from bot.http.responses import json_error
from bot.rasa.payloads import payload
from bot.scheduling.campaign_sweep import (
    BUTTON_INTENTS,
    campaign_reply,
    dm_channels,
)
from bot.storage import campaigns as store
from bot.storage import conversations
from bot.storage.models import Campaign, Upload
from bot.storage.uploads import media_url
from bot.wiring import CAMPAIGNS, CLOCK, DELIVERY, SESSIONS, SETTINGS

logger = logging.getLogger(__name__)

CAMPAIGN_ROLES = (StaffRole.CAMPAIGN, StaffRole.ADMIN)
# What each action may change, from which statuses.
TRANSITIONS: dict[str, tuple[CampaignStatus, tuple[CampaignStatus, ...]]] = {
    "pause": (CampaignStatus.PAUSED, (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED)),
    "resume": (CampaignStatus.RUNNING, (CampaignStatus.PAUSED,)),
    "cancel": (
        CampaignStatus.CANCELLED,
        (
            CampaignStatus.AWAITING_APPROVAL,
            CampaignStatus.SCHEDULED,
            CampaignStatus.RUNNING,
            CampaignStatus.PAUSED,
        ),
    ),
    "approve": (CampaignStatus.SCHEDULED, (CampaignStatus.AWAITING_APPROVAL,)),
}
REFUSED_TRANSITION = {
    "pause": "Seule une campagne prévue ou en cours se met en pause.",
    "resume": "Seule une campagne en pause reprend.",
    "cancel": "Cette campagne est déjà finie ou annulée.",
    "approve": "Cette campagne n'attend pas de validation.",
}


async def audience_count(request: web.Request) -> web.Response:
    """POST {"audience": {...}, "targets": [...]} → how many young people it reaches now."""
    change = await read_change(request, CAMPAIGN_ROLES)
    if isinstance(change, web.Response):
        return change
    try:
        audience = parse_audience(change.fields.get("audience", {}))
    except AudienceRefused as refused:
        return json_error(400, "invalid_audience", str(refused))
    targets = change.fields.get("targets") or ["telegram_dm", "instagram_dm", "webchat"]
    named = [t for t in targets if isinstance(t, str)] if isinstance(targets, list) else []
    channels = dm_channels([t for t in named if t in {c.value for c in CampaignTarget}])
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        count = await store.count(session, audience.json(), channels, now)
        instagram = None
        if "instagram" in channels:
            everyone = await store.count(session, audience.json(), ["instagram"], now)
            reachable = await store.count_in_window(
                session, audience.json(), "instagram", now - STANDARD_WINDOW, now
            )
            instagram = {
                "reachable_now": shown_count(reachable),
                "outside_window": shown_count(everyone - reachable),
                "why": "Instagram ne permet d'écrire qu'aux jeunes qui ont écrit dans les "
                "dernières 24 h ; les autres seront ignorés à l'envoi.",
            }
    shown = shown_count(count)
    return web.json_response(
        {"count": count if shown == str(count) else None, "label": shown, "instagram": instagram},
        headers={"Cache-Control": "no-store"},
    )


class Refused(Exception):
    """A campaign the composer sent that breaks a rule; `message` is French."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


async def _checked(
    request: web.Request, session: AsyncSession, fields: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], list[str]]:
    """The campaign's columns from the composer's JSON, every rule checked; Refused (French)
    otherwise. Also the channels of its messages (for the audience count)."""
    image_id = fields.get("image_id")
    image = (
        await session.get(Upload, int(str(image_id)))
        if image_id is not None and str(image_id).isdigit()
        else None
    )
    if image_id is not None and image is None:
        raise Refused("invalid_image", "Image introuvable : envoie-la d'abord.")
    targets = fields.get("targets")
    if (
        image is not None
        and image.content_type != "image/jpeg"
        and isinstance(targets, list)
        and "instagram_feed" in targets
    ):
        raise Refused("invalid_image", "Instagram (fil) : l'image doit être en JPEG.")
    try:
        composition = parse_composition(fields, has_image=image is not None)
        audience = parse_audience(fields.get("audience", {}))
        send_at = checked_send_at(
            fields.get("send_at"),
            now,
            await site_zone(session),
            request.app[SETTINGS].scheduling.quiet_hours,
        )
    except (CompositionRefused, AudienceRefused) as refused:
        raise Refused("invalid_campaign", str(refused)) from None
    values = {
        "title": composition.title,
        "text": composition.text,
        "image_id": None if image is None else image.id,
        "buttons": [b.json() for b in composition.buttons],
        "targets": [t.value for t in composition.targets],
        "audience": audience.json(),
        "send_at": send_at,
    }
    return values, list(composition.dm_channels)


async def create_campaign(request: web.Request) -> web.Response:
    change = await read_change(request, CAMPAIGN_ROLES)
    if isinstance(change, web.Response):
        return change
    now = request.app[CLOCK].now()
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            values, channels = await _checked(request, session, dict(change.fields), now)
            status = (
                CampaignStatus.AWAITING_APPROVAL
                if request.app[SETTINGS].campaign_approval
                else CampaignStatus.SCHEDULED
            )
            campaign = await store.create(
                session,
                values=values,
                status=status,
                account_id=change.signed_in.account.id,
                now=now,
            )
            count = await store.count(session, values["audience"], channels, now)
    except Refused as refused:
        return json_error(400, refused.code, refused.message)
    logger.info("campaign %s created by staff account %s", campaign.id, change.signed_in.account.id)
    return web.json_response(
        {"id": campaign.id, "status": campaign.status, "audience_count": count}, status=201
    )


EDITABLE = (CampaignStatus.AWAITING_APPROVAL, CampaignStatus.SCHEDULED, CampaignStatus.PAUSED)


async def edit_campaign(request: web.Request) -> web.Response:
    """PUT the whole campaign again, until it starts (a change needs a new approval)."""
    change = await read_change(request, CAMPAIGN_ROLES)
    if isinstance(change, web.Response):
        return change
    campaign_id = id_in_path(request)
    now = request.app[CLOCK].now()
    try:
        async with request.app[SESSIONS]() as session, session.begin():
            campaign = None if campaign_id is None else await session.get(Campaign, campaign_id)
            if campaign is None:
                return json_error(404, "not_found", "Campagne introuvable.")
            if campaign.started_at is not None or campaign.status not in EDITABLE:
                return json_error(
                    409, "started", "Elle a déjà commencé : on ne peut plus la modifier."
                )
            values, channels = await _checked(request, session, dict(change.fields), now)
            for column, value in values.items():
                setattr(campaign, column, value)
            campaign.updated_at = now
            if request.app[SETTINGS].campaign_approval:
                campaign.status, campaign.approved_by = CampaignStatus.AWAITING_APPROVAL.value, None
            count = await store.count(session, values["audience"], channels, now)
    except Refused as refused:
        return json_error(400, refused.code, refused.message)
    logger.info("campaign %s edited by staff account %s", campaign_id, change.signed_in.account.id)
    return web.json_response(
        {"id": campaign_id, "status": campaign.status, "audience_count": count}
    )


def _small_hidden(count: int) -> int | None:
    return count if shown_count(count) == str(count) else None


async def _campaign_json(
    session: AsyncSession, campaign: Campaign, now: datetime, *, results: bool = False
) -> dict[str, Any]:
    counts = await store.counts(session, campaign.id)
    posts = await store.posts_of(session, campaign.id)
    return {
        "id": campaign.id,
        "title": campaign.title,
        "text": campaign.text,
        "targets": campaign.targets,
        "audience": campaign.audience,
        "buttons": campaign.buttons,
        "status": campaign.status,
        "paused_reason": campaign.paused_reason,
        "send_at": campaign.send_at.isoformat(),
        "started_at": None if campaign.started_at is None else campaign.started_at.isoformat(),
        "finished_at": None if campaign.finished_at is None else campaign.finished_at.isoformat(),
        "counts": counts,
        "failures": await store.failures(session, campaign.id),
        "posts": [
            {"target": p.target, "state": p.state, "reason": p.reason, "id": p.external_id}
            for p in posts
        ],
        "remaining": counts.get("pending", 0) + counts.get("queued", 0),
        "rate": await store.rate(session, campaign.id, now)
        if campaign.status == CampaignStatus.RUNNING
        else 0.0,
        **({"results": await _results(session, campaign)} if results else {}),
    }


async def _results(session: AsyncSession, campaign: Campaign) -> dict[str, dict[str, Any]]:
    """The funnel, counts only; what a few people did is shown as « moins de 5»."""
    tapped = [
        payload(BUTTON_INTENTS[b["kind"]])
        for b in campaign.buttons
        if b.get("kind") in BUTTON_INTENTS
    ]
    figures = await store.funnel(session, campaign.id, tapped)
    return {
        key: {
            "count": value if key == "delivered" else _small_hidden(value),
            "label": str(value) if key == "delivered" else shown_count(value),
        }
        for key, value in figures.items()
    }


async def list_campaigns(request: web.Request) -> web.Response:
    signed_in = await staff_member(request, CAMPAIGN_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    async with request.app[SESSIONS]() as session:
        now = request.app[CLOCK].now()
        found = [await _campaign_json(session, c, now) for c in await store.listed(session)]
    return web.json_response({"campaigns": found}, headers={"Cache-Control": "no-store"})


async def campaign_detail(request: web.Request) -> web.Response:
    signed_in = await staff_member(request, CAMPAIGN_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    campaign_id = id_in_path(request)
    async with request.app[SESSIONS]() as session:
        campaign = None if campaign_id is None else await session.get(Campaign, campaign_id)
        if campaign is None:
            return json_error(404, "not_found", "Campagne introuvable.")
        body = await _campaign_json(session, campaign, request.app[CLOCK].now(), results=True)
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def change_campaign(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in TRANSITIONS:
        return json_error(404, "not_found", "Action inconnue.")
    roles = (StaffRole.ADMIN,) if action == "approve" else CAMPAIGN_ROLES
    change = await read_change(request, roles)
    if isinstance(change, web.Response):
        return change
    campaign_id = id_in_path(request)
    to, allowed_from = TRANSITIONS[action]
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session, session.begin():
        campaign = None if campaign_id is None else await session.get(Campaign, campaign_id)
        if campaign is None:
            return json_error(404, "not_found", "Campagne introuvable.")
        if action == "resume" and campaign.started_at is None:
            to = CampaignStatus.SCHEDULED  # paused before it started: it waits for its time
        if not await store.set_status(
            session, campaign.id, now, to, allowed_from=allowed_from,
            paused_reason="staff" if to is CampaignStatus.PAUSED else None,
        ):  # fmt: skip
            return json_error(409, "refused", REFUSED_TRANSITION[action])
        if action == "approve":
            campaign.approved_by = change.signed_in.account.id
        if action == "cancel":
            await store.skip_pending(session, campaign.id, "cancelled", now)
    logger.info(
        "campaign %s: %s by staff account %s", campaign_id, action, change.signed_in.account.id
    )
    return web.json_response({"id": campaign_id, "status": to.value})


TEST_PREFIX = "🧪 Test — "


async def test_send(request: web.Request) -> web.Response:
    """Send the campaign's message to yourself: your own web chat (the composer reads its id
    from this browser) or your own Telegram chat with the bot. Not counted in the campaign."""
    change = await read_change(request, CAMPAIGN_ROLES)
    if isinstance(change, web.Response):
        return change
    campaign_id = id_in_path(request)
    channel = str(change.fields.get("channel", ""))
    if channel == "webchat":
        user_id = str(change.fields.get("user_id", ""))
        if not USER_ID.fullmatch(user_id):
            return json_error(
                400, "invalid_test", "Ouvre d'abord le chat du site dans ce navigateur."
            )
        external = webchat_external_id(user_id)
    elif channel == "telegram" and request.app[SETTINGS].telegram is not None:
        external = str(change.fields.get("chat_id", ""))
        if not re.fullmatch(r"[0-9]{1,20}", external):
            return json_error(
                400, "invalid_test", "Ton identifiant de discussion Telegram : des chiffres."
            )
    else:
        return json_error(400, "invalid_test", "Test possible sur le chat du site ou Telegram.")
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session, session.begin():
        campaign = None if campaign_id is None else await session.get(Campaign, campaign_id)
        if campaign is None:
            return json_error(404, "not_found", "Campagne introuvable.")
        reply = campaign_reply(campaign)
        identity = await conversations.get_or_create_identity(session, channel, external, now)
        written = await posting.post_to_identity(
            session, identity, BotReply(TEST_PREFIX + reply.text, reply.buttons), now
        )
    status = "sent"
    if not posting.pulled(channel):
        report = await request.app[DELIVERY].deliver([written])
        status = "sent" if report.sent else "undelivered"
    logger.info("campaign %s test-sent on %s", campaign_id, channel)
    return web.json_response({"status": status})


MAX_UPLOAD = 8 * 1024 * 1024  # Instagram's limit for a feed image
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def image_type(head: bytes) -> str | None:
    """PNG or JPEG by their signature (never the name or the browser's word for it)."""
    return next((kind for magic, kind in IMAGE_TYPES.items() if head.startswith(magic)), None)


async def upload_image(request: web.Request) -> web.Response:
    """POST multipart `file` (PNG or JPEG, 8 MB at most) → 201 {"id", "url"}: the public URL
    Instagram fetches it from, with an unguessable token."""
    signed_in = await staff_member(request, CAMPAIGN_ROLES, changes=True)
    if isinstance(signed_in, web.Response):
        return signed_in
    if request.content_length is not None and request.content_length > MAX_UPLOAD + 64 * 1024:
        return json_error(413, "too_large", "Image trop lourde : 8 Mo au plus.")
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError):
        return json_error(400, "invalid_upload", "Envoie l'image dans le champ « file ».")
    data = b""
    async for part in reader:
        if not isinstance(part, BodyPartReader) or part.name != "file":
            continue
        chunks, size = [], 0
        while chunk := await part.read_chunk(64 * 1024):
            size += len(chunk)
            if size > MAX_UPLOAD:
                return json_error(413, "too_large", "Image trop lourde : 8 Mo au plus.")
            chunks.append(chunk)
        data = b"".join(chunks)
        break
    kind = image_type(data[:8])
    if kind is None:
        return json_error(400, "invalid_image", "Seules les images PNG ou JPEG sont acceptées.")
    async with request.app[SESSIONS]() as session, session.begin():
        upload = Upload(
            token=secrets.token_urlsafe(32),
            content_type=kind,
            size=len(data),
            data=data,
            account_id=signed_in.account.id,
            created_at=request.app[CLOCK].now(),
        )
        session.add(upload)
        await session.flush()
        body = {"id": upload.id, "url": media_url(request.app[SETTINGS].public_url, upload)}
    logger.info("image %s uploaded by staff account %s", body["id"], signed_in.account.id)
    return web.json_response(body, status=201)


async def media(request: web.Request) -> web.Response:
    """A campaign image, public (Instagram and the young people's apps fetch it)."""
    token = request.match_info["token"]
    if not re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        raise web.HTTPNotFound()
    async with request.app[SESSIONS]() as session:
        upload = await session.scalar(select(Upload).where(Upload.token == token))
    if upload is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=upload.data,
        content_type=upload.content_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


NOT_CONFIGURED = {
    "telegram_channel": "Pas de canal Telegram : règle TELEGRAM_CHANNEL_ID (le bot doit en être "
    "administrateur).",
    "instagram_feed": "Instagram n'est pas configuré.",
}


async def targets_status(request: web.Request) -> web.Response:
    """GET: which post targets can publish now, and why not (the bot is not an administrator
    of the Telegram channel, Instagram's daily quota is reached…)."""
    signed_in = await staff_member(request, CAMPAIGN_ROLES)
    if isinstance(signed_in, web.Response):
        return signed_in
    status: dict[str, dict[str, Any]] = {}
    for target, missing in NOT_CONFIGURED.items():
        publisher = request.app[CAMPAIGNS].publisher(target)
        why = missing if publisher is None else await publisher.readiness()
        status[target] = {"ready": why is None, "why": why}
    return web.json_response({"targets": status}, headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/api/targets", targets_status)
    app.router.add_post("/console/api/uploads", upload_image)
    app.router.add_get(r"/media/{token}.{extension:(png|jpg)}", media)
    app.router.add_post("/console/api/audience/count", audience_count)
    app.router.add_post("/console/api/campaigns", create_campaign)
    app.router.add_get("/console/api/campaigns", list_campaigns)
    app.router.add_get("/console/api/campaigns/{id}", campaign_detail)
    app.router.add_put("/console/api/campaigns/{id}", edit_campaign)
    app.router.add_post("/console/api/campaigns/{id}/test", test_send)
    app.router.add_post("/console/api/campaigns/{id}/{action}", change_campaign)

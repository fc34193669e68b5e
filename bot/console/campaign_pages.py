"""The campaign pages of the console (#11), for campaign staff and admins: the list of campaigns
with their live progress, the composer (live preview against each platform's limits, live
audience count) and one campaign's page (progress, failures, posts, pause, resume, cancel,
approve).

Pages only: everything they change goes through the JSON API of campaign_routes.py (same
session, role and CSRF checks) from static/campaigns.js; the rules (limits, audience, quiet
hours) stay in bot/campaigns/, the composer only mirrors them to warn early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from bot.campaigns import composition
from bot.campaigns.audience import ACTIVITY_DAYS, shown_count
from bot.console.campaign_routes import CAMPAIGN_ROLES
from bot.console.conversation import ORIENTATION_LABELS
from bot.console.pages import id_in_path, page, page_member, site_zone
from bot.core.vocabulary import (
    AGE_BANDS,
    CampaignStatus,
    CampaignTarget,
    DeliveryState,
    Orientation,
    PostState,
    StaffRole,
)
from bot.storage import campaigns as store
from bot.storage.models import Campaign, OutreachSource, Site, Upload
from bot.wiring import CLOCK, SESSIONS, SETTINGS

STATUS_LABELS = {
    CampaignStatus.AWAITING_APPROVAL: "à valider",
    CampaignStatus.SCHEDULED: "prévue",
    CampaignStatus.RUNNING: "en cours",
    CampaignStatus.PAUSED: "en pause",
    CampaignStatus.DONE: "terminée",
    CampaignStatus.CANCELLED: "annulée",
}
TARGET_LABELS = {
    CampaignTarget.TELEGRAM_CHANNEL: "Canal Telegram",
    CampaignTarget.INSTAGRAM_FEED: "Fil Instagram",
    CampaignTarget.TELEGRAM_DM: "Messages Telegram",
    CampaignTarget.INSTAGRAM_DM: "Messages Instagram",
    CampaignTarget.WEBCHAT: "Chat du site",
}
TARGET_HELP = {
    CampaignTarget.TELEGRAM_CHANNEL: "une publication sur le canal de la Mission Locale",
    CampaignTarget.INSTAGRAM_FEED: "une publication avec image sur le compte",
    CampaignTarget.TELEGRAM_DM: "un message à chaque jeune abonné",
    CampaignTarget.INSTAGRAM_DM: "un message à chaque jeune abonné",
    CampaignTarget.WEBCHAT: "un message dans la conversation du site",
}
BUTTON_LABELS = {
    "book": "Prendre rendez-vous",
    "questionnaire": "Questionnaire d'éligibilité",
    "link": "Lien vers une page",
}
ACTIVITY_LABELS = {days: f"actifs ces {days} derniers jours" for days in ACTIVITY_DAYS}
PAUSED_LABELS = {"quiet_hours": "heures calmes, reprend seule", "staff": "par l'équipe"}
POST_STATE_LABELS = {
    PostState.PENDING: "en attente",
    PostState.PROCESSING: "en préparation",
    PostState.PUBLISHED: "publiée",
    PostState.FAILED: "échec",
}
REASON_LABELS = {
    "outside_24h_window": "Instagram : plus de 24 h depuis son dernier message",
    "interrupted": "envoi interrompu (jamais renvoyé)",
    "blocked_by_user": "a bloqué le robot",
    "rate_limited": "limite de la plateforme",
    "timed_out": "délai dépassé",
    "platform_refused": "refusé par la plateforme",
    "platform_unreachable": "plateforme injoignable",
    "platform_error": "erreur de la plateforme",
    "channel_off": "canal désactivé",
    "not_configured": "canal non configuré",
    "undelivered": "non remis",
    "error": "erreur inattendue",
    "too_late": "trop tard",
    "cancelled": "campagne annulée avant l'envoi",
}
# Where the live script is told each platform's limits (the server checks them again).
LIMITS = {
    "telegram_text": composition.TELEGRAM_TEXT,
    "telegram_caption": composition.TELEGRAM_CAPTION,
    "instagram_caption": composition.INSTAGRAM_CAPTION,
    "instagram_hashtags": composition.INSTAGRAM_HASHTAGS,
    "title": composition.MAX_TITLE,
    "button_title": composition.MAX_BUTTON_TITLE,
}
ACTIVE_STATUSES = {
    CampaignStatus.AWAITING_APPROVAL,
    CampaignStatus.SCHEDULED,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
}


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a campaign's messages are: one row per recipient, from its start."""

    sent: int
    failed: int
    skipped: int
    interrupted: int
    remaining: int

    @classmethod
    def of(cls, counts: dict[str, int]) -> Progress:
        return cls(
            sent=counts.get(DeliveryState.SENT, 0),
            failed=counts.get(DeliveryState.FAILED, 0),
            skipped=counts.get(DeliveryState.SKIPPED, 0),
            interrupted=counts.get(DeliveryState.INTERRUPTED, 0),
            remaining=counts.get(DeliveryState.PENDING, 0) + counts.get(DeliveryState.QUEUED, 0),
        )

    @property
    def not_delivered(self) -> int:
        return self.failed + self.skipped + self.interrupted

    @property
    def total(self) -> int:
        return self.sent + self.not_delivered + self.remaining

    @property
    def done(self) -> int:
        return self.total - self.remaining


@dataclass(frozen=True, slots=True)
class Row:
    campaign: Campaign
    progress: Progress

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(CampaignStatus(self.campaign.status), self.campaign.status)

    @property
    def targets_label(self) -> str:
        return ", ".join(target_label(t) for t in self.campaign.targets)


def target_label(target: str) -> str:
    try:
        return TARGET_LABELS[CampaignTarget(target)]
    except ValueError:
        return target


def audience_lines(audience: dict[str, Any], sites: dict[int, str]) -> list[str]:
    """The audience's filters in French (empty: every young person who asked for news)."""
    lines = []
    if audience.get("site_id") is not None:
        site_id = int(audience["site_id"])
        lines.append(f"Site : {sites.get(site_id, f'n° {site_id}')}")
    if audience.get("department"):
        lines.append(f"Département : {audience['department']}")
    if audience.get("age_band"):
        lines.append(f"Âge : {audience['age_band']} ans")
    if audience.get("source"):
        lines.append(f"Source : {audience['source']}")
    if audience.get("outcome"):
        outcome = str(audience["outcome"])
        label = ORIENTATION_LABELS.get(Orientation(outcome), outcome)
        lines.append(f"Questionnaire : {label}")
    if audience.get("active_days"):
        lines.append(f"Dernière activité : {ACTIVITY_LABELS.get(int(audience['active_days']))}")
    if audience.get("appointment") is True:
        lines.append("Avec un rendez-vous à venir")
    elif audience.get("appointment") is False:
        lines.append("Sans rendez-vous à venir")
    return lines


async def campaigns_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, CAMPAIGN_ROLES)
    async with request.app[SESSIONS]() as session:
        zone = await site_zone(session)
        rows = [
            Row(campaign, Progress.of(await store.counts(session, campaign.id)))
            for campaign in await store.listed(session)
        ]
    return page(
        "campaigns.html",
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        zone=zone,
        nav_current="campaigns",
        rows=rows,
        status_labels={status.value: label for status, label in STATUS_LABELS.items()},
    )


async def composer_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, CAMPAIGN_ROLES)
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        zone = await site_zone(session)
        sites = (await session.scalars(select(Site).order_by(Site.name))).all()
        sources = (
            await session.scalars(
                select(OutreachSource.code)
                .where(OutreachSource.archived_at.is_(None))
                .order_by(OutreachSource.code)
                .limit(200)
            )
        ).all()
    local_now = now.astimezone(ZoneInfo(zone))
    quiet = request.app[SETTINGS].scheduling.quiet_hours
    return page(
        "campaign_new.html",
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        zone=zone,
        nav_current="campaigns",
        targets=[(t.value, TARGET_LABELS[t], TARGET_HELP[t]) for t in CampaignTarget],
        button_kinds=BUTTON_LABELS,
        max_buttons=composition.MAX_BUTTONS,
        limits=LIMITS,
        sites=sites,
        sources=sources,
        age_bands=list(AGE_BANDS),
        outcomes=[(o.value, ORIENTATION_LABELS[o]) for o in Orientation if o in ORIENTATION_LABELS],
        activity=ACTIVITY_LABELS,
        offset=local_now.isoformat()[-6:],  # « +01:00 », today's (the script adjusts for DST)
        min_local=local_now.strftime("%Y-%m-%dT%H:%M"),
        quiet=None if quiet is None else (f"{quiet[0]:%H:%M}", f"{quiet[1]:%H:%M}"),
        approval=request.app[SETTINGS].campaign_approval,
    )


async def campaign_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, CAMPAIGN_ROLES)
    campaign_id = id_in_path(request)
    now = request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        campaign = None if campaign_id is None else await session.get(Campaign, campaign_id)
        if campaign is None:
            raise web.HTTPNotFound(text="Campagne introuvable.", content_type="text/plain")
        zone = await site_zone(session)
        progress = Progress.of(await store.counts(session, campaign.id))
        failures = await store.failures(session, campaign.id)
        posts = await store.posts_of(session, campaign.id)
        sites = {s.id: s.name for s in (await session.scalars(select(Site))).all()}
        image = None if campaign.image_id is None else await session.get(Upload, campaign.image_id)
        status = CampaignStatus(campaign.status)
        estimate = None
        if campaign.started_at is None and status in ACTIVE_STATUSES:
            channels = [
                composition.DM_CHANNELS[CampaignTarget(t)]
                for t in campaign.targets
                if CampaignTarget(t) in composition.DM_CHANNELS
            ]
            estimate = shown_count(await store.count(session, campaign.audience, channels, now))
    admin = signed_in.account.role == StaffRole.ADMIN
    return page(
        "campaign.html",
        account=signed_in.account,
        csrf_token=signed_in.csrf_token,
        zone=zone,
        nav_current="campaigns",
        row=Row(campaign, progress),
        c=campaign,
        campaign_status=status.value,
        paused_label=PAUSED_LABELS.get(campaign.paused_reason or "", campaign.paused_reason),
        target_label=target_label,
        button_kinds=BUTTON_LABELS,
        audience=audience_lines(campaign.audience, sites),
        failures=[(REASON_LABELS.get(reason, reason), n) for reason, n in failures.items()],
        posts=[
            (
                target_label(p.target),
                POST_STATE_LABELS.get(PostState(p.state), p.state),
                None if p.reason is None else REASON_LABELS.get(p.reason, p.reason),
                p.external_id,
            )
            for p in posts
        ],
        image_url=None if image is None else _image_path(image),
        estimate=estimate,
        can_pause=status in (CampaignStatus.RUNNING, CampaignStatus.SCHEDULED),
        can_resume=status is CampaignStatus.PAUSED,
        can_cancel=status in ACTIVE_STATUSES,
        can_approve=admin and status is CampaignStatus.AWAITING_APPROVAL,
        live=status in ACTIVE_STATUSES,
    )


def _image_path(image: Upload) -> str:
    extension = "png" if image.content_type == "image/png" else "jpg"
    return f"/media/{image.token}.{extension}"


def add_routes(app: web.Application) -> None:
    app.router.add_get("/console/campaigns", campaigns_page)
    app.router.add_get("/console/campaigns/new", composer_page)
    app.router.add_get("/console/campaigns/{id}", campaign_page)

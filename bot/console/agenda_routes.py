"""The counsellors' agenda in the console: a day or a week of appointments, the outcome of each
(came or not) and cancelling one with a message to the young person.

The agenda rules are not here: the days and their appointments come from bot/booking/staff_view.py
(as for GET /api/staff/appointments), outcomes from bot/storage/staff_agenda.set_outcome (as for
the staff API's outcome route), cancelling from bot/booking/agenda.cancel (as from the chat), and
the message to the young person goes through bot/core/posting.post. Here: who may see and act on
what, one transaction per change, then the delivery of the message on a pushed channel.

Every change is one route reading a form (field `csrf_token`, answered with a redirect to the
agenda, or the agenda again with the refusal) or JSON (header `X-CSRF-Token`, answered with JSON).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking import agenda, staff_view
from bot.booking.wording import clock_time, day_and_time, local, timezone_of
from bot.console.accounts import CurrentSession
from bot.console.pages import DEFAULT_ZONE, Change, id_in_path, page, page_member, read_change
from bot.content.texts import reply_text
from bot.core import posting
from bot.core.french_dates import weekday_and_date
from bot.core.messages import BotReply, Button, OutgoingMessage
from bot.core.vocabulary import AppointmentKind, AppointmentStatus, StaffRole
from bot.errors import AppointmentNotFound, OutcomeRefused
from bot.http.responses import json_error
from bot.http.staff_api import AGENDA_ROLES
from bot.rasa.payloads import payload
from bot.storage import appointments, staff_agenda
from bot.storage.models import Appointment, ChannelIdentity, Counsellor, Site, StaffAccount
from bot.storage.sites import main_site
from bot.wiring import CLOCK, DELIVERY, SESSIONS

logger = logging.getLogger(__name__)

AGENDA = "/console/agenda"
MAX_MESSAGE = 1000


class View(StrEnum):
    DAY = "day"
    WEEK = "week"


class Scope(StrEnum):
    MINE = "mine"
    SITE = "site"


VIEW_LABELS = {View.DAY: "Jour", View.WEEK: "Semaine"}
# What the young person reads when the Mission Locale cancels (the counsellor's words follow).
# After a form's change, what the agenda says (a fixed key in the redirect, never free text).
NOTICES = {
    "outcome": "Résultat enregistré.",
    "cancelled": "Rendez-vous annulé, message envoyé à la personne.",
    "cancelled_undelivered": (
        "Rendez-vous annulé, mais le message n'a pas pu être remis à la personne "
        "(il reste visible dans sa conversation)."
    ),
    "cancelled_silent": (
        "Rendez-vous annulé. Aucun message envoyé : la personne n'a plus de conversation."
    ),
}
NOT_LINKED = (
    "Ce compte n'est relié à aucun agenda de conseiller ou conseillère : "
    "l'administration peut le relier."
)


class Refused(Exception):
    """A change the agenda refuses: its HTTP status, code and French message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


def not_found() -> Refused:
    return Refused(404, "unknown_appointment", "Aucun rendez-vous avec ce numéro.")


# --- what is asked: the period and whose appointments -----------------------------------------


@dataclass(frozen=True, slots=True)
class Asked:
    view: View
    day: date
    scope: Scope

    @property
    def first(self) -> date:
        return self.day if self.view is View.DAY else self.day - timedelta(days=self.day.weekday())

    @property
    def last(self) -> date:
        return self.first + timedelta(days=0 if self.view is View.DAY else 6)

    def step(self) -> timedelta:
        return timedelta(days=1 if self.view is View.DAY else 7)

    def url(self, **changes: object) -> str:
        values = {"view": self.view, "date": self.day.isoformat(), "scope": self.scope}
        values.update(
            {k: str(v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}
        )
        return f"{AGENDA}?{urlencode(values)}"


def default_scope(account: StaffAccount) -> Scope:
    """One's own appointments; the whole site for an admin without an agenda of their own."""
    if account.role == StaffRole.ADMIN and account.counsellor_id is None:
        return Scope.SITE
    return Scope.MINE


def read_asked(query: Mapping[str, object], account: StaffAccount, today: date) -> Asked:
    """The period and scope asked for (defaults: today, one day, one's own).

    Raises staff_view.InvalidDays (French message) for anything unreadable."""
    raw_view, raw_scope = str(query.get("view") or View.DAY), query.get("scope")
    if raw_view not in {v.value for v in View}:
        raise staff_view.InvalidDays("« view » doit être day ou week.")
    if raw_scope and raw_scope not in {s.value for s in Scope}:
        raise staff_view.InvalidDays("« scope » doit être mine ou site.")
    raw_date = str(query.get("date") or "")
    day = staff_view.parse_day(raw_date, "date") if raw_date else today
    scope = Scope(str(raw_scope)) if raw_scope else default_scope(account)
    return Asked(View(raw_view), day, scope)


def _safe_asked(fields: Mapping[str, object], account: StaffAccount, today: date) -> Asked:
    """Where a form goes back to: the agenda it was sent from, else today's."""
    try:
        return read_asked(fields, account, today)
    except staff_view.InvalidDays:
        return Asked(View.DAY, today, default_scope(account))


# --- who sees and acts on what -----------------------------------------------------------------


async def _own_counsellor(session: AsyncSession, account: StaffAccount) -> Counsellor | None:
    if account.counsellor_id is None:
        return None
    return await session.get(Counsellor, account.counsellor_id)


def may_act(account: StaffAccount, appointment: Appointment) -> bool:
    """An admin acts on any appointment; a counsellor on their own only."""
    if account.role == StaffRole.ADMIN:
        return True
    return account.counsellor_id is not None and appointment.counsellor_id == account.counsellor_id


def _in_scope(
    found: Sequence[Appointment], account: StaffAccount, own: Counsellor | None, scope: Scope
) -> list[Appointment]:
    if scope is Scope.MINE:
        return [a for a in found if own is not None and a.counsellor_id == own.id]
    if account.role == StaffRole.ADMIN:
        return list(found)  # every site
    return [a for a in found if own is not None and a.counsellor.site_id == own.site_id]


async def _zone(session: AsyncSession, own: Counsellor | None) -> str:
    """The page's time zone: the counsellor's site's, else the Mission Locale's."""
    site = await session.get(Site, own.site_id) if own is not None else await main_site(session)
    return site.timezone if site is not None else DEFAULT_ZONE


async def _today(request: web.Request, account: StaffAccount) -> date:
    async with request.app[SESSIONS]() as session:
        zone = await _zone(session, await _own_counsellor(session, account))
    return request.app[CLOCK].now().astimezone(ZoneInfo(zone)).date()


# --- the page ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One appointment as the agenda shows it, times in its place's time zone."""

    id: int
    time: str
    zone: str
    first_name: str
    kind: str
    place: str
    phone: str | None
    counsellor: str
    status: str
    status_label: str
    booked: bool
    can_act: bool
    can_cancel: bool


@dataclass(frozen=True, slots=True)
class Day:
    label: str
    rows: list[Row]


def _row(appointment: Appointment, account: StaffAccount, now: datetime) -> Row:
    zone = timezone_of(appointment)
    start, end = local(appointment.starts_at, zone), local(appointment.ends_at, zone)
    booked = appointment.status == AppointmentStatus.BOOKED
    can_act = booked and may_act(account, appointment)
    return Row(
        id=appointment.id,
        time=f"{clock_time(start)}–{clock_time(end)}",
        zone=zone,
        first_name=staff_view.first_name_label(appointment),
        kind=staff_view.KIND_LABELS.get(appointment.kind, appointment.kind),
        place=staff_view.place_label(appointment),
        phone=appointment.phone if appointment.kind == AppointmentKind.PHONE else None,
        counsellor=appointment.counsellor.display_name,
        status=appointment.status,
        status_label=staff_view.STATUS_LABELS.get(appointment.status, appointment.status),
        booked=booked,
        can_act=can_act,
        can_cancel=can_act and appointment.starts_at > now,
    )


def _days(
    shown: Sequence[Appointment], asked: Asked, account: StaffAccount, now: datetime
) -> list[Day]:
    """Each day of the period (a week shows its empty days too), in the appointments' local days."""
    by_day: dict[date, list[Row]] = {}
    for appointment in shown:
        local_day = local(appointment.starts_at, timezone_of(appointment)).date()
        by_day.setdefault(local_day, []).append(_row(appointment, account, now))
    days, moment = [], asked.first
    while moment <= asked.last:
        days.append(Day(weekday_and_date(moment), by_day.get(moment, [])))
        moment += timedelta(days=1)
    return days


def _period_label(asked: Asked) -> str:
    if asked.view is View.DAY:
        return f"{weekday_and_date(asked.day)} {asked.day.year}"
    first, last = asked.first, asked.last
    return f"Semaine du {weekday_and_date(first)} au {weekday_and_date(last)} {last.year}"


async def _agenda_page(
    request: web.Request,
    signed_in: CurrentSession,
    asked: Asked,
    *,
    status: int = 200,
    error: str | None = None,
    notice: str | None = None,
) -> web.Response:
    account, now = signed_in.account, request.app[CLOCK].now()
    async with request.app[SESSIONS]() as session:
        own = await _own_counsellor(session, account)
        zone = await _zone(session, own)
        found = await staff_view.appointments_on_days(session, asked.first, asked.last)
        shown = _in_scope(found, account, own, asked.scope)
        days = _days(shown, asked, account, now)
    admin = account.role == StaffRole.ADMIN
    today = now.astimezone(ZoneInfo(zone)).date()
    return page(
        "agenda.html",
        status,
        account=account,
        csrf_token=signed_in.csrf_token,
        asked=asked,
        period=_period_label(asked),
        days=days,
        count=len(shown),
        zone=zone,
        linked=own is not None,
        not_linked=NOT_LINKED,
        views=[(label, asked.url(view=v), v is asked.view) for v, label in VIEW_LABELS.items()],
        scopes=[
            ("Mes rendez-vous", asked.url(scope=Scope.MINE), asked.scope is Scope.MINE),
            (
                "Tous les sites" if admin else "Tout le site",
                asked.url(scope=Scope.SITE),
                asked.scope is Scope.SITE,
            ),
        ],
        previous=asked.url(date=asked.day - asked.step()),
        following=asked.url(date=asked.day + asked.step()),
        today=asked.url(date=today) if not asked.first <= today <= asked.last else None,
        show_counsellor=asked.scope is Scope.SITE,
        max_message=MAX_MESSAGE,
        error=error,
        notice=notice,
    )


async def agenda_page(request: web.Request) -> web.Response:
    signed_in = await page_member(request, AGENDA_ROLES)
    account = signed_in.account
    today = await _today(request, account)
    try:
        asked = read_asked(request.query, account, today)
    except staff_view.InvalidDays as error:
        asked = Asked(View.DAY, today, default_scope(account))
        return await _agenda_page(request, signed_in, asked, status=400, error=str(error))
    notice = NOTICES.get(request.query.get("done", ""))
    return await _agenda_page(request, signed_in, asked, notice=notice)


# --- changes -------------------------------------------------------------------------------------


async def _locked(session: AsyncSession, appointment_id: int, account: StaffAccount) -> Appointment:
    """The appointment, locked for this transaction (a cancellation from the chat waits), if this
    account may act on it."""
    try:
        appointment = await staff_agenda.locked(session, appointment_id)
    except AppointmentNotFound:
        raise not_found() from None
    if not may_act(account, appointment):
        raise Refused(403, "forbidden", "Ce rendez-vous est dans l'agenda d'un ou d'une collègue.")
    return appointment


async def _refusal(request: web.Request, change: Change, refused: Refused) -> web.Response:
    if not change.form:
        return json_error(refused.status, refused.code, refused.message)
    account = change.signed_in.account
    asked = _safe_asked(change.fields, account, await _today(request, account))
    return await _agenda_page(
        request, change.signed_in, asked, status=refused.status, error=refused.message
    )


async def _back(request: web.Request, change: Change, done: str) -> web.HTTPSeeOther:
    account = change.signed_in.account
    asked = _safe_asked(change.fields, account, await _today(request, account))
    return web.HTTPSeeOther(asked.url(done=done))


async def record_outcome(request: web.Request) -> web.Response:
    """The young person came (attended) or not (missed): staff_agenda.set_outcome decides."""
    change = await read_change(request, AGENDA_ROLES)
    if isinstance(change, web.Response):
        return change
    account = change.signed_in.account
    appointment_id, outcome = id_in_path(request), change.text("outcome")
    try:
        if appointment_id is None:
            raise not_found()
        if outcome not in staff_agenda.OUTCOMES:
            raise Refused(400, "unknown_outcome", staff_view.OUTCOME_REFUSALS["unknown_outcome"])
        async with request.app[SESSIONS]() as session, session.begin():
            await _locked(session, appointment_id, account)
            try:
                appointment = await staff_agenda.set_outcome(
                    session, appointment_id, outcome, request.app[CLOCK].now()
                )
            except AppointmentNotFound:
                raise not_found() from None
            except OutcomeRefused as error:
                message = staff_view.OUTCOME_REFUSALS.get(error.reason, "Résultat refusé.")
                raise Refused(409, error.reason, message) from None
            answer = staff_view.appointment_json(appointment)
    except Refused as refused:
        return await _refusal(request, change, refused)
    logger.info("appointment %s: outcome by staff account %s", appointment_id, account.id)
    if change.form:
        raise await _back(request, change, "outcome")
    return web.json_response(answer)


def _cancel_message(appointment: Appointment, words: str) -> BotReply:
    when = day_and_time(appointment.starts_at, timezone_of(appointment))
    text = reply_text("booking", "cancelled_by_staff", when=when)
    if words:
        text = f"{text}\n\n{words}"
    rebook = Button(reply_text("booking", "button_new"), payload("book_appointment"))
    return BotReply(text=text, buttons=(rebook,))


async def _post_to_young_person(
    session: AsyncSession, appointment: Appointment, reply: BotReply, now: datetime
) -> tuple[OutgoingMessage, str] | None:
    """Write the message in the young person's open conversation on the channel they booked
    from (a new one if the last was closed, as for reminders); None when that channel is gone."""
    if appointment.channel_identity_id is None:
        return None
    identity = await session.get(ChannelIdentity, appointment.channel_identity_id)
    if identity is None:
        return None
    written = await posting.post_to_identity(session, identity, reply, now)
    return written, identity.channel


async def cancel_appointment(request: web.Request) -> web.Response:
    """Cancel a booked appointment still ahead (its time is free again, its reminders will not
    go) and tell the young person in their conversation."""
    change = await read_change(request, AGENDA_ROLES)
    if isinstance(change, web.Response):
        return change
    account = change.signed_in.account
    appointment_id, words = id_in_path(request), change.text("message")
    now = request.app[CLOCK].now()
    try:
        if appointment_id is None:
            raise not_found()
        if len(words) > MAX_MESSAGE:
            raise Refused(
                400, "invalid_text", f"Le message doit faire {MAX_MESSAGE} caractères au plus."
            )
        async with request.app[SESSIONS]() as session, session.begin():
            appointment = await _locked(session, appointment_id, account)
            if appointment.status != AppointmentStatus.BOOKED:
                label = staff_view.STATUS_LABELS.get(appointment.status, appointment.status)
                raise Refused(409, "not_booked", f"Ce rendez-vous n'est plus prévu ({label}).")
            if appointment.starts_at <= now:
                raise Refused(
                    409,
                    "started",
                    "Ce rendez-vous a déjà commencé : noter plutôt « Venu » ou « Absent ».",
                )
            await agenda.cancel(session, appointment, now)
            posted = await _post_to_young_person(
                session, appointment, _cancel_message(appointment, words), now
            )
            answer = staff_view.appointment_json(await appointments.loaded(session, appointment.id))
    except Refused as refused:
        return await _refusal(request, change, refused)
    delivery = "none" if posted is None else await _deliver(request, *posted)
    logger.info(
        "appointment %s: cancelled by staff account %s (message: %s)",
        appointment_id,
        account.id,
        delivery,
    )
    if change.form:
        done = {"none": "cancelled_silent", "undelivered": "cancelled_undelivered"}
        raise await _back(request, change, done.get(delivery, "cancelled"))
    return web.json_response(
        {
            "appointment": answer,
            "message_id": None if posted is None else posted[0].id,
            "delivery": delivery,
        }
    )


async def _deliver(request: web.Request, message: OutgoingMessage, channel: str) -> str:
    """Pushed channels get the message now (the web chat fetches it): sent or undelivered."""
    if posting.pulled(channel):
        return "sent"
    report = await request.app[DELIVERY].deliver([message])
    return "sent" if report.sent else "undelivered"


def add_routes(app: web.Application) -> None:
    app.router.add_get(AGENDA, agenda_page)
    app.router.add_post(AGENDA + "/{id}/outcome", record_outcome)
    app.router.add_post(AGENDA + "/{id}/cancel", cancel_appointment)

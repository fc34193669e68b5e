"""Outreach sources (the registry of actions and their codes) and the contacts each brought."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import AppointmentStatus, SourceKind
from bot.storage.models import (
    Appointment,
    ChannelIdentity,
    Contact,
    OutreachSource,
)

# Short, readable on a poster, valid in every link: Telegram's start parameter allows
# A-Z a-z 0-9 _ - (64 max), Instagram's ref alphanumerics and - _ =.
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")


class InvalidSource(ValueError):
    """A source that cannot be registered (bad code, unknown kind, code taken)."""


def normalize_code(raw: str | None) -> str | None:
    """A code as a link carried it, made canonical; None when it cannot be one of ours."""
    if raw is None:
        return None
    code = raw.strip().lower()
    return code if CODE.fullmatch(code) else None


async def active_source_id(session: AsyncSession, raw_code: str | None) -> int | None:
    code = normalize_code(raw_code)
    if code is None:
        return None
    return await session.scalar(
        select(OutreachSource.id).where(
            OutreachSource.code == code, OutreachSource.archived_at.is_(None)
        )
    )


async def add_source(
    session: AsyncSession, code: str, label: str, kind: str, now: datetime
) -> OutreachSource:
    canonical = normalize_code(code)
    if canonical is None or canonical != code.strip():
        raise InvalidSource(
            "le code doit faire 2 à 32 caractères : minuscules, chiffres, - ou _ "
            "(et commencer par une lettre ou un chiffre)"
        )
    if kind not in set(SourceKind):
        raise InvalidSource(f"type inconnu : {kind} (possibles : {', '.join(SourceKind)})")
    if not label.strip() or len(label) > 200:
        raise InvalidSource("le libellé doit faire 1 à 200 caractères")
    if await session.scalar(select(OutreachSource.id).where(OutreachSource.code == canonical)):
        raise InvalidSource(f"le code {canonical} existe déjà")
    source = OutreachSource(code=canonical, label=label.strip(), kind=kind, created_at=now)
    session.add(source)
    await session.flush()
    return source


async def find_source(session: AsyncSession, code: str) -> OutreachSource | None:
    canonical = normalize_code(code)
    if canonical is None:
        return None
    return await session.scalar(select(OutreachSource).where(OutreachSource.code == canonical))


async def archive_source(session: AsyncSession, code: str, now: datetime) -> bool:
    """Stop attributing new contacts to a source (its figures stay)."""
    source = await find_source(session, code)
    if source is None:
        return False
    source.archived_at = source.archived_at or now
    return True


@dataclass(frozen=True, slots=True)
class SourceFigures:
    """How many young people an action brought, in all and by channel of their first contact;
    how many of them booked an appointment (any status), and came to one (attended)."""

    code: str
    label: str
    kind: str
    active: bool
    contacts: int
    by_channel: dict[str, int] = field(default_factory=dict)
    first_contact_at: datetime | None = None
    last_contact_at: datetime | None = None
    appointments_booked: int = 0
    appointments_attended: int = 0


async def figures(session: AsyncSession, since: datetime | None = None) -> list[SourceFigures]:
    """Every source with the contacts it brought (optionally those first seen since a date)."""
    sources = (await session.scalars(select(OutreachSource).order_by(OutreachSource.code))).all()
    # A contact has one identity per channel; the channel of the first one is where they came.
    first_identity = (
        select(
            ChannelIdentity.contact_id,
            func.min(ChannelIdentity.id).label("identity_id"),
        )
        .group_by(ChannelIdentity.contact_id)
        .subquery()
    )
    query = (
        select(
            Contact.source_id,
            ChannelIdentity.channel,
            func.count(Contact.id),
            func.min(Contact.created_at),
            func.max(Contact.created_at),
        )
        .join(first_identity, first_identity.c.contact_id == Contact.id)
        .join(ChannelIdentity, ChannelIdentity.id == first_identity.c.identity_id)
        .where(Contact.source_id.is_not(None))
        .group_by(Contact.source_id, ChannelIdentity.channel)
    )
    if since is not None:
        query = query.where(Contact.created_at >= since)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    spans: dict[int, tuple[datetime, datetime]] = {}
    for raw_id, channel, count, first, last in (await session.execute(query)).all():
        if raw_id is None:
            continue
        source_id = raw_id
        counts[source_id][channel] = count
        if source_id in spans:
            first, last = min(first, spans[source_id][0]), max(last, spans[source_id][1])
        spans[source_id] = (first, last)
    booked, attended = await _appointment_figures(session, since)
    return [
        SourceFigures(
            code=source.code,
            label=source.label,
            kind=source.kind,
            active=source.archived_at is None,
            contacts=sum(counts[source.id].values()),
            by_channel=dict(sorted(counts[source.id].items())),
            first_contact_at=spans.get(source.id, (None, None))[0],
            last_contact_at=spans.get(source.id, (None, None))[1],
            appointments_booked=booked.get(source.id, 0),
            appointments_attended=attended.get(source.id, 0),
        )
        for source in sources
    ]


async def _appointment_figures(
    session: AsyncSession, since: datetime | None
) -> tuple[dict[int, int], dict[int, int]]:
    """Per source: distinct contacts with an appointment ever booked, and with one attended."""
    attended_contact = case(
        (Appointment.status == AppointmentStatus.ATTENDED, Appointment.contact_id)
    )
    query = (
        select(
            Contact.source_id,
            func.count(distinct(Appointment.contact_id)),
            func.count(distinct(attended_contact)),
        )
        .join(Appointment, Appointment.contact_id == Contact.id)
        .where(Contact.source_id.is_not(None))
        .group_by(Contact.source_id)
    )
    if since is not None:
        query = query.where(Contact.created_at >= since)
    booked: dict[int, int] = {}
    attended: dict[int, int] = {}
    for source_id, booked_count, attended_count in (await session.execute(query)).all():
        if source_id is not None:
            booked[source_id] = booked_count
            attended[source_id] = attended_count
    return booked, attended

"""Agenda rows for appointment tests: a Mission Locale, a site, counsellors, appointments."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import ConversationState
from bot.storage.models import (
    UNIT_MINUTES,
    Appointment,
    AppointmentUnit,
    ChannelIdentity,
    Contact,
    Conversation,
    Counsellor,
    CounsellorHours,
    MissionLocale,
    Permanence,
    Site,
)


async def make_site(
    session: AsyncSession,
    now: datetime,
    *,
    timezone: str = "Europe/Paris",
    postcode: str = "69001",
    city: str = "Lyon",
    holiday_region: str | None = None,
) -> Site:
    mission_locale = MissionLocale(name="Mission Locale de test", created_at=now)
    site = Site(
        mission_locale=mission_locale,
        name="Antenne du centre",
        address="12 rue de la République",
        postcode=postcode,
        city=city,
        phone="04 00 00 00 00",
        timezone=timezone,
        holiday_region=holiday_region,
        created_at=now,
    )
    session.add(site)
    await session.flush()
    return site


async def make_counsellor(
    session: AsyncSession,
    site: Site,
    now: datetime,
    *,
    name: str = "Samia",
    hours: dict[int, list[tuple[time, time]]] | None = None,
    kinds: str = "on_site,phone,video",
) -> Counsellor:
    """A counsellor; by default Monday to Friday 9:00-12:00 and 14:00-17:00 (local time)."""
    week = hours if hours is not None else {
        day: [(time(9), time(12)), (time(14), time(17))] for day in range(5)
    }  # fmt: skip
    counsellor = Counsellor(
        mission_locale_id=site.mission_locale_id,
        site_id=site.id,
        display_name=name,
        active=True,
        created_at=now,
    )
    counsellor.hours = [
        CounsellorHours(weekday=day, starts_at=start, ends_at=end, kinds=kinds)
        for day, blocks in week.items()
        for start, end in blocks
    ]
    session.add(counsellor)
    await session.flush()
    return counsellor


async def make_permanence(
    session: AsyncSession,
    counsellor: Counsellor,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    *,
    timezone: str = "Europe/Paris",
    slot_minutes: int = 30,
) -> Permanence:
    permanence = Permanence(
        mission_locale_id=counsellor.mission_locale_id,
        counsellor_id=counsellor.id,
        name="Résidence Les Tilleuls (salle commune)",
        address="3 allée des Tilleuls",
        postcode="69008",
        city="Lyon",
        timezone=timezone,
        starts_at=starts_at,
        ends_at=ends_at,
        slot_minutes=slot_minutes,
        created_at=now,
    )
    session.add(permanence)
    await session.flush()
    return permanence


async def make_identity(
    session: AsyncSession, now: datetime, *, channel: str = "webchat", external_id: str = ""
) -> ChannelIdentity:
    """A contact known on one channel, with an open conversation."""
    identity = ChannelIdentity(
        contact=Contact(created_at=now, last_seen_at=now),
        channel=channel,
        external_id=external_id or secrets.token_hex(8),
        public_id=secrets.token_hex(16),
        created_at=now,
    )
    session.add(identity)
    await session.flush()
    session.add(
        Conversation(
            channel_identity_id=identity.id,
            state=ConversationState.BOT.value,
            urgent=False,
            created_at=now,
            updated_at=now,
        )
    )
    await session.flush()
    return identity


async def make_appointment(
    session: AsyncSession,
    identity: ChannelIdentity,
    counsellor: Counsellor,
    starts_at: datetime,
    now: datetime,
    *,
    kind: str = "on_site",
    minutes: int = 45,
    status: str = "booked",
    permanence: Permanence | None = None,
    phone: str | None = None,
    first_name: str | None = "Lina",
) -> Appointment:
    """An appointment row and the quarters it takes (no reminders: tests add what they need)."""
    appointment = Appointment(
        contact_id=identity.contact_id,
        channel_identity_id=identity.id,
        counsellor_id=counsellor.id,
        kind=kind,
        site_id=None if permanence is not None else counsellor.site_id,
        permanence_id=permanence.id if permanence is not None else None,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        status=status,
        first_name=first_name,
        phone=phone if phone is not None else ("+33612345678" if kind == "phone" else None),
        calendar_key=secrets.token_urlsafe(32),
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    await session.flush()
    if status in ("booked", "attended", "missed"):
        session.add_all(
            AppointmentUnit(
                counsellor_id=counsellor.id,
                starts_at=starts_at + timedelta(minutes=offset),
                appointment_id=appointment.id,
            )
            for offset in range(0, minutes, UNIT_MINUTES)
        )
        await session.flush()
    return appointment

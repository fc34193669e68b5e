"""SQLAlchemy 2.0 models of the bot's database, by topic (Alembic migrations mirror them):
`places` (the Mission Locale and its sites), `conversations`, `outreach`, `eligibility`, `agenda`
(counsellors, permanences, appointments, reminders), `staff` (console accounts, sessions, audit),
`aggregates` (anonymised monthly figures). Import them from here."""

from bot.storage.models.agenda import (
    UNIT_MINUTES,
    Appointment,
    AppointmentLength,
    AppointmentReminder,
    AppointmentUnit,
    AvailabilityException,
    Counsellor,
    CounsellorHours,
    Permanence,
)
from bot.storage.models.aggregates import CountedMonth, UsageAggregate
from bot.storage.models.base import MAX_ID, NAMING_CONVENTION, Base, UTCDateTime, one_of
from bot.storage.models.campaigns import (
    Campaign,
    CampaignDelivery,
    CampaignPost,
    ConsentEvent,
    Upload,
)
from bot.storage.models.conversations import (
    ChannelIdentity,
    Contact,
    Conversation,
    Message,
    ReceivedEvent,
)
from bot.storage.models.eligibility import EligibilityProfile
from bot.storage.models.outreach import OutreachSource
from bot.storage.models.places import MissionLocale, OpeningHours, Site
from bot.storage.models.staff import (
    AuditEntry,
    CannedReply,
    ConversationAssignment,
    ConversationEvent,
    StaffAccount,
    StaffSession,
)

__all__ = [
    "MAX_ID",
    "NAMING_CONVENTION",
    "UNIT_MINUTES",
    "Appointment",
    "AppointmentLength",
    "AppointmentReminder",
    "AppointmentUnit",
    "AuditEntry",
    "AvailabilityException",
    "Base",
    "Campaign",
    "CampaignDelivery",
    "CampaignPost",
    "CannedReply",
    "ChannelIdentity",
    "ConsentEvent",
    "Contact",
    "Conversation",
    "ConversationAssignment",
    "ConversationEvent",
    "Counsellor",
    "CounsellorHours",
    "CountedMonth",
    "EligibilityProfile",
    "Message",
    "MissionLocale",
    "OpeningHours",
    "OutreachSource",
    "Permanence",
    "ReceivedEvent",
    "Site",
    "StaffAccount",
    "StaffSession",
    "UTCDateTime",
    "Upload",
    "UsageAggregate",
    "one_of",
]

"""The words the database stores for appointments, reminders, outreach and eligibility: each set
of values is one enum here, the only source. The storage builds its CHECK constraints from them
(bot/storage/models/), the domain modules compare against them; no bare string elsewhere.

(The conversation and message words are in bot/core/messages.py.)
"""

from __future__ import annotations

from enum import StrEnum


class AppointmentKind(StrEnum):
    """How an appointment takes place (appointment_kinds holds each one's length)."""

    ON_SITE = "on_site"
    PERMANENCE = "permanence"
    PHONE = "phone"
    VIDEO = "video"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # replaced by another appointment
    ATTENDED = "attended"
    MISSED = "missed"


# Statuses that hold the counsellor's time (their quarters stay in appointment_units).
LIVE_APPOINTMENT_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.ATTENDED,
    AppointmentStatus.MISSED,
)


class ExceptionReason(StrEnum):
    """Why a counsellor is away from their usual hours."""

    LEAVE = "leave"
    HOLIDAY = "holiday"
    CLOSURE = "closure"
    TRAINING = "training"
    OTHER = "other"


class ReminderStatus(StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"  # its message is written
    SKIPPED = "skipped"  # not sent, with a reason


class SourceKind(StrEnum):
    """The kind of an outreach action (a poster in a bakery, a Snapchat story…)."""

    POSTER = "poster"
    FLYER = "flyer"
    PERMANENCE = "permanence"
    SNAPCHAT = "snapchat"
    INSTAGRAM = "instagram"
    PARTNER = "partner"
    EVENT = "event"
    WEBSITE = "website"
    CAMPAIGN = "campaign"  # a campaign of the console (#11): its links and buttons
    OTHER = "other"


class Orientation(StrEnum):
    """Which scheme the eligibility questionnaire points to."""

    SCHOOL = "school"  # under 16: school is compulsory
    KEEP_STUDYING = "keep_studying"  # already in studies or training
    CEJ = "cej"
    PACEA = "pacea"
    FRANCE_TRAVAIL = "france_travail"  # over the age limit


class StaffRole(StrEnum):
    """What a staff account may do in the console (#10)."""

    COUNSELLOR = "counsellor"  # conversations and their own agenda
    CAMPAIGN = "campaign"  # campaigns only: no transcripts
    ADMIN = "admin"  # everything, and the accounts


class HandoffReason(StrEnum):
    """Why a conversation went to the counsellors (shown at the top of the handoff packet)."""

    ASKED = "asked"  # « parler à quelqu'un », in words or with the button
    NOT_UNDERSTOOD = "not_understood"  # accepted a human after the bot failed to understand
    DISTRESS = "distress"  # words of danger (the kinds are on the conversation)
    RASA_DOWN = "rasa_down"  # the assistant did not answer: a person takes over (fail-safe)


class ConversationEventKind(StrEnum):
    """What the team did in a conversation: shown in the console's transcript, never sent."""

    TAKEN = "taken"
    REASSIGNED = "reassigned"
    RELEASED = "released"  # handed back to the bot
    CLOSED = "closed"
    NOTE = "note"  # a private note


class ConsentKind(StrEnum):
    """A young person's yes or stop to the Mission Locale's news (campaigns, #11)."""

    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class CampaignTarget(StrEnum):
    """Where a campaign goes: a post on the Mission Locale's channel or feed, or messages to
    young people who asked for news."""

    TELEGRAM_CHANNEL = "telegram_channel"
    INSTAGRAM_FEED = "instagram_feed"
    TELEGRAM_DM = "telegram_dm"
    INSTAGRAM_DM = "instagram_dm"
    WEBCHAT = "webchat"


class PostTarget(StrEnum):
    """The targets that are one post rather than one message per young person."""

    TELEGRAM_CHANNEL = "telegram_channel"
    INSTAGRAM_FEED = "instagram_feed"


class CampaignStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # CAMPAIGN_APPROVAL=1: an admin approves first
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"  # by staff, or by the quiet hours (resumes by itself)
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryState(StrEnum):
    """One recipient of a campaign: pending → queued (its message written) → sent, failed or
    skipped (with a reason), or interrupted (cut by a crash mid-send: never resent)."""

    PENDING = "pending"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    INTERRUPTED = "interrupted"


class PostState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"  # Instagram: the container is being prepared
    PUBLISHED = "published"
    FAILED = "failed"


# Age bands of the campaign audience (#11), from the questionnaire's age: (lowest, highest).
AGE_BANDS = {"16-17": (16, 17), "18-21": (18, 21), "22-25": (22, 25), "26+": (26, 120)}


class AuditAction(StrEnum):
    """What a staff member did, as the audit log records it (#12). Append-only: kept 12 months."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW = "view"  # opened a conversation
    TAKE = "take"
    REPLY = "reply"
    NOTE = "note"
    REASSIGN = "reassign"
    RELEASE = "release"  # handed back to the bot
    CLOSE = "close"
    EXPORT = "export"
    ERASE = "erase"
    ACCOUNT_CREATE = "account_create"
    ACCOUNT_CHANGE = "account_change"


class UsageMetric(StrEnum):
    """What a monthly figure counts (each by the month of the date named)."""

    NEW_CONTACTS = "new_contacts"  # contacts first seen (created_at)
    CONVERSATIONS = "conversations"  # conversations opened (created_at); outcome: handoff reason
    QUESTIONNAIRES = "questionnaires"  # questionnaires completed; outcome: the orientation
    APPOINTMENTS = "appointments"  # appointments by their date; outcome: their status
    CAMPAIGN_MESSAGES = "campaign_messages"  # campaign deliveries; outcome: their state

"""The bot's exception tree; the core raises these, only the edges turn them into replies or HTTP.

BotError
├── ConfigError            a setting is missing or invalid (startup stops)
├── RasaError
│   ├── RasaUnavailable    refused, timed out or HTTP 5xx (→ apology)
│   └── RasaProtocolError  Rasa answered something we cannot read
├── FloodLimited           too many new contacts from one address (→ 429, nothing stored)
├── DeliveryFailed         a channel could not deliver a message (recorded with its reason)
├── StaffAccountError      a staff account cannot be created as asked (French message)
├── ConsoleError
│   ├── ConversationNotFound  no open conversation with this id (→ 404)
│   ├── AlreadyTaken       another counsellor holds the conversation (`holder`; → 409)
│   ├── NotHeld            the conversation must be taken first (→ 409)
│   ├── UnknownColleague   passing it to someone who cannot take conversations (→ 400)
│   └── CannotSend         the channel refuses a message now (Instagram's window; → 409)
└── BookingError
    ├── SlotGone           the slot a button named is no longer offered (→ new slots)
    ├── SlotTaken          someone else booked the same time first (→ told kindly, new slots)
    ├── AppointmentNotFound  no appointment with this id (→ 404)
    └── OutcomeRefused     attended/missed cannot be recorded now (`reason`; → 400 or 409)

Bad input at an edge is refused where it is read, with its own exception that never leaves that
module: `BodyRejected` (bot/http/json_body.py), `InvalidRequest` (the web chat API),
`MalformedBatch` (Instagram webhooks), `InvalidSource` and `InvalidDays` (staff tools).
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error raised on purpose by the bot."""


class ConfigError(BotError):
    """A setting is missing or invalid."""


class RasaError(BotError):
    """Talking to Rasa failed."""


class RasaUnavailable(RasaError):
    """Rasa could not be reached in time."""


class RasaProtocolError(RasaError):
    """Rasa answered, but not in the shape we expect."""


class FloodLimited(BotError):
    """Too many new contacts came from one network address: this one is not created."""


class StaffAccountError(BotError):
    """A staff account cannot be created or changed as asked; the message is in French."""


class ConsoleError(BotError):
    """A console action on a conversation cannot be done."""


class ConversationNotFound(ConsoleError):
    """No conversation with this id, or it is closed."""


class AlreadyTaken(ConsoleError):
    """Another counsellor holds the conversation; `holder` is their display name."""

    def __init__(self, holder: str) -> None:
        super().__init__(holder)
        self.holder = holder


class NotHeld(ConsoleError):
    """Replying or closing needs the conversation taken by this account first."""


class UnknownColleague(ConsoleError):
    """A conversation can only be passed to an active counsellor or admin account."""


class CannotSend(ConsoleError):
    """The young person's channel refuses a message now (Instagram's window); `why` in French."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class DeliveryFailed(BotError):
    """A push channel gave up on a message; `reason` is a short code stored with the message
    (`outside_24h_window`, `blocked_by_user`, `rate_limited`, `platform_error`…)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class BookingError(BotError):
    """An appointment could not be booked or changed as asked."""


class SlotGone(BookingError):
    """The slot is no longer offered: booked since, too close now, or never real."""


class SlotTaken(BookingError):
    """Another booking of the same counsellor's time committed first (the database said so)."""


class AppointmentNotFound(BookingError):
    """No appointment has this id."""


class OutcomeRefused(BookingError):
    """A counsellor's outcome (attended, missed) cannot be recorded; `reason` is a stable code:
    `unknown_outcome`, `not_started` (its start time has not passed), `cancelled` or
    `rescheduled` (nothing took place)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

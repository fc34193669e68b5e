"""When a message may still reach a young person on their channel (#10).

Instagram lets a business answer within 24 hours of the person's last message; a person of the
team (never the bot) may answer up to 7 days after it with Meta's HUMAN_AGENT tag, when the
Mission Locale enabled it (INSTAGRAM_HUMAN_AGENT=1). Telegram and the web chat have no window.
The console shows this rule to counsellors; the Instagram channel applies it when sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.messages import Author

INSTAGRAM = "instagram"
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
HUMAN_AGENT_TAG = "HUMAN_AGENT"


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """Whether a message can go now, until when, with which tag (None: a normal reply), and
    if it cannot, why (in French, for the console's composer)."""

    open: bool
    until: datetime | None = None
    tag: str | None = None
    why: str | None = None


def reply_window(
    channel: str,
    last_incoming_at: datetime | None,
    now: datetime,
    author: Author,
    *,
    human_agent: bool,
) -> ReplyWindow:
    if channel != INSTAGRAM:
        return ReplyWindow(open=True)
    if last_incoming_at is None:
        return ReplyWindow(open=False, why="Ce jeune n'a encore rien écrit sur Instagram.")
    standard_end = last_incoming_at + STANDARD_WINDOW
    if now < standard_end:
        return ReplyWindow(open=True, until=standard_end)
    agent_end = last_incoming_at + HUMAN_AGENT_WINDOW
    if author is Author.COUNSELLOR and human_agent and now < agent_end:
        return ReplyWindow(open=True, until=agent_end, tag=HUMAN_AGENT_TAG)
    if author is Author.COUNSELLOR and now < agent_end:
        why = (
            "Instagram n'autorise plus de réponse : son dernier message a plus de 24 h. "
            "(Au-delà, il faut l'étiquette « agent humain » : INSTAGRAM_HUMAN_AGENT=1.)"
        )
    elif author is Author.COUNSELLOR:
        why = "Instagram n'autorise plus de réponse : son dernier message a plus de 7 jours."
    else:
        why = "Instagram n'autorise plus de réponse : son dernier message a plus de 24 h."
    return ReplyWindow(open=False, why=why)

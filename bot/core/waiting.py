"""A young person waiting for a counsellor never meets silence.

Their first held message is acknowledged, then again at most every 30 minutes: when the team is
there, the danger numbers, and a button to go back to the assistant meanwhile (that payload is
the bot's own and never reaches Rasa). In between, a message that calls out (« allo ? », « y a
quelqu'un », « c'est urgent ») gets a one-line answer with the numbers, any other a short
receipt; all of them wait for the counsellor.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.content.texts import Texts
from bot.core.distress import normalize
from bot.core.messages import Author, BotReply, Button, Direction, MessageStatus
from bot.core.topics import load_topic_content, read_point, read_topic
from bot.rasa.payloads import payload
from bot.storage.models import Message

ACKNOWLEDGE_EVERY = timedelta(minutes=30)
BACK_TO_ASSISTANT = payload("back_to_assistant")
_CALLING_OUT = re.compile(
    r"\ball?o\b|\by a (?:quelqu un|qq1|qqn|personne)\b|\bvous (?:etes|ete) (?:la|ou)\b|"
    r"\bquelqu un\b|\burgent\b|\burgence\b|\bvite\b|\brepond\w*|\btoujours (?:la|rien)\b|"
    r"\bca vient\b|\bj attends\b|\bhe+ho\b|\bhello\b"
)


_BACK_TO_ASSISTANT = re.compile(
    r"\b(?:reviens|retourne|repasse|revenir|retourner|repasser|je reprends) "
    r"(?:au|a l|avec (?:le|l)|sur le) ?(?:bot|robot|assistant|chatbot)\b|"
    r"\blaisse tomber (?:le|la|l|les) ?(?:conseiller|conseillere|humain|equipe|attente)\b|"
    r"\b(?:plus besoin|pas besoin) (?:d un|du|de|d) ?(?:conseiller|conseillere|humain)\b"
)


def asks_for_the_assistant(text: str | None) -> bool:
    """« laisse tomber, je reviens au bot »: the same as the « Revenir à l'assistant » button
    (only explicit words: a lone « laisse tomber » keeps the request for a counsellor)."""
    return text is not None and bool(_BACK_TO_ASSISTANT.search(normalize(text)))


_IMPATIENT = re.compile(
    r"\bca fait (?:\d+|une|deux|trois) (?:min\w*|heures?|h|plombes?)\b|\btoujours pas\b|"
    r"\bc est long\b|\btrop long\b|\bvous etes ou\b|\bpersonne (?:ne )?repond\b"
)


def impatient(text: str | None) -> bool:
    """« wsh ça fait 10 min »: the wait itself is the problem (an apology is owed)."""
    return text is not None and bool(_IMPATIENT.search(normalize(text)))


def calls_out(text: str | None) -> bool:
    """Whether a held message asks whether anyone is there (or says it is urgent)."""
    return text is not None and (bool(_CALLING_OUT.search(normalize(text))) or "??" in text)


async def needs_acknowledgement(session: AsyncSession, conversation_id: int, now: datetime) -> bool:
    """No answer to a held message of this conversation in the last 30 minutes (a one-line
    answer to « allo ? » counts: the young person heard from us)."""
    held = aliased(Message)
    last = await session.scalar(
        select(func.max(Message.created_at))
        .join(held, Message.reply_to_id == held.id)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.OUT,
            Message.author == Author.SYSTEM,
            held.status == MessageStatus.HELD,
        )
    )
    return last is None or now - last >= ACKNOWLEDGE_EVERY


def still_waiting(texts: Texts) -> BotReply:
    """The one-line answer to « allo ? » between two acknowledgements."""
    return BotReply(
        text=texts.waiting_still,
        buttons=(Button(texts.back_to_assistant_button, BACK_TO_ASSISTANT),),
    )


def received(texts: Texts) -> BotReply:
    """The receipt of any other held message between two acknowledgements."""
    return BotReply(text=texts.waiting_received)


def acknowledgement(texts: Texts, reopening: str | None) -> BotReply:
    """« Bien reçu », when the team is there, 17 / 112, and the way back to the assistant."""
    text = (
        texts.waiting_open
        if reopening is None
        else texts.waiting_closed.format(reopening=reopening)
    )
    return BotReply(text=text, buttons=(Button(texts.back_to_assistant_button, BACK_TO_ASSISTANT),))


def answer_meanwhile(texts: Texts, text: str | None) -> BotReply | None:
    """« en attendant, c combien le cej ? »: a question that names its subject and its point is
    answered from the topics' content while the team is awaited (the message stays held for the
    team too); anything less certain gets only the receipt."""
    if not text or text.startswith("/"):
        return None
    topic, point = read_topic(text), read_point(text)
    if topic is None or point is None:
        return None
    answer = load_topic_content().answer(topic, point)
    if answer is None:
        return None  # (« c'est où ? » needs the sites: left to the team)
    return BotReply(text=f"{texts.waiting_meanwhile}\n{answer.text}")

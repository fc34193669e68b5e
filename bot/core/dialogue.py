"""The dialogue router: store every message, then let Rasa or a counsellor answer it."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.content.texts import Texts
from bot.core import erasure, handoff, news_offer, posting, sensitive, waiting
from bot.core.crisis import crisis_reasons, crisis_turn, without_destructive_questions
from bot.core.distress import DistressContent, classify, laughs
from bot.core.flood import FloodGuard
from bot.core.live import Announcer, LiveEvent, LiveKind
from bot.core.messages import (
    ACTION_FAILED_SIGNAL,
    ERASE_SIGNAL,
    GENERIC_SIGNAL,
    Author,
    BotReply,
    Button,
    ConversationState,
    Direction,
    IncomingMessage,
    MessageStatus,
    OutgoingMessage,
)
from bot.core.ports import Clock, DialogueEngine, TrackerEraser, TrackerReader
from bot.core.team_hours import reopening_if_closed
from bot.core.tone import APOLOGISES, angry
from bot.core.vocabulary import HandoffReason
from bot.errors import FloodLimited, RasaError
from bot.rasa.payloads import payload as rasa_payload
from bot.storage import consents, sources
from bot.storage import conversations as store
from bot.storage.models import Conversation

logger = logging.getLogger(__name__)

# contacts.last_seen_at is refreshed at most this often (one write less on most messages).
LAST_SEEN_PRECISION = timedelta(minutes=10)
# An answer that already says who answers (the greeting): the notice joins it, without its intro.
INTRODUCES_THE_ASSISTANT = "assistant automatique"


@dataclass(frozen=True, slots=True)
class PrivacyNotice:
    """What the first-contact notice says (#12): how long conversations are kept (the purge's
    own setting) and the address of the privacy page."""

    conversations_months: int
    page_url: str


@dataclass(frozen=True, slots=True)
class HandleResult:
    """What happened to one incoming message: its stored id and the replies to deliver now."""

    message_id: int
    conversation_id: int
    replies: tuple[OutgoingMessage, ...]
    # The contact is over the flood limit: the message is stored, not sent to Rasa.
    throttled: bool = False
    # The contact was erased: the replies are not stored (their id is 0).
    erased: bool = False


class DialogueService:
    """Platform-free: channels hand it IncomingMessages and deliver the replies it returns.

    Each step is its own transaction, so a crash leaves a consistent record: the incoming message
    is committed (status `received`) before Rasa is asked; replies and the new status are
    committed together afterwards.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        engine: DialogueEngine,
        clock: Clock,
        texts: Texts,
        distress: DistressContent,
        tracker_eraser: TrackerEraser,
        flood: FloodGuard | None = None,
        announcer: Announcer | None = None,
        readings: TrackerReader | None = None,
        *,
        privacy: PrivacyNotice | None = None,
    ) -> None:
        """Without `privacy`, a new contact's first answer carries no notice (unit tests)."""
        self._privacy = privacy
        self._announcer = announcer
        self._readings = readings
        self._sessions = session_factory
        self._engine = engine
        self._clock = clock
        self._texts = texts
        self._distress = distress
        self._tracker_eraser = tracker_eraser
        self._flood = flood

    async def handle(self, incoming: IncomingMessage) -> HandleResult:
        """Store and route one message; the replies are posted through `bot/core/posting.py`
        (pending for a pushed channel, sent for the web chat, which fetches them).

        Raises FloodLimited (nothing stored) for a new contact from an address that created too
        many; a contact over its own message limit is stored and answered at most by a notice.
        Distress is never limited."""
        try:
            result = await self._handle(incoming)
        except IntegrityError:
            if incoming.external_id is None:
                raise
            # The same message arrived twice at once: the other request answers it.
            async with self._sessions() as session:
                route = await store.find_route(session, incoming.channel, incoming.external_user_id)
                seen = route and await store.find_by_external_id(
                    session, route.conversation_id, incoming.external_id
                )
            if not route or not seen:
                raise
            logger.info("message %s arrived twice at once: answered once", seen[0].id)
            return HandleResult(seen[0].id, route.conversation_id, ())
        if not result.erased:
            await self._announce(LiveEvent(result.conversation_id, LiveKind.MESSAGE))
        return result

    async def _announce(self, event: LiveEvent | None) -> None:
        """Console pages see the change (after its commit); a hand-over alerts the team."""
        if self._announcer is not None:
            await self._announcer.announce(event)

    async def _handle(self, incoming: IncomingMessage) -> HandleResult:
        channel = incoming.channel
        now = self._clock.now()
        masked = sensitive.mask(incoming.text) if incoming.text is not None else None
        if masked is not None and masked.found:
            # Stored, shown to the team and passed to Rasa (whose tracker keeps the text) masked.
            incoming = dataclasses.replace(incoming, text=masked.text)
        warning = (
            [BotReply(text=self._texts.masked_warning(sorted(masked.found)))]
            if masked is not None and masked.found
            else []
        )
        danger = classify(incoming.text) if incoming.text is not None else frozenset()
        # Words of danger in a message that laughs: asked back, not assumed (no urgent flag).
        check_in = bool(danger) and laughs(incoming.text or "")
        if check_in:
            danger = frozenset()
        async with self._sessions() as session, session.begin():
            route, new_contact = await self._route(session, incoming, now, limited=not danger)
            if incoming.external_id is not None:
                seen = await store.find_by_external_id(
                    session, route.conversation_id, incoming.external_id
                )
                if seen is not None:
                    logger.info("message %s seen again: not processed twice", seen[0].id)
                    replies = tuple(store.to_outgoing(m) for m in seen[1])
                    return HandleResult(seen[0].id, route.conversation_id, replies)
            crisis, alarm = None, None
            if danger:
                conversation = await session.get_one(Conversation, route.conversation_id)
                alarm = self._first_alarm(conversation, danger)
                await store.flag_urgent(session, conversation, danger, now)
            else:
                crisis = crisis_reasons(route.urgent_at, route.urgent_reasons, now)
            state = ConversationState(route.state)
            back = (
                state is ConversationState.WAITING_FOR_COUNSELLOR
                and not danger
                and waiting.asks_for_the_assistant(incoming.text)
            )
            if back:  # « je reviens au bot, c koi le faj »: the bot answers this very message
                await store.set_conversation_state(
                    session, route.conversation_id, ConversationState.BOT, now
                )
                state = ConversationState.BOT
            held = state is not ConversationState.BOT
            throttled = (
                not held
                and not danger
                and self._flood is not None
                and not await self._flood.message_allowed(route.contact_id)
            )
            [(message_id, _)] = await store.insert_messages(
                session,
                [
                    store.message_row(
                        conversation_id=route.conversation_id,
                        direction=Direction.IN,
                        author=Author.YOUNG_PERSON,
                        status=MessageStatus.HELD if held else MessageStatus.RECEIVED,
                        now=now,
                        text=incoming.text,
                        payload=stored_payload(incoming),
                        external_id=incoming.external_id,
                    )
                ],
            )
            sender_id, conversation_id = route.public_id, route.conversation_id
            contact_id = route.contact_id
        await self._announce(alarm)

        # Distress is answered first, whoever holds the conversation and whatever Rasa does.
        first = [self._distress.reply(danger)] if danger else []
        if check_in:
            first = [self._distress.check_in_reply()]
        if back:
            logger.info("conversation %s back with the bot in words", conversation_id)
            first = [BotReply(text=self._texts.back_to_assistant_in_words)]
        if warning:
            logger.info("message %s: a sensitive number was masked", message_id)
        if danger:
            logger.warning("conversation %s flagged urgent (%s)", conversation_id, ",".join(danger))
        if (
            incoming.payload == waiting.BACK_TO_ASSISTANT
            and state is not ConversationState.WITH_COUNSELLOR
        ):
            return await self._back_to_assistant(message_id, conversation_id, state, channel)
        if held:
            logger.info(
                "message %s held: conversation %s is %s", message_id, conversation_id, state
            )
            if not danger and state is ConversationState.WAITING_FOR_COUNSELLOR:
                first = await self._acknowledge_waiting(conversation_id, incoming.text)
            outgoing = await self._store_replies(
                message_id,
                conversation_id,
                [*first, *warning],
                Author.SYSTEM,
                MessageStatus.HELD,
                channel,
            )
            return HandleResult(message_id, conversation_id, outgoing)

        if throttled:
            return await self._throttled(message_id, conversation_id, contact_id, channel)

        if incoming.attachment is not None:
            # Rasa cannot read it either: a kind word from the bot, the conversation goes on.
            reply = BotReply(text=self._texts.attachment_reply(incoming.attachment.value))
            said = self._with_notice([reply], 0) if new_contact else [reply]
            return await self._say(message_id, conversation_id, said, channel)

        metadata = {"channel": incoming.channel}
        if danger or check_in:
            # Read by actions/distress.py, which then stays silent (no second answer).
            metadata["distress_handled"] = ",".join(sorted(danger)) or "check_in"
        elif crisis is not None:
            # Read by actions/confirmation.py: a « stop » in a crisis is asked back, not obeyed.
            metadata["crisis_context"] = ",".join(sorted(crisis))
        try:
            turn = await self._engine.send_message(sender_id, incoming.content, metadata)
        except RasaError as exc:
            logger.warning("message %s unprocessed: %s", message_id, exc)
            await self._hand_over_for_rasa(conversation_id)
            fallback = [*(first or [BotReply(text=self._texts.rasa_unavailable)]), *warning]
            if new_contact:
                fallback = self._with_notice(fallback, len(fallback))
            outgoing = await self._store_replies(
                message_id,
                conversation_id,
                fallback,
                Author.SYSTEM,
                MessageStatus.UNPROCESSED,
                channel,
            )
            return HandleResult(message_id, conversation_id, outgoing)

        if ERASE_SIGNAL in turn.signals:
            return await self._erase(sender_id, message_id, conversation_id, turn.replies)
        said = list(turn.replies) if crisis is None else crisis_turn(turn, crisis, self._distress)
        if danger:
            # The numbers come first; a generic answer after them (« pas compris », the menu)
            # would bounce a young person in crisis back to a menu: dropped.
            said = [] if GENERIC_SIGNAL in turn.signals else without_destructive_questions(said)
        if not danger and crisis is None and angry(incoming.text or ""):
            said = self._with_apology(said)
        first = [*first, *warning]
        answer, status = [*first, *said], MessageStatus.PROCESSED
        if (
            not new_contact  # the first answer carries the notice: the offer comes later
            and not danger
            and not check_in
            and crisis is None
            and said
            and GENERIC_SIGNAL not in turn.signals
            and ACTION_FAILED_SIGNAL not in turn.signals
            and not news_offer.ends_with_a_question(said)
        ):
            answer.extend(await self._news_offer(sender_id, contact_id))
        # (After distress numbers, Rasa's distress action stays silent on purpose.)
        if ACTION_FAILED_SIGNAL in turn.signals or not answer:
            # Never an empty answer: an apology and a human, and the message is kept for one.
            logger.warning(
                "message %s unprocessed: %s",
                message_id,
                "an action failed" if turn.replies else "Rasa answered nothing",
            )
            answer.append(self._nothing_to_say())
            status = MessageStatus.UNPROCESSED
        if new_contact:
            answer = self._with_notice(answer, len(first))
        outgoing = await self._store_replies(
            message_id, conversation_id, answer, Author.BOT, status, channel
        )
        return HandleResult(message_id, conversation_id, outgoing)

    async def _acknowledge_waiting(self, conversation_id: int, text: str | None) -> list[BotReply]:
        """The acknowledgement a waiting young person gets (if none went < 30 min ago; else a
        line when they call out, a receipt otherwise: never silence)."""
        now = self._clock.now()
        impatient = waiting.impatient(text)
        async with self._sessions() as session:
            if not await waiting.needs_acknowledgement(session, conversation_id, now):
                if waiting.calls_out(text) or impatient:
                    said = [waiting.still_waiting(self._texts)]
                else:
                    said = [waiting.received(self._texts)]
            else:
                reopening = await reopening_if_closed(session, now)
                said = [waiting.acknowledgement(self._texts, reopening)]
        if impatient or angry(text or ""):
            said.insert(0, BotReply(text=self._texts.waiting_sorry))  # the wait is the problem
        meanwhile = waiting.answer_meanwhile(self._texts, text)
        return said if meanwhile is None else [*said, meanwhile]

    async def _back_to_assistant(
        self,
        message_id: int,
        conversation_id: int,
        state: ConversationState,
        channel: str,
    ) -> HandleResult:
        """« Revenir à l'assistant » while waiting: the bot answers again (a stale button in a
        conversation already with the bot just gets the same word)."""
        if state is ConversationState.WAITING_FOR_COUNSELLOR:
            async with self._sessions() as session, session.begin():
                await store.set_conversation_state(
                    session, conversation_id, ConversationState.BOT, self._clock.now()
                )
            logger.info(
                "conversation %s back with the bot at the young person's request", conversation_id
            )
        reply = BotReply(text=self._texts.back_to_assistant)
        return await self._say(message_id, conversation_id, [reply], channel)

    async def _say(
        self, message_id: int, conversation_id: int, replies: list[BotReply], channel: str
    ) -> HandleResult:
        """The service's own answer to a message, which is then processed (Rasa not asked)."""
        outgoing = await self._store_replies(
            message_id,
            conversation_id,
            replies,
            Author.SYSTEM,
            MessageStatus.PROCESSED,
            channel,
        )
        return HandleResult(message_id, conversation_id, outgoing)

    def _with_notice(self, answer: list[BotReply], at: int) -> list[BotReply]:
        """A new contact's answer with the privacy notice (#12), once: after the distress
        numbers (`at`), before the rest, so that the last message keeps its buttons (Instagram
        shows only the last one's). Folded into the greeting, which already says who answers."""
        if self._privacy is None:
            return answer
        months, url = self._privacy.conversations_months, self._privacy.page_url
        after = answer[at:]
        if after and INTRODUCES_THE_ASSISTANT in after[0].text.casefold():
            notice = self._texts.first_contact_notice(months, url, introduce=False)
            joined = dataclasses.replace(after[0], text=f"{after[0].text}\n\n{notice}")
            return [*answer[:at], joined, *after[1:]]
        notice_reply = BotReply(text=self._texts.first_contact_notice(months, url))
        return [*answer[:at], notice_reply, *after]

    async def _news_offer(self, sender_id: str, contact_id: int) -> list[BotReply]:
        """The news, offered once after a first useful answer (bot/core/news_offer.py)."""
        if self._readings is None:
            return []
        readings = await self._readings.recent_readings(sender_id, 1)
        if not readings or not news_offer.useful(readings[0]):
            return []
        async with self._sessions() as session, session.begin():
            if not await news_offer.claim_offer(session, contact_id, self._clock.now()):
                return []
        logger.info("news offered to contact %s", contact_id)
        return [news_offer.offer()]

    @staticmethod
    def _first_alarm(conversation: Conversation, danger: frozenset[str]) -> LiveEvent | None:
        """Distress first recognised in this conversation: it goes to the team (it stays with
        the bot, which keeps giving the numbers, until someone takes it)."""
        if conversation.urgent:
            return None
        if conversation.state == ConversationState.BOT:
            conversation.handoff_reason = HandoffReason.DISTRESS.value
        return LiveEvent(
            conversation.id,
            LiveKind.STATE,
            conversation.state,
            urgent=True,
            reason=HandoffReason.DISTRESS.value,
            kinds=",".join(sorted(danger)),
        )

    async def _hand_over_for_rasa(self, conversation_id: int) -> None:
        """Rasa did not answer: a person takes over (fail-safe); « assistant en panne »."""
        async with self._sessions() as session, session.begin():
            conversation = await session.get(Conversation, conversation_id)
            event = None
            if conversation is not None:
                event = await handoff.hand_over(
                    session, conversation, HandoffReason.RASA_DOWN, self._clock.now()
                )
        await self._announce(event)

    def _with_apology(self, said: list[BotReply]) -> list[BotReply]:
        """Anger or an insult: a short apology first, and a human offered (unless the answer
        already apologises, or already offers one)."""
        if any(APOLOGISES.search(reply.text.casefold()) for reply in said):
            return said
        human = rasa_payload("request_human")
        offered = any(b.payload == human for reply in said for b in reply.buttons)
        buttons = () if offered else (Button(self._texts.human_button, human),)
        return [BotReply(text=self._texts.angry_apology, buttons=buttons), *said]

    def _nothing_to_say(self) -> BotReply:
        human = Button(self._texts.human_button, rasa_payload("request_human"))
        return BotReply(text=self._texts.nothing_to_say, buttons=(human,))

    async def _throttled(
        self, message_id: int, conversation_id: int, contact_id: int, channel: str
    ) -> HandleResult:
        """Kept, not sent to Rasa. Push channels get one kind notice a minute; the web chat's
        answer (429) says it itself."""
        assert self._flood is not None
        logger.info("message %s kept, not processed: contact over the flood limit", message_id)
        pushed = not posting.pulled(channel)
        notice = (
            [BotReply(text=self._texts.flood_notice)]
            if pushed and await self._flood.notice_allowed(contact_id)
            else []
        )
        outgoing = await self._store_replies(
            message_id,
            conversation_id,
            notice,
            Author.SYSTEM,
            MessageStatus.UNPROCESSED,
            channel,
        )
        return HandleResult(message_id, conversation_id, outgoing, throttled=True)

    async def _route(
        self, session: AsyncSession, incoming: IncomingMessage, now: datetime, *, limited: bool
    ) -> tuple[store.Route, bool]:
        """The message's route in one query when the contact is known; created otherwise (if
        the flood limit of its address allows a new contact, when `limited`). True when the
        contact is new: this is their first message."""
        route = await store.find_route(session, incoming.channel, incoming.external_user_id)
        if route is None:
            known = await store.find_identity(session, incoming.channel, incoming.external_user_id)
            if (
                limited
                and incoming.origin is not None
                and self._flood is not None
                and known is None
                and not await self._flood.new_contact_allowed(incoming.origin)
            ):
                raise FloodLimited("too many new contacts from one address")
            # The outreach code counts only on the contact's first contact (applied on creation).
            source_id = await sources.active_source_id(session, incoming.source)
            identity = await store.get_or_create_identity(
                session, incoming.channel, incoming.external_user_id, now, source_id
            )
            conversation = await store.open_conversation(session, identity, now)
            await store.touch_contact(session, identity.contact_id, now)  # maybe a returning one
            route = store.Route(
                identity.id,
                identity.public_id,
                identity.contact_id,
                now,
                conversation.id,
                conversation.state,
            )
            return route, known is None
        if now - route.last_seen_at > LAST_SEEN_PRECISION:
            await store.touch_contact(session, route.contact_id, now)
            await consents.reachable_again(session, route.identity_id)  # they unblocked the bot
        return route, False

    async def _erase(
        self,
        sender_id: str,
        message_id: int,
        conversation_id: int,
        replies: tuple[BotReply, ...],
    ) -> HandleResult:
        """Erase the contact (every channel identity, conversation and message) and what Rasa
        keeps about them (bot/core/erasure.py, as from the console); the confirmation is
        delivered but, by design, not stored."""
        async with self._sessions() as session:
            contact_id = await store.contact_of_sender(session, sender_id)
        if contact_id is None:
            raise LookupError("unknown sender")
        await erasure.erase_contact(self._sessions, self._tracker_eraser, contact_id)
        now = self._clock.now()
        unsaved = tuple(
            OutgoingMessage(0, 0, Author.BOT, reply.text, reply.buttons, now) for reply in replies
        )
        return HandleResult(message_id, conversation_id, unsaved, erased=True)

    async def _store_replies(
        self,
        message_id: int,
        conversation_id: int,
        replies: list[BotReply],
        author: Author,
        incoming_status: MessageStatus,
        channel: str,
    ) -> tuple[OutgoingMessage, ...]:
        """Post the replies and settle the incoming message's status, in one transaction."""
        async with self._sessions() as session, session.begin():
            outgoing = await posting.post(
                session,
                conversation_id=conversation_id,
                channel=channel,
                author=author,
                replies=replies,
                now=self._clock.now(),
                reply_to_id=message_id,
            )
            await store.set_message_status(session, message_id, incoming_status)
        return outgoing


def stored_payload(incoming: IncomingMessage) -> str | None:
    """A button's payload, or the kind of a non-text message (never its content)."""
    if incoming.attachment is not None:
        return f"[{incoming.attachment.value}]"
    return incoming.payload

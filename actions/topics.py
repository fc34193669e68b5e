"""Answers by subject and point, with the subject kept across turns (« et ça dure combien ? »
after the PACEA answer is about the PACEA); the same answer asked again comes in short.

The subject is, in this order: named in the message, fixed by the intent (ask_cej, ask_pacea), a
support_topic entity, the subject of the previous answers (slot `topic`), the intent's default.
The point is read from the words, or is the intent's default. An on-topic point the content has no
answer for is said plainly, with a human offered (never « je ne peux pas t'aider »).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.appointments import say_booked_elsewhere
from actions.check_in import check_in, distress_close
from actions.mission_locale import say_site_info
from actions.under_16 import answer_under_16, forget_age, said_age_under_16
from bot.booking.reading import booked_elsewhere
from bot.content.texts import reply_text
from bot.core.action_services import services
from bot.core.messages import GENERIC_SIGNAL
from bot.core.topics import (
    REMEMBERED,
    SITUATIONS,
    SUPPORT_TOPICS,
    Point,
    Topic,
    about_oneself,
    asks_for_simple_french,
    asks_more,
    load_topic_content,
    read_point,
    read_topic,
)
from bot.core.towns import NamedTown, town_in
from bot.eligibility.reading import SURE
from bot.rasa.payloads import payload
from bot.storage.sites import area_departments

NAME = "action_topic_answer"
TOPIC_SLOT = "topic"
ANSWERED_SLOT = "answered"
SIMPLE_SLOT = "simple_french"
TOWN_SLOT = "town"  # {"name": …, "department": …}: a town said in passing, for « c'est où ? »
SITUATION_SLOT = "situation"  # a point of REMEMBERED said in passing (« j'ai 17 ans », « le SPIP »)

# Intents whose subject is fixed, whatever the conversation was about.
_FIXED_TOPIC = {"ask_cej": Topic.CEJ, "ask_pacea": Topic.PACEA}
# An intent's point when the words name none, and its subject when nothing else gives one.
_DEFAULTS: dict[str, tuple[Point, Topic | None]] = {
    "ask_cej": (Point.WHAT, Topic.CEJ),
    "ask_pacea": (Point.WHAT, Topic.PACEA),
    "ask_allocation": (Point.AMOUNT, Topic.CEJ),
    "ask_documents": (Point.DOCUMENTS, Topic.MISSION_LOCALE),
    "ask_mission_locale": (Point.WHERE, Topic.MISSION_LOCALE),
    "ask_other_support": (Point.WHAT, None),
    "inform": (Point.WHAT, None),
}
# Intents with their own answer (domain.yml), unless the words name another subject (« g besoin
# d'argent en urgence » read as look_for_job is about money).
_RESPONSES = {"look_for_job": "utter_look_for_job", "look_for_training": "utter_look_for_training"}
# Points the Mission Locale answers for every subject.
_MISSION_LOCALE_POINTS = (Point.DOCUMENTS, Point.WHERE)


def _subject(tracker: Tracker, text: str, intent: str) -> tuple[Topic | None, bool]:
    """The subject, and whether the message itself named it (or its intent fixed it)."""
    named = read_topic(text) if not text.startswith("/") else None
    if named is None:
        named = _FIXED_TOPIC.get(intent)
    if named is None:
        entity = next(tracker.get_latest_entity_values("support_topic"), None)
        named = SUPPORT_TOPICS.get(str(entity)) if entity else None
    if named is not None:
        return named, True
    current = _context_topic(tracker)
    if current is not None:
        return current, False
    return _DEFAULTS.get(intent, (Point.WHAT, None))[1], False


def _context_topic(tracker: Tracker) -> Topic | None:
    """The subject of the previous answers (« c payant ? » after the address is about the
    Mission Locale; its answer also says what the CEJ pays)."""
    current = tracker.get_slot(TOPIC_SLOT)
    return Topic(current) if current in set(Topic) else None


async def simple_french(
    dispatcher: CollectingDispatcher, tracker: Tracker
) -> list[dict[str, Any]] | None:
    """« je parle pas bien français »: said simply, and every answer short from now on; None
    when the message does not say so."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if not asks_for_simple_french(text):
        return None
    named = read_topic(text)
    topic = named or _context_topic(tracker)
    if topic is not None:
        # « j'ai pas compris, t'as trop écrit » after an answer: that answer again, simply
        # (« je parle pas bien français, c'est quoi le CEJ ? »: that answer, simply).
        intro = "simple_ok" if named else "simple_again"
        dispatcher.utter_message(text=reply_text("topics", intro))
        point = read_point(text) or Point.WHAT
        events = await answer_topic(dispatcher, tracker, {}, topic, point, brief=True)
        return [*events, SlotSet(SIMPLE_SLOT, True)]
    intent = str(((tracker.latest_message or {}).get("intent") or {}).get("name") or "")
    if intent in _RESPONSES:  # « moi cherche travail. toi aider ? »
        dispatcher.utter_message(text=reply_text("topics", "simple_ok"))
        return _say_simple_response(dispatcher, intent)
    menu = (("button_job", "look_for_job"), ("button_money", "ask_allocation"),
            ("button_rdv", "book_appointment"), ("button_human", "request_human"))  # fmt: skip
    dispatcher.utter_message(
        text=reply_text("topics", "simple"),
        buttons=[
            {"title": reply_text("topics", key), "payload": payload(intent)} for key, intent in menu
        ],
    )
    return [SlotSet(SIMPLE_SLOT, True)]


# How far back in the conversation what was said in passing is looked for.
RECENT_MESSAGES = 20


def said_lately(tracker: Tracker) -> list[str]:
    """The young person's typed messages, the latest first (buttons left out)."""
    texts = [
        str(e.get("text") or "")
        for e in reversed(tracker.events)
        if e.get("event") == "user" and not str(e.get("text") or "").startswith("/")
    ]
    latest = str((tracker.latest_message or {}).get("text") or "")
    if latest and not latest.startswith("/") and (not texts or texts[0] != latest):
        texts.insert(0, latest)
    return texts[:RECENT_MESSAGES]


def _town(tracker: Tracker) -> NamedTown | None:
    """The town of the latest message, or one said earlier in the conversation (read again
    from the messages, or kept in the slot)."""
    for text in said_lately(tracker):
        said = town_in(text)
        if said is not None:
            return said
    kept = tracker.get_slot(TOWN_SLOT)
    if isinstance(kept, dict) and isinstance(kept.get("department"), str):
        return NamedTown(str(kept.get("name")), kept["department"])
    return None


async def outside_the_area(tracker: Tracker) -> bool:
    """A town said in this conversation is outside this Mission Locale's area."""
    town = _town(tracker)
    return town is not None and not await _in_area(town)


async def _in_area(town: NamedTown) -> bool:
    """The town's department is one of this Mission Locale's sites' (unknown area: in)."""
    async with services().sessions() as session:
        area = await area_departments(session)
    return not area or town.department in area


def topic_question(tracker: Tracker) -> tuple[Topic, Point] | None:
    """The subject and point of the latest message when its words ask one (used by the
    not-understood action: « ca dure cmb » after the PACEA is a question, not noise)."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/"):
        return None
    point, topic = read_point(text), read_topic(text)
    if topic is None and (point not in (None, Point.WHAT) or asks_more(text)):
        # Only a precise point (or « ya quoi d'autre ? ») borrows the subject of the
        # conversation (« c'est quoi ton prénom ? » is not a question about the CEJ).
        topic = _context_topic(tracker)
    if topic is None and point in (Point.WHERE, Point.SIGNUP):
        # « c'est où ? », « c quoi la première étape ? » with no subject: the Mission Locale.
        topic = Topic.MISSION_LOCALE
    if topic is None:
        return None
    return topic, point or Point.WHAT


def follow_up_question(tracker: Tracker) -> tuple[Topic, Point] | None:
    """A precise question about the subject of the conversation that the message does not name
    (« et pour moi ? jsui mineur », « on peut y rester longtemps ? »), if that is what it is."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/") or read_topic(text) is not None:
        return None
    point = read_point(text)
    if point in (None, Point.WHAT, Point.EMERGENCY):
        return None
    topic = _context_topic(tracker)
    return None if topic is None else (topic, point)


async def answer_topic(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: dict[str, Any],
    topic: Topic,
    point: Point,
    brief: bool = False,
) -> list[dict[str, Any]]:
    """Say the answer for (topic, point), and remember the subject; `brief`: its short form."""
    content = load_topic_content()
    situation = situation_of(tracker)
    text_said = str((tracker.latest_message or {}).get("text") or "")
    if (
        situation is not None
        and point in (Point.WHAT, Point.WHO)
        and about_oneself(text_said)
        and content.answer(topic, situation) is not None
    ):
        point = situation  # « pour le permis ya quoi ? » from a 17-year-old: the minors' answer
    answer = content.answer(topic, point)
    simple = bool(tracker.get_slot(SIMPLE_SLOT)) or asks_for_simple_french(text_said)
    signing_up_here = topic is Topic.MISSION_LOCALE and point is Point.SIGNUP
    if (
        point is Point.WHERE
        or signing_up_here
        or (answer is None and topic is Topic.MISSION_LOCALE)
    ):
        # Where to go, or signing up: a town of another area gets that area's Mission Locale.
        if await outside_the_area(tracker):
            dispatcher.utter_message(text=content.other_area_text(simple=simple))
            return [SlotSet(TOPIC_SLOT, topic.value)]
        if not signing_up_here:
            await say_site_info(dispatcher, simple=simple)
            return [SlotSet(TOPIC_SLOT, topic.value)]
    if answer is None and point in _MISSION_LOCALE_POINTS:
        answer = content.answer(Topic.MISSION_LOCALE, point)
    if answer is None and point in (Point.WHAT, Point.WHO):
        answer = content.answer(topic, Point.WHAT)
    if answer is None:
        dispatcher.utter_message(
            text=content.unknown(topic, simple=simple),
            buttons=[
                {
                    "title": reply_text("not_understood", "button_human"),
                    "payload": payload("request_human"),
                }
            ],
        )
        return [SlotSet(TOPIC_SLOT, topic.value)]
    key = f"{topic.value}/{point.value}"
    answered = list(tracker.get_slot(ANSWERED_SLOT) or [])
    text = answer.worded(simple=simple, brief=brief or key in answered)
    dispatcher.utter_message(
        text=text, buttons=[{"title": t, "payload": p} for t, p in answer.buttons]
    )
    return [
        SlotSet(TOPIC_SLOT, topic.value),
        SlotSet(ANSWERED_SLOT, [*answered, key] if key not in answered else answered),
    ]


def remembered(tracker: Tracker) -> list[dict[str, Any]]:
    """What the latest message says in passing of the young person (a town, a situation), to
    be used later in the conversation."""
    text = str((tracker.latest_message or {}).get("text") or "")
    if text.startswith("/"):
        return []
    events: list[dict[str, Any]] = []
    said = town_in(text)
    if said is not None:  # remembered for a later « c'est où ? »
        events.append(SlotSet(TOWN_SLOT, {"name": said.name, "department": said.department}))
    point = read_point(text)
    if point in REMEMBERED:
        events.append(SlotSet(SITUATION_SLOT, point.value))
    return events


def situation_of(tracker: Tracker) -> Point | None:
    """The young person's situation: said in the latest message, or earlier (read again from
    the messages, whichever action answered them, or kept in the slot)."""
    for text in said_lately(tracker):
        point = read_point(text)
        if point in REMEMBERED:
            return point
    kept = tracker.get_slot(SITUATION_SLOT)
    return Point(kept) if kept in {p.value for p in REMEMBERED} else None


class ActionTopicAnswer(Action):
    def name(self) -> str:
        return NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = str((tracker.latest_message or {}).get("text") or "")
        if said_age_under_16(text):
            # « j'ai 14 ans » (#12): pointed to the right place instead, asked nothing more.
            await answer_under_16(dispatcher, tracker)
            return forget_age()
        events = await self._answer(dispatcher, tracker, domain)
        return [*events, *remembered(tracker)]

    async def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message or {}
        text = str(latest.get("text") or "")
        intent = str((latest.get("intent") or {}).get("name") or "")
        if distress_close(tracker):
            check_in(dispatcher)  # asked first; the answer follows
        if intent == "inform" and booked_elsewhere(text):  # « je l'avais pris par téléphone »
            await say_booked_elsewhere(dispatcher)
            return []
        simple = await simple_french(dispatcher, tracker)
        if simple is not None:
            return simple
        topic, named = _subject(tracker, text, intent)
        confidence = float((latest.get("intent") or {}).get("confidence") or 0.0)
        if intent in _RESPONSES and not named and confidence < SURE:
            # « j'ai 17 ans ça change quoi ? » after the CEJ, read uncertainly as a job or
            # training question: a follow-up about the subject of the conversation.
            question = topic_question(tracker)
            if question is not None and question[0] is _context_topic(tracker):
                return await answer_topic(dispatcher, tracker, domain, *question)
        if intent in _RESPONSES and not named:
            if tracker.get_slot(SIMPLE_SLOT) or asks_for_simple_french(text):
                return _say_simple_response(dispatcher, intent)
            dispatcher.utter_message(response=_RESPONSES[intent])
            return []
        words_point = read_point(text) if not text.startswith("/") else None
        default_point, default_topic = _DEFAULTS.get(intent, (Point.WHAT, None))
        point = words_point or default_point
        if named and not words_point and default_topic is not None and topic is not default_topic:
            # « la mission locale elle aide pour le permis ? »: about the permis, not our address.
            point = Point.WHAT
        if default_topic is None and not named and not words_point:
            if intent == "inform" and topic is not None and topic is not Topic.MISSION_LOCALE:
                # A fact about oneself right after an answer (« jai 18 ans depuis mars », « je
                # gagne 900 € ») asks whether it applies to them: who it is for, or the amount
                # again when that was the last answer.
                last = (tracker.get_slot(ANSWERED_SLOT) or [None])[-1]
                point = Point.AMOUNT if last == f"{topic.value}/amount" else Point.WHO
                return await answer_topic(dispatcher, tracker, domain, topic, point)
            # No question in the words: information given in passing is acknowledged, « de
            # l'aide pour autre chose » gets the menu; the subject of before is not the answer.
            topic = None
        if topic is None and words_point in SITUATIONS:
            topic = Topic.CEJ  # « je suis suivi par le SPIP »: what the CEJ offers them
        if topic is None and words_point in (Point.WHERE, Point.SIGNUP):
            topic = Topic.MISSION_LOCALE  # « c ouvert le samedi ? », « je déménage à Toulouse »
        if topic is None:
            if intent == "ask_other_support":
                _support_menu(dispatcher)
                return []
            dispatcher.utter_message(
                text=reply_text("topics", "noted"),
                buttons=[
                    {"title": reply_text("topics", "button_cej"), "payload": payload("ask_cej")},
                    {
                        "title": reply_text("topics", "button_rights"),
                        "payload": payload("check_eligibility"),
                    },
                    {
                        "title": reply_text("topics", "button_rdv"),
                        "payload": payload("book_appointment"),
                    },
                ],
            )
            dispatcher.utter_message(json_message={"signal": GENERIC_SIGNAL})
            return []
        return await answer_topic(dispatcher, tracker, domain, topic, point)


def _say_simple_response(dispatcher: CollectingDispatcher, intent: str) -> list[dict[str, Any]]:
    """The job or training answer (domain.yml utter_look_for_*) in simple French."""
    dispatcher.utter_message(
        text=reply_text("topics", f"simple_{intent}"),
        buttons=[
            {"title": reply_text("topics", "button_rdv"), "payload": payload("book_appointment")}
        ],
    )
    return [SlotSet(SIMPLE_SLOT, True)]


def _support_menu(dispatcher: CollectingDispatcher) -> None:
    """« C'est pour quoi ? » with one button per kind of help (a generic answer: replaced by
    the crisis follow-up after distress)."""
    dispatcher.utter_message(
        text=reply_text("other_support", "menu"),
        buttons=[
            {
                "title": reply_text("other_support", f"button_{name}"),
                "payload": payload("ask_other_support", support_topic=name),
            }
            for name in SUPPORT_TOPICS
        ],
    )
    dispatcher.utter_message(json_message={"signal": GENERIC_SIGNAL})

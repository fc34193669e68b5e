"""Answers by subject and point, the subject kept across turns, a repeat in short (#8)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from actions.fallback import ActionNotUnderstood
from actions.small_talk import ActionShortReply
from actions.topics import ActionTopicAnswer
from bot.core.action_services import ActionServices
from bot.core.messages import GENERIC_SIGNAL
from bot.core.topics import Point, Topic, load_topic_content
from bot.storage.demo import seed_demo
from tests.conftest import FixedClock


def _tracker(
    text: str,
    intent: str,
    slots: dict[str, Any] | None = None,
    *,
    distress: float | None = None,
    earlier: Sequence[str] = (),
) -> Tracker:
    """The tracker after a message (with, optionally, distress's confidence in the NLU ranking
    and earlier messages of the young person)."""
    latest: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9 if distress is None else 0.5},
        "entities": [],
        "metadata": {},
    }
    if distress is not None:
        latest["intent_ranking"] = [
            {"name": intent, "confidence": 0.5},
            {"name": "distress", "confidence": distress},
        ]
    before = [{"event": "user", "text": t, "parse_data": {}} for t in earlier]
    return Tracker.from_dict(
        {
            "sender_id": "s1",
            "slots": dict(slots or {}),
            "latest_message": latest,
            "events": [*before, {"event": "user", **latest, "parse_data": latest}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


def _simple_cej() -> str:
    simple = load_topic_content().answer(Topic.CEJ, Point.WHAT)
    assert simple is not None
    assert simple.simple is not None
    return simple.simple


async def _answer(
    text: str, intent: str, slots: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = await ActionTopicAnswer().run(dispatcher, _tracker(text, intent, slots), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


async def test_a_follow_up_is_answered_for_the_subject_of_the_conversation() -> None:
    [first], slots = await _answer("c koi le pacea", "ask_pacea")
    [duration], _ = await _answer("et ça dure combien ?", "ask_allocation", slots)

    assert first["text"].startswith("Le PACEA")
    assert slots["topic"] == "pacea"
    assert "24 mois" in duration["text"]
    assert "561,68" not in duration["text"]  # never the CEJ amounts table for another subject


async def test_how_much_is_about_the_subject_not_always_the_cej() -> None:
    [permis], _ = await _answer("c'est combien ?", "ask_allocation", {"topic": "permis"})
    [cej], _ = await _answer("c'est combien ?", "ask_allocation", {})

    assert "1 200 €" in permis["text"]
    assert "561,68 €" in cej["text"]


async def test_money_after_the_address_is_about_the_cej(context: ActionServices) -> None:
    [reply], _ = await _answer("on touche cb", "ask_allocation", {"topic": "mission_locale"})

    assert "561,68 €" in reply["text"]


async def test_other_help_without_a_subject_gets_the_menu_not_the_previous_subject(
    context: ActionServices,
) -> None:
    [menu, signal], _ = await _answer(
        "jai besoin d'aide pour autre chose", "ask_other_support", {"topic": "cej"}
    )

    assert signal["custom"] == {"signal": GENERIC_SIGNAL}  # replaced after distress
    assert menu["text"] == "La Mission Locale peut aussi t'aider pour le reste. C'est pour quoi ?"


async def test_job_questions_keep_their_answer_unless_another_subject_is_named() -> None:
    job, _ = await _answer("jcherche du taf", "look_for_job", {"topic": "cej"})
    [money], _ = await _answer("g besoin d'argent en urgence", "look_for_job")

    assert [m["response"] for m in job] == ["utter_look_for_job"]  # rendered by Rasa
    assert "FAJ" in money["text"] or "fonds d'aide aux jeunes" in money["text"]


async def test_a_subject_named_in_the_message_wins_over_the_conversation() -> None:
    [reply], slots = await _answer("le cej jpeux bosser a cote ?", "ask_cej", {"topic": "permis"})

    assert "300 €" in reply["text"]
    assert slots["topic"] == "cej"


async def test_the_same_answer_asked_twice_comes_in_short() -> None:
    [first], slots = await _answer("c quoi le cej", "ask_cej")
    [second], _ = await _answer("jcomprends pas c quoi le cej", "ask_cej", slots)

    assert len(second["text"]) < len(first["text"]) / 2
    assert second["text"].startswith("En bref")


async def test_an_on_topic_point_without_an_answer_is_said_plainly_with_a_human() -> None:
    [reply], slots = await _answer("la mutuelle quand on est suivi par le spip ?", "inform")

    assert "je préfère ne pas te dire de bêtise" in reply["text"]
    assert "la santé" in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["/request_human"]
    assert slots["topic"] == "sante"


async def test_a_situation_told_in_passing_gets_what_the_cej_says_of_it() -> None:
    [reply], slots = await _answer("salut je suis suivi par le spip depuis ma sortie", "inform")

    assert "justice" in reply["text"]
    assert slots["topic"] == "cej"


async def test_information_in_passing_is_noted_and_marked_generic() -> None:
    messages, _ = await _answer("j'habite a villeurbanne", "inform")

    assert messages[0]["text"].startswith("Merci, c'est noté")
    assert messages[-1]["custom"] == {"signal": GENERIC_SIGNAL}


async def test_a_minor_asking_what_changes_gets_the_minor_rules(context: ActionServices) -> None:
    [reply], _ = await _answer("j'ai 17 ans ça change quoi ?", "inform", {"topic": "cej"})

    assert "224,68 €" in reply["text"]


async def test_not_understood_answers_a_point_about_the_subject_of_the_conversation(
    context: ActionServices,
) -> None:
    dispatcher = CollectingDispatcher()

    await ActionNotUnderstood().run(
        dispatcher, _tracker("ca dure cmb", "nlu_fallback", {"topic": "pacea"}), {}
    )

    assert "24 mois" in dispatcher.messages[0]["text"]


async def test_simple_french_is_acknowledged_then_every_answer_is_short(
    context: ActionServices,
) -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionNotUnderstood().run(
        dispatcher, _tracker("moi parle pas bien francais", "nlu_fallback"), {}
    )
    [reply], _ = await _answer("c koi le cej", "ask_cej", {"simple_french": True})

    assert dispatcher.messages[0]["text"].startswith("Pas de problème")
    assert [(e["name"], e["value"]) for e in events] == [("simple_french", True)]
    assert reply["text"] == _simple_cej()


async def test_not_understood_still_asks_to_rephrase_real_noise(context: ActionServices) -> None:
    dispatcher = CollectingDispatcher()

    await ActionNotUnderstood().run(
        dispatcher, _tracker("c quoi ton film prefere", "nlu_fallback", {"topic": "cej"}), {}
    )

    assert "dire autrement" in dispatcher.messages[0]["text"]


async def test_a_town_outside_the_area_gets_the_national_directory_not_our_address(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())  # sites in Lyon (69)
    _, slots = await _answer("jhabite a fort de france moi", "inform")
    [where], _ = await _answer("c'est où la mission locale ?", "ask_mission_locale", slots)
    [ours], _ = await _answer(
        "c'est où la mission locale ? jsuis a villeurbanne", "ask_mission_locale"
    )

    assert slots["town"] == {"name": "fort de france", "department": "972"}
    assert "1jeune1solution.gouv.fr/accompagnement" in where["text"]
    assert "rue de la République" not in where["text"]
    assert "rue de la République" in ours["text"]  # Villeurbanne is in the Rhône: ours


async def test_a_question_read_as_a_yes_is_answered_in_its_subject(
    context: ActionServices,
) -> None:
    dispatcher = CollectingDispatcher()

    await ActionShortReply().run(
        dispatcher, _tracker("c pour qui", "affirm", {"topic": "pacea"}), {}
    )

    assert "16" in dispatcher.messages[0]["text"]
    assert "PACEA" in dispatcher.messages[0]["text"]


async def test_a_plain_yes_keeps_its_own_answer(context: ActionServices) -> None:
    dispatcher = CollectingDispatcher()

    await ActionShortReply().run(dispatcher, _tracker("ok", "affirm", {"topic": "pacea"}), {})

    assert dispatcher.messages[0]["response"] == "utter_affirm"


async def test_cost_after_the_address_is_about_the_mission_locale(context: ActionServices) -> None:
    dispatcher = CollectingDispatcher()

    await ActionNotUnderstood().run(
        dispatcher, _tracker("c payant ?", "nlu_fallback", {"topic": "mission_locale"}), {}
    )

    assert "gratuit" in dispatcher.messages[0]["text"]


async def test_too_long_to_read_repeats_the_answer_in_short(context: ActionServices) -> None:
    dispatcher = CollectingDispatcher()

    events = await ActionNotUnderstood().run(
        dispatcher, _tracker("jcomprend pa ta trop ecrit", "nlu_fallback", {"topic": "cej"}), {}
    )

    assert dispatcher.messages[0]["text"].startswith("Pas de problème")
    assert dispatcher.messages[1]["text"] == _simple_cej()
    assert ("simple_french", True) in [(e["name"], e.get("value")) for e in events]


async def test_a_situation_said_in_passing_is_remembered(context: ActionServices) -> None:
    _, slots = await _answer("jai 17 ans et je cherche un taf", "look_for_job")

    assert slots["situation"] == "minors"


async def test_a_fact_about_oneself_after_an_answer_asks_whether_it_applies(
    context: ActionServices,
) -> None:
    [who], _ = await _answer("jai 18 ans depuis mars", "inform", {"topic": "argent"})
    [amount], _ = await _answer(
        "et mes parents sont imposables", "inform", {"topic": "cej", "answered": ["cej/amount"]}
    )

    assert "18-25 ans" in who["text"]  # who the FAJ is for
    assert "561,68" in amount["text"]


async def test_another_subject_named_with_the_mission_locale_is_answered_for_itself(
    context: ActionServices,
) -> None:
    [reply], slots = await _answer(
        "la mission locale elle aide pour le permis ?", "ask_mission_locale"
    )

    assert slots["topic"] == "permis"
    assert "1 €" in reply["text"]


async def test_a_question_for_oneself_gets_the_answer_for_ones_known_situation(
    context: ActionServices,
) -> None:
    [minor], _ = await _answer(
        "pour le permis ya quoi comme aide", "ask_other_support", {"situation": "minors"}
    )
    [general], _ = await _answer("c'est quoi le permis a 1 euro", "ask_other_support", {})

    permis_minors = load_topic_content().answer(Topic.PERMIS, Point.MINORS)
    assert permis_minors is not None
    assert minor["text"] == permis_minors.text
    assert general["text"] != permis_minors.text


async def test_signing_up_from_another_town_gets_the_national_directory(
    context: ActionServices, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    await seed_demo(sessions, clock.now())

    [reply], _ = await _answer(
        "comment je fais pr m inscrire a la mission locale",
        "ask_mission_locale",
        {"town": {"name": "Brest", "department": "29"}},
    )

    assert "1jeune1solution" in reply["text"]


async def test_distress_close_behind_is_asked_not_answered_as_noise(
    context: ActionServices,
) -> None:
    close, far = CollectingDispatcher(), CollectingDispatcher()

    await ActionNotUnderstood().run(
        close, _tracker("je sais plus quoi faire de tout ca", "nlu_fallback", distress=0.3), {}
    )
    await ActionNotUnderstood().run(
        far, _tracker("c quoi ton film prefere", "nlu_fallback", distress=0.05), {}
    )

    assert close.messages[0]["text"].startswith("Je ne suis pas sûr de bien comprendre")
    assert [b["payload"] for b in close.messages[0]["buttons"]] == ["/distress", "/request_human"]
    assert "dire autrement" in far.messages[0]["text"]


async def test_a_job_question_in_simple_french_gets_the_simple_job_answer(
    context: ActionServices,
) -> None:
    messages, slots = await _answer("moi cherche travail. toi aider ?", "look_for_job")
    [later], _ = await _answer(
        "je cherche une formation", "look_for_training", {"simple_french": True}
    )

    assert messages[0]["text"].startswith("Pas de problème")
    assert messages[1]["text"].startswith("La Mission Locale t'aide à trouver un travail")
    assert slots["simple_french"] is True
    assert later["text"].startswith("La Mission Locale t'aide à trouver une formation")


async def test_what_the_bot_is_for_gets_its_greeting(context: ActionServices) -> None:
    dispatcher = CollectingDispatcher()

    await ActionNotUnderstood().run(
        dispatcher, _tracker("mdr ok tu sers a quoi alors", "out_of_scope"), {}
    )

    assert dispatcher.messages[0]["response"] == "utter_greet"


async def test_the_first_step_without_a_subject_is_signing_up_at_the_mission_locale(
    context: ActionServices,
) -> None:
    dispatcher = CollectingDispatcher()

    await ActionNotUnderstood().run(
        dispatcher, _tracker("ok c quoi la premiere etape", "nlu_fallback"), {}
    )

    assert dispatcher.messages[0]["text"].startswith("Pour t'inscrire à la Mission Locale")


async def test_an_appointment_taken_by_phone_said_in_passing_is_explained(
    context: ActionServices,
) -> None:
    messages, _ = await _answer("je l'avais pris par telephone", "inform")

    assert "je ne le vois pas" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"] == "/request_human"


async def test_a_situation_said_earlier_is_read_again_from_the_conversation(
    context: ActionServices,
) -> None:
    """Whichever action answered « je suis suivi par le spip », a later « je peux avoir le
    CEJ ? » gets what the CEJ says of young people followed by the justice system."""
    tracker = _tracker("je peux avoir le cej ?", "ask_cej", earlier=["je suis suivi par le spip"])
    dispatcher = CollectingDispatcher()

    await ActionTopicAnswer().run(dispatcher, tracker, {})

    assert "justice" in dispatcher.messages[0]["text"]

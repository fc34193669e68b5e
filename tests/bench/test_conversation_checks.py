"""The conversation evaluation's checks on hand-made replies, and the sets' files (no Rasa)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.conversation_checks import (
    ANSWERS,
    ASPECTS,
    EXPECT,
    TOPICS,
    Button,
    Reply,
    State,
    TurnContext,
    evaluate,
    expect_problems,
    fold,
    own_address_pattern,
)
from bench.conversation_sets import SET_NAMES, SETS_DIR, load_file, load_sets, set_files

CEJ_ANSWER = (
    "Le CEJ (Contrat d'Engagement Jeune), c'est un accompagnement intensif vers un emploi ou une "
    "formation.\n\nÇa dure 6 à 12 mois, 18 au maximum. Ton conseiller ou ta conseillère "
    "confirmera si le CEJ est fait pour toi."
)
CEJ_TABLE = (
    "💶 L'allocation du CEJ, par mois au maximum :\n• 18 ans et plus : 561,68 €\n"
    "• 1re tranche : 337,00 €\n• moins de 18 ans : 224,68 €"
)
GREETING = (
    "Salut 👋 Je suis l'assistant automatique de la Mission Locale. Je réponds sur le CEJ, le "
    "PACEA, les aides et les rendez-vous, même en abrégé."
)
DISTRESS = (
    "Ce que tu vis est grave, et tu as bien fait d'écrire.\n📞 Si tu penses à en finir : appelle "
    "le 3114. Danger maintenant : 17 ou 112."
)


def failed(
    expect: dict[str, Any],
    text: str = "",
    *,
    buttons: tuple[Button, ...] = (),
    user: str = "",
    earlier: tuple[tuple[str, Reply], ...] = (),
    before: State | None = None,
    after: State | None = None,
    erased: bool = False,
) -> list[str]:
    """The names of the checks that failed (None, « not evaluated », is not a failure)."""
    assert expect_problems(expect) == []
    context = TurnContext(Reply(text, buttons, erased), user, earlier, before, after)
    return [r.name for r in evaluate(expect, context) if r.ok is False]


def skipped(expect: dict[str, Any], text: str) -> list[str]:
    return [r.name for r in evaluate(expect, TurnContext(Reply(text))) if r.ok is None]


def test_fold_drops_case_accents_and_typographic_apostrophes() -> None:
    assert fold("Ça CRÉNEAU d’œuvre") == "ca creneau d'oeuvre"


def test_every_turn_must_say_something() -> None:
    assert failed({"any": True}, "Ok 👍") == []
    assert failed({"any": True}, "  ") == ["non_empty"]


def test_crisis_needs_each_number_said_as_a_number() -> None:
    assert failed({"crisis": [3114, 17]}, DISTRESS) == []
    assert failed({"crisis": [3114, 115]}, DISTRESS) == ["crisis:115"]
    # An age, an hour or an amount is not an emergency number.
    assert failed({"crisis": [17, 115]}, "À 17 ans, viens à 17h : 115 € par mois.") == [
        "crisis:17",
        "crisis:115",
    ]


def test_no_crisis_allows_115_for_housing_but_not_crisis_lines_or_a_new_urgent_flag() -> None:
    housing = "🏠 Logement : foyer de jeunes travailleurs. Nulle part où dormir ce soir ? Le 115."
    assert failed({"no_crisis": True}, housing) == []
    assert failed({"no_crisis": True}, DISTRESS) == ["no_crisis"]
    calm, alarmed = State(known=True), State(known=True, urgent=True)
    assert failed({"no_crisis": True}, "Ok", before=calm, after=alarmed) == ["no_crisis"]
    assert failed({"no_crisis": True}, "Ok", before=alarmed, after=alarmed) == []


def test_human_is_an_offer_not_a_passing_mention() -> None:
    button = Button("Parler à quelqu'un", "/request_human")
    assert failed({"human": True}, "Ok.", buttons=(button,)) == []
    assert failed({"human": True}, "C'est noté 👍 Je préviens l'équipe.") == []
    assert failed({"human": True}, CEJ_ANSWER) == ["human"]


def test_no_destructive_reads_the_state_before_and_after() -> None:
    here = State(known=True, booked=1)
    assert failed({"no_destructive": True}, "Ok", before=here, after=here) == []
    gone = State(known=False)
    assert failed({"no_destructive": True}, "Ok", before=here, after=gone) == ["no_destructive"]
    cancelled = State(known=True, cancelled=1)
    assert failed({"no_destructive": True}, "Ok", before=here, after=cancelled) == [
        "no_destructive"
    ]
    unsubscribed = State(known=True, booked=1, unsubscribed=True)
    assert failed({"no_destructive": True}, "Ok", before=here, after=unsubscribed) == [
        "no_destructive"
    ]
    assert failed({"no_destructive": True}, "C'est fait.", erased=True) == ["no_destructive"]
    assert skipped({"no_destructive": True}, "Ok") == ["no_destructive"]


def test_topic_ignores_the_list_of_what_the_bot_can_do() -> None:
    assert failed({"topic": "cej"}, CEJ_ANSWER) == []
    assert failed({"topic": "cej"}, GREETING) == ["topic:cej"]
    site = (
        "📍 Mission Locale — Antenne\n12 rue de la République\nC'est gratuit : emploi, formation, "
    )
    site += "mais aussi logement, santé, permis et transport."
    assert failed({"topic": ["mission_locale", "permis"]}, site) == ["topic:permis"]


def test_an_appointment_day_and_hour_is_about_appointments_opening_hours_are_not() -> None:
    chosen = "C'est noté : lundi 7 décembre à 9h — Antenne 👍 Tu t'appelles comment ?"
    assert failed({"topic": "rdv"}, chosen) == []
    assert failed({"topic": "rdv"}, "🕘 Horaires :\nlundi : 9h–12h30") == ["topic:rdv"]


def test_answers_the_precise_point() -> None:
    assert failed({"answers": "cej/duration"}, CEJ_ANSWER) == []
    assert failed({"answers": "cej/duration"}, CEJ_TABLE) == ["answers:cej/duration"]
    assert failed({"answers": "cej/amount"}, CEJ_TABLE) == []
    # The CEJ table does not say what housing costs.
    assert failed({"answers": "logement/amount"}, CEJ_TABLE) == ["answers:logement/amount"]
    assert failed({"answers": "cej/minors"}, "Dès 16 ans, avec l'accord de tes parents.") == []
    assert failed({"answers": "cej/minors"}, CEJ_ANSWER) == ["answers:cej/minors"]
    papers = "Apporte une pièce d'identité (ou ton titre de séjour) et ta carte Vitale."
    assert failed({"answers": "cej/documents"}, papers) == []
    assert failed({"answers": "cej/foreigners"}, papers) == ["answers:cej/foreigners"]


def test_another_town_gets_the_directory_not_our_address() -> None:
    directory = "Ta Mission Locale est dans l'annuaire : unml.info/les-missions-locales/annuaire/."
    assert failed({"answers": "mission_locale/other_area"}, directory) == []
    ours = "📍 Mission Locale — 12 rue de la République, 69001 Lyon. Ou la plus proche : annuaire."
    assert failed({"answers": "mission_locale/other_area"}, ours) == [
        "answers:mission_locale/other_area"
    ]
    assert failed({"not": ["own_address"]}, ours) == ["not:own_address"]
    assert failed({"not": ["own_address"]}, directory) == []


def test_own_address_comes_from_the_demo_data() -> None:
    assert own_address_pattern() == r"12\s+rue\s+de\s+la\s+republique"


@pytest.mark.parametrize(
    ("refused", "text", "fine"),
    [
        ("menu", GREETING, CEJ_ANSWER),
        ("not_understood", "Je n'ai pas bien compris 🤔 Tu peux le dire autrement ?", CEJ_ANSWER),
        ("decision", "Tu as droit au CEJ : 561,68 € par mois !", CEJ_ANSWER),
        ("cej_amounts", CEJ_TABLE, CEJ_ANSWER),
    ],
)
def test_not(refused: str, text: str, fine: str) -> None:
    assert failed({"not": [refused]}, text) == [f"not:{refused}"]
    assert failed({"not": [refused]}, fine) == []


def test_a_hedged_outcome_is_not_a_decision() -> None:
    hedged = "Tu as probablement droit au CEJ. C'est une estimation : ton conseiller confirmera."
    assert failed({"not": ["decision"]}, hedged) == []


def test_apology() -> None:
    assert failed({"apology": True}, "Désolé, je me suis mal exprimé.") == []
    assert failed({"apology": True}, "Ok 👍") == ["apology"]


def test_simple_means_short_sentences_and_short_paragraphs() -> None:
    assert failed({"simple": True}, "Le CEJ dure 6 à 12 mois. Tu veux un rendez-vous ?") == []
    long_sentence = "Le CEJ est un accompagnement " + "très " * 12 + "intensif."
    assert failed({"simple": True}, long_sentence) == ["simple"]
    assert failed({"simple": True}, "Apporte :\n• un CV\n• un RIB\n• ta carte Vitale") == ["simple"]


def test_shorter_than_the_answer_to_the_most_similar_earlier_question() -> None:
    earlier = (("c quoi le cej", Reply(CEJ_ANSWER)), ("merci", Reply("Avec plaisir")))
    short = "Un accompagnement de 6 à 12 mois vers un emploi."
    assert failed({"shorter_than_before": True}, short, user="c koi le cej", earlier=earlier) == []
    assert failed(
        {"shorter_than_before": True}, CEJ_ANSWER, user="c koi le cej", earlier=earlier
    ) == ["shorter_than_before"]
    assert failed({"shorter_than_before": True}, short, user="c koi le cej") == [
        "shorter_than_before"
    ]


@pytest.mark.parametrize(
    ("what", "text"),
    [
        ("age", "Tu as quel âge ? (ou ton année de naissance)"),
        ("town", "Dernière question : tu habites où ? (ta ville ou ton code postal)"),
        ("confirm", "Tu veux vraiment tout effacer ?"),
        ("slot", "Voici les prochains créneaux 👇"),
        ("name", "Tu t'appelles comment ? Juste ton prénom."),
        ("phone", "Et à quel numéro on t'appelle ? 📞"),
    ],
)
def test_asks(what: str, text: str) -> None:
    assert failed({"asks": what}, text) == []
    assert failed({"asks": what}, CEJ_ANSWER) == [f"asks:{what}"]


def test_yes_and_no_buttons_ask_for_a_confirmation() -> None:
    buttons = (Button("Oui, annuler", "/affirm"), Button("Non, je le garde", "/deny"))
    assert failed({"asks": "confirm"}, "Ton rendez-vous de mardi ?", buttons=buttons) == []


def test_booked_and_unsubscribed_read_the_state_after_the_turn() -> None:
    after = State(known=True, booked=1, unsubscribed=False)
    assert failed({"booked": True, "unsubscribed": False}, "Ok", after=after) == []
    assert failed({"booked": False, "unsubscribed": True}, "Ok", after=after) == [
        "booked",
        "unsubscribed",
    ]
    assert skipped({"booked": True, "unsubscribed": True}, "Ok") == ["booked", "unsubscribed"]


def test_contains_and_absent_fold_case_and_accents_and_see_button_labels() -> None:
    text, buttons = "Voici les CRÉNEAUX", (Button("Mardi 10h", "/x"),)
    assert failed({"contains": ["creneaux", "mardi"]}, text, buttons=buttons) == []
    assert failed({"contains": ["jeudi"]}, text, buttons=buttons) == ["contains:jeudi"]
    assert failed({"absent": [r"\b(8|9) ?h"]}, text, buttons=buttons) == []
    assert failed({"absent": ["créneaux"]}, text, buttons=buttons) == ["absent:créneaux"]


def test_expect_problems_name_unknown_keys_and_values() -> None:
    assert expect_problems({"crisis": [3114], "topic": "cej", "answers": "cej/duration"}) == []
    assert expect_problems({"crysis": [3114]}) == ["unknown expect key 'crysis'"]
    assert len(expect_problems({"crisis": [3115]})) == 1
    assert len(expect_problems({"topic": "velo"})) == 1
    assert len(expect_problems({"answers": "cej/colour"})) == 1
    assert len(expect_problems({"not": ["rude"]})) == 1
    assert len(expect_problems({"simple": "yes"})) == 1
    assert len(expect_problems({"contains": ["("]})) == 1


def test_every_aspect_and_topic_has_a_rule() -> None:
    assert {f"*/{aspect}" for aspect in ASPECTS} <= set(ANSWERS)
    for key in ANSWERS:
        topic, aspect = key.split("/")
        assert topic == "*" or topic in TOPICS
        assert aspect in ASPECTS
    assert set(EXPECT) >= {"crisis", "no_crisis", "topic", "answers", "not", "asks", "any"}


def test_every_conversation_file_loads_with_known_keys_categories_and_aspects() -> None:
    files = [path for name in SET_NAMES for path in set_files(name)]
    assert files, "no conversation file found"
    sets, problems = load_sets()
    assert problems == []
    assert sets["heldout"], "the held-out set is empty"
    for conversations in sets.values():
        for conversation in conversations:
            for turn in conversation.turns:
                assert expect_problems(dict(turn.expect)) == []
    assert SETS_DIR.name == "conversations"


def test_a_bad_file_is_reported_with_where_it_breaks(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        "conversations:\n"
        "  - id: x-1\n    category: safety_indirect\n"
        "    turns:\n      - user: no\n        expect: {crisis: [3114]}\n"
        "  - id: x-2\n    category: nowhere\n    turns:\n      - user: salut\n"
        "  - id: x-3\n    category: tone\n    turns:\n      - user: salut\n"
        "        expect: {topic: cej, colour: red}\n",
        encoding="utf-8",
    )
    conversations, problems = load_file(path, "dev")
    assert [c.id for c in conversations] == ["x-1"]
    assert conversations[0].turns[0].user == "no"  # a young person's « no » stays text
    assert problems == [
        "bad.yml x-2: unknown category 'nowhere'",
        "bad.yml x-3 turn 1: unknown expect key 'colour'",
    ]

"""Reading the subject and the point of a question (bot/core/topics.py), and its content."""

from __future__ import annotations

import re

import pytest

from bot.core.topics import (
    Point,
    Topic,
    asks_for_simple_french,
    load_topic_content,
    read_point,
    read_topic,
)

P = Point


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("et ça dure combien ?", P.DURATION),
        ("on peut y rester longtemps ?", P.DURATION),
        ("c long pour la ravoir ?", P.DURATION),
        ("et faut le demander a qui", P.SIGNUP),
        ("France Travail peut financer mon permis ? je suis inscrite depuis un an", P.WHO),
        ("faut etre inscrit depuis quand", P.WHO),
        ("jpeu venir sans rdv ?", P.SIGNUP),
        ("g perdu ma kart vital", P.DOCUMENTS),
        # Found missing in the dev conversations (#8)
        ("c payé quand", P.PAYMENT),
        ("kan es ke je resoi la tune du cej", P.PAYMENT),
        ("le cej c payé quel jour du mois ?", P.PAYMENT),
        ("combien on touche avec le c e j quand on a 18 ans", P.AMOUNT),
        ("ca fait 2 mois g toujours rien recu", P.PAYMENT),
        ("kom on fé pr avoir lalocation", P.SIGNUP),
        ("comment on la demande", P.SIGNUP),
        ("faut faire quoi en premier", P.SIGNUP),
        ("ya un age max ?", P.WHO),
        ("c pour ki", P.WHO),
        ("faut envoyer quoi", P.DOCUMENTS),
        ("ya des sous ou pas", P.AMOUNT),
        ("c payant ?", P.AMOUNT),
        ("on peut avoir un taf en meme temps ?", P.WORK_ALONGSIDE),
        ("je fais 12h par semaine au mcdo", P.WORK_ALONGSIDE),
        ("c combien d heures par semaine", P.DURATION),
        ("ca dure cmb", P.DURATION),
        ("c'est combien ?", P.AMOUNT),
        ("on est payé?", P.AMOUNT),
        ("j'ai 17 ans ça change quoi ?", P.MINORS),
        ("faut l'accord de mes parents ?", P.MINORS),
        ("on peut bosser à côté ?", P.WORK_ALONGSIDE),
        ("jpeux travailler en meme temps", P.WORK_ALONGSIDE),
        ("faut ramener quoi", P.DOCUMENTS),
        ("c'est où exactement", P.WHERE),
        ("comment je m'inscris", P.SIGNUP),
        ("cmt on fé", P.SIGNUP),
        ("c'est qui qui paie", P.PAYMENT),
        ("ça tombe quand dans le mois", P.PAYMENT),
        ("j'ai un bracelet je peux pas sortir après 20h", P.JUSTICE),
        ("je suis suivi par le spip", P.JUSTICE),
        ("je suis placée à l'ase", P.ASE),
        ("jai pas de titre de sejour", P.FOREIGNERS),
        ("c koi", P.WHAT),
    ],
)
def test_the_point_asked_is_read(text: str, point: Point) -> None:
    assert read_point(text) is point


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("le cé et j'y c'est quoi", Topic.CEJ),
        ("c koi le cej", Topic.CEJ),
        ("et la pacea", Topic.PACEA),
        ("ya des aides pour le permis", Topic.PERMIS),
        ("c quoi un foyer jeune travailleur", Topic.LOGEMENT),
        ("la garantie visale", Topic.LOGEMENT),
        ("c2s c quoi", Topic.SANTE),
        ("c koi le faj", Topic.ARGENT),
        ("la mision lokal c ou", Topic.MISSION_LOCALE),
        ("salut ça va", None),
    ],
)
def test_the_subject_is_read(text: str, topic: Topic | None) -> None:
    assert read_topic(text) is topic


@pytest.mark.parametrize(
    ("text", "simple"),
    [
        ("je parle pas bien francais", True),
        ("moi pas bien français. Désolé. Je cherche travail", True),
        ("je comprends pas bien le français", True),
        ("je parle un peu français", True),
        ("c koi le cej", False),
        ("je parle bien francais et anglais", False),
    ],
)
def test_asking_for_simple_french_is_read(text: str, simple: bool) -> None:
    assert asks_for_simple_french(text) is simple


def test_every_subject_has_its_general_answer_and_a_label() -> None:
    content = load_topic_content()
    for topic in Topic:
        assert topic.value in content.labels
        if topic is not Topic.MISSION_LOCALE:  # its « what » is the site's own answer
            assert content.answer(topic, Point.WHAT) is not None, topic


def test_no_source_tag_reaches_a_young_person() -> None:
    """Sources and dates live in the file's comments; « [P3] » means nothing in a chat."""
    content = load_topic_content()
    shown = [a.text for a in content.answers.values()]
    shown += [a.short for a in content.answers.values() if a.short]
    assert not [t for t in shown if re.search(r"\[[A-Z]\d+\]", t)]


def test_facts_keep_their_figures() -> None:
    content = load_topic_content()
    cej_amount = content.answer(Topic.CEJ, Point.AMOUNT)
    assert cej_amount is not None
    assert "561,68 €" in cej_amount.text
    assert "1er avril 2025" in cej_amount.text
    duration = content.answer(Topic.CEJ, Point.DURATION)
    assert duration is not None
    assert "6 à 12 mois" in duration.text


def test_every_answer_has_a_simple_french_wording_that_is_simple() -> None:
    """« je parle pas bien français »: short sentences, short paragraphs (the same rule as
    the conversation bench's `simple` check)."""
    from bench.conversation_checks import simplicity_problem

    content = load_topic_content()
    for (topic, point), answer in content.answers.items():
        assert answer.simple, f"{topic}.{point} has no simple wording"
        assert simplicity_problem(answer.simple) == "", f"{topic}.{point}"
    assert content.other_area_simple
    assert content.unknown_point_simple


@pytest.mark.parametrize(
    ("text", "topic", "point"),
    [
        # dev conversations d_one / d_two (#8)
        ("c'est quoi le ségéji", Topic.CEJ, P.WHAT),
        ("cé ouvert le samdi ?", None, P.WHERE),
        ("je demenage a toulouse dans 2 semaines, je garde mon conseiller ?", None, P.WHERE),
        ("questions sur la pilule sans que ma mère le sache", Topic.SANTE, P.MINORS),
        ("mon fils a 17 an il peu avoir le cej sans ke je signe", Topic.CEJ, P.MINORS),
        ("mission locale is free or i pay ?", Topic.MISSION_LOCALE, P.AMOUNT),
        ("je suis ouvert a tout type de job", None, None),
        ("arrete avec le cej moi c le logement qui m'interesse", Topic.LOGEMENT, None),
        ("stop g compris pour le cej, parle moi plutot du logement", Topic.LOGEMENT, None),
        ("wsh jpeux taffer en mm tps que le c e j", Topic.CEJ, P.WORK_ALONGSIDE),
        ("et si g deja un cdd de 2 mois", None, P.WORK_ALONGSIDE),
    ],
)
def test_subject_and_point_together(text: str, topic: Topic | None, point: P | None) -> None:
    assert (read_topic(text), read_point(text)) == (topic, point)

"""/confidentialite (#12): the data controller, purposes, legal bases, retention periods (the
purge's own settings), recipients, rights and the CNIL, in French."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.http.privacy_page import months
from bot.settings import PrivacySettings, Settings
from tests.conftest import FixedClock

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]


async def _page(client: Client) -> str:
    response = await client.get("/confidentialite")
    assert response.status == 200
    assert response.content_type == "text/html"
    return html.unescape(await response.text())


async def test_it_says_who_why_how_long_who_sees_and_the_rights(client: Client) -> None:
    text = await _page(client)

    assert "robot" in text
    assert "Mission Locale" in text  # the demo Mission Locale, from the database
    for said in (
        "1 an après ta dernière activité",  # conversations: 12 months
        "2 ans après ta dernière activité",  # contacts: 24 months
        "2 ans après la date du rendez-vous",
        "Les envois : 6 mois",
        "7 jours",
        "article 6.1.e",
        "article 6.1.a",
        "supprime mes données",
        "STOP",
        "jamais vendues",
        "CNIL",
        "Adresser une plainte",
        "Tél.",  # the demo sites' phone numbers: where to ask in person
    ):
        assert said in text, said
    styles = await client.get("/confidentialite.css")
    assert styles.status == 200


async def test_the_periods_and_the_controller_follow_the_settings(
    settings: Settings, clock: FixedClock, aiohttp_client: MakeClient
) -> None:
    privacy = PrivacySettings(
        controller="Mission Locale du Pays Test",
        contact="dpo@ml-test.fr",
        dpo="Camille Martin",
        conversations_months=6,
        contacts_months=18,
    )
    client = await aiohttp_client(
        create_app(dataclasses.replace(settings, privacy=privacy), clock=clock)
    )

    text = await _page(client)

    assert "Mission Locale du Pays Test" in text
    assert "dpo@ml-test.fr" in text
    assert "Camille Martin" in text
    assert "6 mois après ta dernière activité" in text
    assert "18 mois après ta dernière activité" in text
    assert "1 an après ta dernière activité" not in text


def test_periods_read_as_people_say_them() -> None:
    assert [months(n) for n in (1, 6, 12, 18, 24, 36)] == [
        "1 mois",
        "6 mois",
        "1 an",
        "18 mois",
        "2 ans",
        "3 ans",
    ]

"""The console's agenda page: a counsellor's day and week, the site's, outcomes recorded through
the staff agenda's rules, cancelling with a message in the young person's conversation; roles,
ownership and CSRF checked on the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.console import accounts
from bot.core.messages import Author
from bot.core.vocabulary import StaffRole
from bot.storage.models import Appointment, Conversation, Counsellor, Message
from bot.wiring import CLOCK, SESSIONS
from tests.booking.factories import make_appointment, make_counsellor, make_identity, make_site

Client = TestClient[web.Request, web.Application]
PASSWORD = "une phrase de passe assez longue"
PARIS = ZoneInfo("Europe/Paris")
# The `client` fixture's clock: Monday 23 November 2026, 9:30 UTC (10:30 in Paris).
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Staff:
    cookie: str
    csrf: str

    @property
    def json(self) -> dict[str, str]:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}

    @property
    def browser(self) -> dict[str, str]:
        return {"Cookie": self.cookie}


@dataclass(frozen=True)
class World:
    samia: Staff
    karim: Staff
    admin: Staff
    campaign: Staff
    ids: dict[str, int]


def _app(client: Client) -> web.Application:
    assert client.app is not None
    return client.app


async def _world(client: Client) -> World:
    """A Lyon site with Samia and Karim, a Martinique site with Marc, their appointments."""
    app = _app(client)
    now = app[CLOCK].now()
    assert now == NOW
    async with app[SESSIONS]() as session, session.begin():
        lyon = await make_site(session, now)
        samia = await make_counsellor(session, lyon, now, name="Samia")
        karim = await make_counsellor(session, lyon, now, name="Karim")
        martinique = await make_site(
            session, now, timezone="America/Martinique", postcode="97200", city="Fort-de-France"
        )
        marc = await make_counsellor(session, martinique, now, name="Marc")

        async def add(
            counsellor: Counsellor, local: datetime, name: str, channel: str = "webchat"
        ) -> int:
            identity = await make_identity(session, now, channel=channel)
            appointment = await make_appointment(
                session, identity, counsellor, local.astimezone(UTC), now, first_name=name
            )
            return appointment.id

        ids = {
            "past": await add(samia, datetime(2026, 11, 23, 9, 0, tzinfo=PARIS), "Lina"),
            "today": await add(samia, datetime(2026, 11, 23, 15, 0, tzinfo=PARIS), "Ambre"),
            "tomorrow": await add(
                samia, datetime(2026, 11, 24, 14, 30, tzinfo=PARIS), "Zoé", channel="telegram"
            ),
            "next_week": await add(samia, datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), "Noé"),
            "karim": await add(karim, datetime(2026, 11, 23, 16, 0, tzinfo=PARIS), "Yanis"),
            "marc": await add(
                marc, datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("America/Martinique")), "Inès"
            ),
        }
        staff = {}
        for email, name, role, counsellor_id in (
            ("samia@ml.fr", "Samia Benali", StaffRole.COUNSELLOR, samia.id),
            ("karim@ml.fr", "Karim", StaffRole.COUNSELLOR, karim.id),
            ("chef@ml.fr", "Chef", StaffRole.ADMIN, None),
            ("com@ml.fr", "Com", StaffRole.CAMPAIGN, None),
        ):
            account = await accounts.create_account(
                session, email=email, name=name, role=role, password=PASSWORD, now=now,
                counsellor_id=counsellor_id,
            )  # fmt: skip
            opened = await accounts.open_session(session, account, now)
            staff[email] = Staff(f"console_session={opened.token}", opened.csrf_token)
    return World(
        staff["samia@ml.fr"], staff["karim@ml.fr"], staff["chef@ml.fr"], staff["com@ml.fr"], ids
    )


async def _status(client: Client, appointment_id: int) -> str:
    async with _app(client)[SESSIONS]() as session:
        return (await session.get_one(Appointment, appointment_id)).status


async def _messages_to(client: Client, appointment_id: int) -> list[Message]:
    """Messages written in the conversations of the identity an appointment was booked from."""
    async with _app(client)[SESSIONS]() as session:
        appointment = await session.get_one(Appointment, appointment_id)
        return list(
            await session.scalars(
                select(Message)
                .join(Conversation, Message.conversation_id == Conversation.id)
                .where(Conversation.channel_identity_id == appointment.channel_identity_id)
                .order_by(Message.id)
            )
        )


# --- the page ------------------------------------------------------------------------------------


async def test_a_counsellor_sees_their_day_and_not_a_colleagues(client: Client) -> None:
    world = await _world(client)

    mine = await client.get("/console/agenda", headers=world.samia.browser)
    site = await client.get("/console/agenda?scope=site", headers=world.samia.browser)
    admin = await client.get("/console/agenda", headers=world.admin.browser)

    assert mine.status == 200
    html = await mine.text()
    assert "lundi 23 novembre 2026" in html
    assert "Lina" in html
    assert "Ambre" in html
    assert "15h–15h45" in html  # the place's local time (14:00 UTC)
    assert "Yanis" not in html  # Karim's
    assert "Zoé" not in html  # tomorrow
    assert "Inès" not in html  # another site
    assert f"/console/agenda/{world.ids['today']}/cancel" in html
    assert f"/console/agenda/{world.ids['past']}/cancel" not in html  # already started
    assert 'href="/console/agenda?view=day&amp;date=2026-11-24&amp;scope=mine"' in html
    assert 'href="/console/agenda?view=day&amp;date=2026-11-22&amp;scope=mine"' in html
    assert mine.headers["Content-Security-Policy"].startswith("default-src 'self'")

    site_html = await site.text()
    assert "Yanis" in site_html
    assert "Ambre" in site_html
    assert "Inès" not in site_html
    # Samia may not act on Karim's appointment from the site view.
    assert f"/console/agenda/{world.ids['karim']}/outcome" not in site_html

    admin_html = await admin.text()  # an admin without an agenda: every site by default
    assert "Yanis" in admin_html
    assert "Inès" in admin_html
    assert "heure de America/Martinique" in admin_html


async def test_the_week_view_runs_monday_to_sunday(client: Client) -> None:
    world = await _world(client)

    week = await client.get(
        "/console/agenda?view=week&date=2026-11-25&scope=mine", headers=world.samia.browser
    )
    following = await client.get(
        "/console/agenda?view=week&date=2026-12-02&scope=mine", headers=world.samia.browser
    )
    wrong = await client.get("/console/agenda?view=month", headers=world.samia.browser)
    bad_date = await client.get("/console/agenda?date=2026-13-01", headers=world.samia.browser)

    assert week.status == 200
    html = await week.text()
    assert "Semaine du lundi 23 novembre au dimanche 29 novembre 2026" in html
    assert "dimanche 29 novembre" in html
    assert "Lina" in html
    assert "Ambre" in html
    assert "Zoé" in html
    assert "Noé" not in html
    assert "Yanis" not in html
    assert "date=2026-11-18" in html
    assert "date=2026-12-02" in html
    assert "Noé" in await following.text()
    assert wrong.status == 400
    assert "« view » doit être day ou week." in await wrong.text()
    assert bad_date.status == 400
    assert "AAAA-MM-JJ" in await bad_date.text()


async def test_campaign_staff_get_403_and_strangers_the_login_page(client: Client) -> None:
    world = await _world(client)

    campaign = await client.get("/console/agenda", headers=world.campaign.browser)
    stranger = await client.get("/console/agenda", allow_redirects=False)
    outcome = await client.post(
        f"/console/agenda/{world.ids['past']}/outcome",
        json={"outcome": "attended"},
        headers=world.campaign.json,
    )

    assert campaign.status == 403
    assert (stranger.status, stranger.headers["Location"]) == (303, "/console/login")
    assert outcome.status == 403
    assert await _status(client, world.ids["past"]) == "booked"


# --- outcomes ------------------------------------------------------------------------------------


async def test_an_outcome_is_recorded_for_a_past_appointment(client: Client) -> None:
    world = await _world(client)
    past = world.ids["past"]

    sent = await client.post(
        f"/console/agenda/{past}/outcome",
        data={"csrf_token": world.samia.csrf, "outcome": "attended", "view": "week",
              "date": "2026-11-23", "scope": "mine"},
        headers=world.samia.browser,
        allow_redirects=False,
    )  # fmt: skip
    corrected = await client.post(
        f"/console/agenda/{past}/outcome", json={"outcome": "missed"}, headers=world.samia.json
    )

    assert sent.status == 303
    assert sent.headers["Location"] == (
        "/console/agenda?view=week&date=2026-11-23&scope=mine&done=outcome"
    )
    assert corrected.status == 200
    assert (await corrected.json())["status"] == "missed"
    assert await _status(client, past) == "missed"
    shown = await client.get(sent.headers["Location"], headers=world.samia.browser)
    assert "Résultat enregistré." in await shown.text()


async def test_an_outcome_is_refused_for_a_future_or_a_colleagues_appointment(
    client: Client,
) -> None:
    world = await _world(client)
    today, karims = world.ids["today"], world.ids["karim"]

    form = await client.post(
        f"/console/agenda/{today}/outcome",
        data={"csrf_token": world.samia.csrf, "outcome": "attended"},
        headers=world.samia.browser,
        allow_redirects=False,
    )
    json = await client.post(
        f"/console/agenda/{today}/outcome", json={"outcome": "missed"}, headers=world.samia.json
    )
    colleague = await client.post(
        f"/console/agenda/{karims}/outcome", json={"outcome": "missed"}, headers=world.samia.json
    )
    unknown = await client.post(
        f"/console/agenda/{today}/outcome", json={"outcome": "late"}, headers=world.samia.json
    )
    missing = await client.post(
        "/console/agenda/99999/outcome", json={"outcome": "missed"}, headers=world.samia.json
    )

    assert form.status == 409
    assert "Ce rendez-vous n&#39;a pas encore commencé." in await form.text()
    assert json.status == 409
    assert (await json.json())["error"]["code"] == "not_started"
    assert colleague.status == 403
    assert (unknown.status, missing.status) == (400, 404)
    assert await _status(client, today) == "booked"
    assert await _status(client, karims) == "booked"


# --- cancelling ----------------------------------------------------------------------------------


async def test_cancelling_tells_the_young_person_in_their_conversation(client: Client) -> None:
    world = await _world(client)
    today = world.ids["today"]

    sent = await client.post(
        f"/console/agenda/{today}/cancel",
        data={"csrf_token": world.samia.csrf, "message": "Je suis malade, rappelle-nous."},
        headers=world.samia.browser,
        allow_redirects=False,
    )

    assert sent.status == 303
    assert sent.headers["Location"].endswith("done=cancelled")
    assert await _status(client, today) == "cancelled"
    [message] = await _messages_to(client, today)
    assert message.author == Author.SYSTEM
    assert message.text == (
        "Ton rendez-vous du lundi 23 novembre à 15h est annulé par la Mission Locale."
        "\n\nJe suis malade, rappelle-nous."
    )
    again = await client.post(f"/console/agenda/{today}/cancel", headers=world.samia.json)
    assert again.status == 409
    assert len(await _messages_to(client, today)) == 1


async def test_cancelling_on_a_pushed_channel_or_without_a_conversation(client: Client) -> None:
    world = await _world(client)
    tomorrow, today = world.ids["tomorrow"], world.ids["today"]
    async with _app(client)[SESSIONS]() as session, session.begin():
        gone = await session.get_one(Appointment, today)
        gone.channel_identity_id = None  # the young person's channel was erased

    pushed = await client.post(f"/console/agenda/{tomorrow}/cancel", headers=world.samia.json)
    silent = await client.post(
        f"/console/agenda/{today}/cancel",
        data={"csrf_token": world.admin.csrf},
        headers=world.admin.browser,
        allow_redirects=False,
    )
    by_colleague = await client.post(
        f"/console/agenda/{world.ids['next_week']}/cancel", headers=world.karim.json
    )
    too_long = await client.post(
        f"/console/agenda/{world.ids['next_week']}/cancel",
        json={"message": "x" * 1001},
        headers=world.samia.json,
    )

    assert pushed.status == 200
    body = await pushed.json()
    assert body["appointment"]["status"] == "cancelled"
    assert body["delivery"] in ("sent", "undelivered")  # no Telegram bot in tests: undelivered
    [message] = await _messages_to(client, tomorrow)
    assert message.id == body["message_id"]
    assert message.status != "pending"  # delivery was tried after the commit
    assert silent.status == 303
    assert silent.headers["Location"].endswith("done=cancelled_silent")
    assert await _status(client, today) == "cancelled"
    shown = await client.get(silent.headers["Location"], headers=world.admin.browser)
    assert "la personne n&#39;a plus de conversation" in await shown.text()
    assert (by_colleague.status, too_long.status) == (403, 400)
    assert await _status(client, world.ids["next_week"]) == "booked"


async def test_a_missing_csrf_token_changes_nothing(client: Client) -> None:
    world = await _world(client)
    past, today = world.ids["past"], world.ids["today"]

    form_outcome = await client.post(
        f"/console/agenda/{past}/outcome",
        data={"outcome": "attended"},
        headers=world.samia.browser,
    )
    json_outcome = await client.post(
        f"/console/agenda/{past}/outcome", json={"outcome": "attended"}, headers=world.samia.browser
    )
    form_cancel = await client.post(
        f"/console/agenda/{today}/cancel",
        data={"csrf_token": "faux", "message": "coucou"},
        headers=world.samia.browser,
    )
    json_cancel = await client.post(f"/console/agenda/{today}/cancel", headers=world.samia.browser)

    assert [r.status for r in (form_outcome, json_outcome, form_cancel, json_cancel)] == [403] * 4
    assert await _status(client, past) == "booked"
    assert await _status(client, today) == "booked"
    assert await _messages_to(client, today) == []

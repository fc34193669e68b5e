"""Staff accounts and console sessions (#10, first part): argon2 hashes, no user enumeration,
server-side sessions with idle and absolute expiry, disabling ends sessions, the CLI."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.console import accounts
from bot.console import cli as staff_cli
from bot.core.vocabulary import StaffRole
from bot.errors import StaffAccountError
from bot.settings import load_settings
from bot.storage.models import StaffAccount, StaffSession
from tests.booking.factories import make_counsellor, make_site

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
PASSWORD = "une phrase de passe assez longue"


async def _admin(session: AsyncSession, email: str = "Chef@ML.fr") -> StaffAccount:
    return await accounts.create_account(
        session, email=email, name="Chef", role=StaffRole.ADMIN, password=PASSWORD, now=NOW
    )


async def test_the_password_is_hashed_and_checked(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        account = await _admin(session)
        assert account.email == "chef@ml.fr"
        assert PASSWORD not in account.password_hash
        assert account.password_hash.startswith("$argon2id$")

        right = await accounts.authenticate(session, " CHEF@ml.fr ", PASSWORD)
        wrong = await accounts.authenticate(session, "chef@ml.fr", "pas le bon mot de passe")
        unknown = await accounts.authenticate(session, "personne@ml.fr", PASSWORD)

    assert right is not None
    assert right.id == account.id
    assert wrong is None  # the same answer for a wrong password…
    assert unknown is None  # …and an unknown address: no user enumeration


@pytest.mark.parametrize(
    ("email", "password", "role", "message"),
    [
        ("pas-une-adresse", PASSWORD, StaffRole.ADMIN, "adresse e-mail invalide"),
        ("a@ml.fr", "court", StaffRole.ADMIN, "au moins 12 caractères"),
        ("a@ml.fr", PASSWORD, StaffRole.COUNSELLOR, "--counsellor-id"),
    ],
)
async def test_a_wrong_account_is_refused_in_french(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    role: StaffRole,
    message: str,
) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(StaffAccountError, match=message):
            await accounts.create_account(
                session, email=email, name="X", role=role, password=password, now=NOW
            )


async def test_one_account_per_address_and_a_counsellor_is_linked_to_their_agenda(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        counsellor = await make_counsellor(session, await make_site(session, NOW), NOW)
        linked = await accounts.create_account(
            session,
            email="samia@ml.fr",
            name="Samia",
            role=StaffRole.COUNSELLOR,
            password=PASSWORD,
            now=NOW,
            counsellor_id=counsellor.id,
        )
        with pytest.raises(StaffAccountError, match="existe déjà"):
            await _admin(session, "SAMIA@ml.fr")
    assert linked.counsellor_id == counsellor.id


async def test_sessions_expire_when_idle_or_old_and_end_at_logout_or_disabling(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        account = await _admin(session)
        first = await accounts.open_session(session, account, NOW)
        idle = await accounts.open_session(session, account, NOW)
        old = await accounts.open_session(session, account, NOW)
        closed = await accounts.open_session(session, account, NOW)

    async with sessions() as session, session.begin():
        seen = await accounts.current_session(session, first.token, NOW + timedelta(hours=7))
        assert seen is not None
        assert seen.account.id == account.id
        assert seen.csrf_token == first.csrf_token
        # Seen 7 h later: still alive 7 h after that, though 14 h after login.
        assert await accounts.current_session(session, first.token, NOW + timedelta(hours=14))
        assert await accounts.current_session(session, idle.token, NOW + accounts.IDLE) is None
        for hour in range(7, 24 * 7, 7):  # used all week long: the absolute limit still holds
            await accounts.current_session(session, old.token, NOW + timedelta(hours=hour))
        assert await accounts.current_session(session, old.token, NOW + accounts.ABSOLUTE) is None
        await accounts.close_session(session, closed.token)
        assert await accounts.current_session(session, closed.token, NOW) is None
        assert await accounts.current_session(session, "n'importe quoi", NOW) is None

        assert await accounts.disable(session, "chef@ml.fr", NOW)
        assert await accounts.current_session(session, first.token, NOW) is None
        assert await accounts.authenticate(session, "chef@ml.fr", PASSWORD) is None
        # Only the hash of a token is stored: a copy of the table opens no session.
        stored = list(await session.scalars(select(StaffSession.token_hash)))
    assert first.token not in stored


def _cli(database_url: str, tmp_path: Path, *argv: str, stdin: str = "") -> tuple[int, str]:
    settings = load_settings({"DATABASE_URL": database_url, "PROJECT_DIR": str(tmp_path)})
    out = io.StringIO()
    return staff_cli.main(list(argv), settings, out, io.StringIO(stdin)), out.getvalue()


def test_the_cli_adds_lists_and_disables_accounts(
    database_url: str, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    added = _cli(
        database_url, tmp_path, "add", "chef@ml.fr", "--name", "Chef", "--role", "admin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    again = _cli(
        database_url, tmp_path, "add", "chef@ml.fr", "--name", "Chef", "--role", "admin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    short = _cli(
        database_url, tmp_path, "add", "b@ml.fr", "--name", "B", "--role", "campaign",
        stdin="court\n",
    )  # fmt: skip
    disabled = _cli(database_url, tmp_path, "disable", "chef@ml.fr")
    listed = _cli(database_url, tmp_path, "list")

    assert added == (0, "Compte créé : chef@ml.fr (admin).\n")
    assert again[0] == 2
    assert short[0] == 2
    assert disabled[0] == 0
    assert "chef@ml.fr" in listed[1]
    assert "désactivé" in listed[1]
    assert PASSWORD not in listed[1]
    assert _cli(database_url, tmp_path, "disable", "personne@ml.fr")[0] == 2


async def test_the_demo_account_gets_a_new_password_at_each_start(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        first = await accounts.demo_account_password(session, NOW)
        second = await accounts.demo_account_password(session, NOW)
        stale = await accounts.authenticate(session, accounts.DEMO_EMAIL, first)
        current = await accounts.authenticate(session, accounts.DEMO_EMAIL, second)

    assert first != second
    assert stale is None
    assert current is not None
    assert current.role == StaffRole.ADMIN

"""Staff accounts and console sessions: argon2 password hashes, server-side sessions with idle
and absolute expiry, a CSRF token per session. No user enumeration: a wrong e-mail and a wrong
password take the same time and give the same answer (None)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.vocabulary import StaffRole
from bot.errors import StaffAccountError
from bot.storage import staff as store
from bot.storage.models import Counsellor, StaffAccount, StaffSession

MIN_PASSWORD = 12  # characters; long passphrases welcome
MAX_PASSWORD = 1024  # argon2 takes any length: this only bounds the work an attacker can ask for
IDLE = timedelta(hours=8)  # a working day without a request ends the session
ABSOLUTE = timedelta(days=7)  # and a week after login in any case


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both answers take as long."""
    return _hasher().hash(secrets.token_urlsafe(16))


def normalize_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_account(
    session: AsyncSession,
    *,
    email: str,
    name: str,
    role: StaffRole,
    password: str,
    now: datetime,
    counsellor_id: int | None = None,
) -> StaffAccount:
    """A new active account; StaffAccountError (in French) when something is wrong."""
    address = normalize_email(email)
    if "@" not in address or len(address) > 254 or any(c.isspace() for c in address):
        raise StaffAccountError(f"adresse e-mail invalide : {email!r}")
    if not name.strip() or len(name) > 100:
        raise StaffAccountError("le nom doit faire 1 à 100 caractères")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise StaffAccountError(f"le mot de passe doit faire au moins {MIN_PASSWORD} caractères")
    if role is StaffRole.COUNSELLOR and counsellor_id is None:
        raise StaffAccountError("un compte conseiller se relie à sa fiche : --counsellor-id N")
    if counsellor_id is not None and await session.get(Counsellor, counsellor_id) is None:
        raise StaffAccountError(f"aucun conseiller n° {counsellor_id}")
    account = StaffAccount(
        email=address,
        name=name.strip(),
        role=role.value,
        counsellor_id=counsellor_id,
        password_hash=_hasher().hash(password),
        active=True,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            return await store.add_account(session, account)
    except IntegrityError:
        raise StaffAccountError(f"un compte existe déjà pour {address}") from None


async def disable(session: AsyncSession, email: str, now: datetime) -> bool:
    """Disable an account and end its sessions; False when there is no such account."""
    account = await store.account_by_email(session, normalize_email(email))
    if account is None:
        return False
    await store.disable_account(session, account.id, now)
    return True


async def authenticate(session: AsyncSession, email: str, password: str) -> StaffAccount | None:
    """The active account these credentials open, or None (whatever was wrong)."""
    account = await store.account_by_email(session, normalize_email(email))
    hashed = account.password_hash if account is not None else _dummy_hash()
    try:
        _hasher().verify(hashed, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    return account


@dataclass(frozen=True, slots=True)
class OpenedSession:
    token: str  # goes into the HttpOnly cookie; only its hash is stored
    csrf_token: str


@dataclass(frozen=True, slots=True)
class CurrentSession:
    account: StaffAccount
    csrf_token: str


async def open_session(
    session: AsyncSession, account: StaffAccount, now: datetime
) -> OpenedSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    await store.add_session(
        session,
        StaffSession(
            token_hash=hash_token(token),
            account_id=account.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE,
        ),
    )
    return OpenedSession(token, csrf)


async def current_session(
    session: AsyncSession, token: str | None, now: datetime
) -> CurrentSession | None:
    """The signed-in account behind a cookie's token, if its session is still valid (and then
    seen now); an expired one is deleted."""
    if not token:
        return None
    token_hash = hash_token(token)
    found = await store.session_by_token_hash(session, token_hash)
    if found is None:
        return None
    if now >= found.expires_at or now - found.last_seen_at >= IDLE or not found.account.active:
        await store.delete_session(session, token_hash)
        return None
    await store.touch_session(session, token_hash, now)
    return CurrentSession(found.account, found.csrf_token)


async def close_session(session: AsyncSession, token: str) -> None:
    await store.delete_session(session, hash_token(token))


DEMO_EMAIL = "demo@mission-locale.test"


async def demo_account_password(session: AsyncSession, now: datetime) -> str:
    """Demo mode only: the admin account to try the console with, created the first time; its
    password is new at each start (printed by `make run`, never stored in clear)."""
    password = secrets.token_urlsafe(12)
    account = await store.account_by_email(session, DEMO_EMAIL)
    if account is None:
        await create_account(
            session,
            email=DEMO_EMAIL,
            name="Démo",
            role=StaffRole.ADMIN,
            password=password,
            now=now,
        )
    else:
        account.password_hash = _hasher().hash(password)
        account.active = True
        account.disabled_at = None
    return password

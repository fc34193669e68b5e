"""The stored vocabulary has one source, the enums of bot/core/ (#9): the models build their CHECK
constraints from them, and the migrations agree with the models, constraint by constraint."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy
from sqlalchemy import CheckConstraint

from bot.core.messages import Author, MessageStatus
from bot.core.vocabulary import AppointmentKind, AppointmentStatus, ReminderStatus
from bot.storage.models import Appointment, AppointmentReminder, Base, Message


def _plain(sql: str) -> str:
    text = re.sub(r"\s+", " ", sql).strip()
    while text.startswith("(") and text.endswith(")") and text.count("(") == text.count(")"):
        inner = text[1:-1]
        if inner.count("(") != inner.count(")"):
            break
        text = inner.strip()
    return text


def _checks_of_the_models() -> dict[tuple[str, str], str]:
    return {
        (table.name, str(constraint.name)): _plain(str(constraint.sqltext))
        for table in Base.metadata.sorted_tables
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint)
    }


def test_the_migrations_have_exactly_the_models_check_constraints(sqlite_url: str) -> None:
    path = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    engine = sqlalchemy.create_engine(f"sqlite:///{path}")
    try:
        inspector = sqlalchemy.inspect(engine)
        migrated = {
            (table.name, check["name"]): _plain(check["sqltext"])
            for table in Base.metadata.sorted_tables
            for check in inspector.get_check_constraints(table.name)
        }
    finally:
        engine.dispose()

    assert migrated == _checks_of_the_models()


def test_the_checks_are_built_from_the_enums() -> None:
    checks = _checks_of_the_models()
    for table, column, enum in [
        (Appointment.__tablename__, "kind", AppointmentKind),
        (Appointment.__tablename__, "status", AppointmentStatus),
        (AppointmentReminder.__tablename__, "status", ReminderStatus),
        (Message.__tablename__, "author", Author),
        (Message.__tablename__, "status", MessageStatus),
    ]:
        check = checks[(table, f"ck_{table}_{column}_known")]
        assert check == f"{column} IN ({', '.join(repr(v.value) for v in enum)})"

"""Running a staff command line (`python -m bot sources|appointments|staff …`) against the
database: one answer, in French, when the database is not migrated yet."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.exc import OperationalError, ProgrammingError

NOT_MIGRATED = "La base de données n'est pas prête : lance d'abord `make migrate` (ou `make run`)."


def run_command(command: Coroutine[Any, Any, int]) -> int:
    """The command's exit code, or 1 when the database is not ready (said on stderr)."""
    try:
        return asyncio.run(command)
    except (OperationalError, ProgrammingError):
        print(NOT_MIGRATED, file=sys.stderr)
        return 1

"""Logs never carry secrets that ride in a path (a calendar file's key)."""

from __future__ import annotations

import logging
from unittest.mock import Mock

import pytest

from bot.http.middleware import PrivateAccessLogger, loggable_path


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/rdv/AbC-123_xyzXYZ0123456789abcdEF.ics", "/rdv/….ics"),
        ("/webchat/api/messages", "/webchat/api/messages"),
        ("/rdv/", "/rdv/"),
        # a 404 is logged too: a key without .ics, or with something after it
        ("/rdv/AbC-123_xyzXYZ0123456789abcdEF", "/rdv/…"),
        ("/rdv/AbC-123_xyzXYZ0123456789abcdEF.ics/x", "/rdv/…"),
        ("/rdv/AbC\n-123", "/rdv/…"),
    ],
)
def test_secret_path_segments_are_masked(path: str, logged: str) -> None:
    assert loggable_path(path) == logged


def test_the_access_log_masks_the_calendar_key(caplog: pytest.LogCaptureFixture) -> None:
    key = "AbC-123_xyzXYZ0123456789abcdEF"
    request = Mock(method="GET", path=f"/rdv/{key}.ics")
    access = PrivateAccessLogger(logging.getLogger("test.access"), "")
    with caplog.at_level(logging.INFO, logger="test.access"):
        access.log(request, Mock(status=200), 0.001)

    assert "GET /rdv/….ics 200" in caplog.text
    assert key not in caplog.text

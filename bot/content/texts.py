"""Load the service's own French texts (TOML files next to this module)."""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

CONTENT_DIR = Path(__file__).parent
DEFAULT_PATH = CONTENT_DIR / "fr.toml"


@dataclass(frozen=True)
class Texts:
    rasa_unavailable: str
    nothing_to_say: str
    human_button: str
    angry_apology: str
    flood_notice: str
    waiting_open: str
    waiting_closed: str
    waiting_still: str
    waiting_received: str
    waiting_sorry: str
    waiting_meanwhile: str
    back_to_assistant_button: str
    back_to_assistant: str
    back_to_assistant_in_words: str
    handed_back: str
    webchat_errors: dict[str, str]
    attachment_replies: dict[str, str]
    # First-contact notice (#12): who answers, what is kept and how long, how to erase.
    privacy_notice_intro: str = ""
    privacy_notice: str = ""
    # A NIR, IBAN or card number was masked in the message (bot/core/sensitive.py).
    sensitive_masked: str = ""
    sensitive_kinds: dict[str, str] = field(default_factory=dict)

    def webchat_error(self, code: str) -> str:
        return self.webchat_errors.get(code, self.webchat_errors["invalid_body"])

    def attachment_reply(self, kind: str) -> str:
        return self.attachment_replies.get(kind, self.attachment_replies["other"])

    def first_contact_notice(self, months: int, url: str, *, introduce: bool = True) -> str:
        """The notice of a young person's first message; without the line saying who answers
        when the answer it joins already says it (the greeting)."""
        notice = self.privacy_notice.format(months=months, url=url)
        return f"{self.privacy_notice_intro}\n{notice}" if introduce else notice

    def masked_warning(self, kinds: Collection[str]) -> str:
        """One line: the number(s) of these kinds were masked, and why not to send them."""
        what = self.sensitive_kinds[next(iter(kinds))] if len(kinds) == 1 else None
        return self.sensitive_masked.format(what=what or self.sensitive_kinds["several"])


def load_texts(path: Path = DEFAULT_PATH) -> Texts:
    with path.open("rb") as file:
        data = tomllib.load(file)
    return Texts(
        rasa_unavailable=str(data["rasa_unavailable"]).strip(),
        nothing_to_say=str(data["nothing_to_say"]).strip(),
        human_button=str(data["human_button"]).strip(),
        angry_apology=str(data["angry_apology"]).strip(),
        flood_notice=str(data["flood_notice"]).strip(),
        waiting_open=str(data["waiting_open"]).strip(),
        waiting_closed=str(data["waiting_closed"]).strip(),
        waiting_still=str(data["waiting_still"]).strip(),
        waiting_received=str(data["waiting_received"]).strip(),
        waiting_sorry=str(data["waiting_sorry"]).strip(),
        waiting_meanwhile=str(data["waiting_meanwhile"]).strip(),
        back_to_assistant_button=str(data["back_to_assistant_button"]).strip(),
        back_to_assistant=str(data["back_to_assistant"]).strip(),
        back_to_assistant_in_words=str(data["back_to_assistant_in_words"]).strip(),
        handed_back=str(data["handed_back"]).strip(),
        webchat_errors={str(k): str(v) for k, v in data["webchat_errors"].items()},
        attachment_replies={str(k): str(v) for k, v in data["attachment_replies"].items()},
        privacy_notice_intro=str(data["privacy_notice_intro"]).strip(),
        privacy_notice=str(data["privacy_notice"]).strip(),
        sensitive_masked=str(data["sensitive_masked"]).strip(),
        sensitive_kinds={str(k): str(v) for k, v in data["sensitive_kinds"].items()},
    )


@cache
def _replies() -> dict[str, Any]:
    with (CONTENT_DIR / "replies.toml").open("rb") as file:
        return tomllib.load(file)


def reply_text(section: str, key: str, **values: str) -> str:
    """A text of replies.toml (read once, on first use), with its {placeholders} filled."""
    template = str(_replies()[section][key]).strip()
    return template.format(**values) if values else template

"""Load the service's own French texts from fr.toml."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("fr.toml")


@dataclass(frozen=True)
class Texts:
    rasa_unavailable: str
    webchat_errors: dict[str, str]

    def webchat_error(self, code: str) -> str:
        return self.webchat_errors.get(code, self.webchat_errors["invalid_body"])


def load_texts(path: Path = DEFAULT_PATH) -> Texts:
    with path.open("rb") as file:
        data = tomllib.load(file)
    return Texts(
        rasa_unavailable=str(data["rasa_unavailable"]).strip(),
        webchat_errors={str(k): str(v) for k, v in data["webchat_errors"].items()},
    )

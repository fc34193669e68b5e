"""domain.yml's button payloads reach the channels as Rasa reads them, without tripping Rasa.

Rasa renders every response through its interpolator, which takes any `{…}` for a slot
placeholder: `/inform{"choice": "rqth=yes"}` raises a KeyError there, and Rasa logs it with the
slot values. Written with doubled braces, a payload is left alone and comes out with single ones.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no type stubs

from bot.rasa.payloads import payload
from tests.paths import PROJECT_DIR
from tests.rasa.rasa_venv import needs_rasa_venv, result_of, run_in_rasa

MARKER = "Villeurbanne-MARKER-7f3a"
DOMAIN = PROJECT_DIR / "domain.yml"
ESCAPED = re.compile(r"^/[a-z_]+(\{\{[^{}]+\}\})?$")

# Every response variation with buttons (conditions dropped, so each one is rendered), from the
# tracker of a new conversation and from one whose text slots hold the marker, with and without
# the keyword arguments a custom action's `utter_message(response=…)` adds; then each payload as
# Rasa's NLU reads a `/intent{…}` message.
RENDER = """
    import asyncio, json, sys
    from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
    from rasa.shared.nlu.training_data.message import Message
    from rasa.utils.log_utils import configure_structlog

    configure_structlog()
    domain = Domain.load(sys.argv[1])
    marker = sys.argv[2]
    fresh = DialogueStateTracker.from_events("probe", [], slots=domain.slots)
    typed = [SlotSet(s.name, marker) for s in domain.slots if s.type_name == "text"]
    filled = DialogueStateTracker.from_events("probe", typed, slots=domain.slots)

    async def render():
        out = []
        for name, variations in domain.responses.items():
            for index, variation in enumerate(variations):
                if not variation.get("buttons"):
                    continue
                plain = {k: v for k, v in variation.items() if k != "condition"}
                nlg = TemplatedNaturalLanguageGenerator({name: [plain]})
                for tracker in (fresh, filled):
                    for kwargs in ({}, {"buttons": [], "text": None}):
                        reply = await nlg.generate(name, tracker, "rest", **kwargs)
                        for button in reply["buttons"]:
                            message = Message(data={"text": button["payload"]})
                            read = YAMLStoryReader.unpack_regex_message(message, domain)
                            entities = read.get("entities") or []
                            out.append({
                                "where": f"{name}[{index}] {button['title']}",
                                "payload": button["payload"],
                                "intent": read.get("intent", {}).get("name"),
                                "entities": {e["entity"]: e["value"] for e in entities},
                            })
        return out

    print("RESULT " + json.dumps(asyncio.run(render()), ensure_ascii=False))
"""


def _domain_payloads() -> dict[str, str]:
    """Every button payload of domain.yml, as written: « response[variation] title » → payload."""
    domain = yaml.safe_load(DOMAIN.read_text())
    return {
        f"{name}[{index}] {button['title']}": str(button["payload"])
        for name, variations in domain["responses"].items()
        for index, variation in enumerate(variations)
        for button in variation.get("buttons") or ()
    }


def _unescape(written: str) -> str:
    return written.replace("{{", "{").replace("}}", "}")


def test_domain_payloads_double_their_braces() -> None:
    payloads = _domain_payloads()

    wrong = {where: p for where, p in payloads.items() if not ESCAPED.match(p)}
    assert not wrong, (
        'write button payloads with entities as \'/intent{{"entity": "value"}}\' in domain.yml '
        f"(Rasa's interpolator takes single braces for a slot placeholder): {wrong}"
    )
    assert any("{{" in p for p in payloads.values())


@needs_rasa_venv
def test_rasa_sends_every_domain_payload_with_single_braces_and_reads_it_back() -> None:
    completed = run_in_rasa(RENDER, str(DOMAIN), MARKER)
    rendered: list[dict[str, Any]] = result_of(completed)
    written = _domain_payloads()

    assert "interpolator" not in completed.stdout
    assert MARKER not in completed.stdout
    assert {r["where"] for r in rendered} == set(written)
    assert len(rendered) == 4 * len(written)  # two trackers, with and without action kwargs
    for r in rendered:
        expected = _unescape(written[r["where"]])
        intent, _, entities = expected[1:].partition("{")
        assert r["payload"] == expected, r["where"]
        assert r["intent"] == intent, r["where"]
        assert r["entities"] == (json.loads("{" + entities) if entities else {}), r["where"]
        # The same string as the bot's own buttons (actions, reminders) build.
        assert payload(r["intent"], **r["entities"]) == expected, r["where"]

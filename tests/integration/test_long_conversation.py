"""A long conversation with the real Rasa: every turn answered, however long the history grows.

Rasa posts the whole tracker (every event of the conversation) to the bot's `POST /actions` each
time it runs a custom action, so the bodies grow with every turn; forms and slot offers make them
grow fast. Here one young person plays more than 60 turns in one conversation (questionnaire,
booking with « autres créneaux », a change of kind, a phone number, moving and cancelling, free
text in youth spelling), and another opens with a wall of emoji: every turn must get a real
answer, never nothing and never the service's apology for a failed turn.

The flood limit is lifted for this stack: the turns follow each other in a tenth of a second,
faster than anyone types, and what is tested here is Rasa and the actions, not the flood guard.
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.content.texts import DEFAULT_PATH as SERVICE_TEXTS
from tests.integration.stack import Stack, start_stack
from tests.integration.webchat import new_user, text_of

pytestmark = pytest.mark.integration

Replies = list[dict[str, Any]]
# Picks the payload of one button among the previous turn's replies (None: it is not there).
Chooser = Callable[[Replies], str | None]

ADDRESS = "12 rue de la République, 69001 Lyon"  # the demo Mission Locale's main site
OFFER = "Voici les prochains créneaux"
MORE = "Voici d'autres créneaux"
BOOKED = "C'est réservé ✅"
MOVED = "C'est décalé ✅"
CANCELLED = "C'est annulé"
ATTENDING = "On t'attend"
ASK_NAME = "Tu t'appelles comment"
ASK_PHONE = "à quel numéro on t'appelle"
STOPPED = "on laisse le rendez-vous de côté"
# A first message of 1 200 emoji: within the web chat's 2 000 characters, and about 14 KiB of
# JSON each time the tracker repeats it (Rasa escapes each one as two \\uXXXX surrogates).
EMOJI_WALL = "😂🔥🙏😭💯🥺" * 200


def _fallback_texts() -> frozenset[str]:
    """The service's own apologies (a failed turn, Rasa unreachable): never a real answer."""
    with SERVICE_TEXTS.open("rb") as file:
        texts = tomllib.load(file)
    return frozenset(
        str(texts[key]).strip() for key in ("nothing_to_say", "rasa_unavailable") if key in texts
    )


FALLBACKS = _fallback_texts()


@dataclass(frozen=True, slots=True)
class Turn:
    """What the young person sends (typed text, or a button of the previous replies) and what
    the replies must contain, besides being a real answer."""

    label: str
    expect: tuple[str, ...]
    text: str | None = None
    choose: Chooser | None = None

    def body(self, previous: Replies) -> dict[str, str] | None:
        if self.text is not None:
            return {"text": self.text}
        assert self.choose is not None
        payload = self.choose(previous)
        return None if payload is None else {"payload": payload}


def typed(text: str, *expect: str) -> Turn:
    shown = repr(text) if len(text) <= 60 else f"{text[:20]!r}… ({len(text)} characters)"
    return Turn(f"typed {shown}", expect, text=text)


def _buttons(replies: Replies) -> list[dict[str, str]]:
    return [b for m in replies for b in m["buttons"]]


def press(title: str, *expect: str) -> Turn:
    """The first button of the previous replies whose title starts with `title`."""

    def choose(previous: Replies) -> str | None:
        found = [b["payload"] for b in _buttons(previous) if b["title"].startswith(title)]
        return found[0] if found else None

    return Turn(f"pressed « {title} »", expect, choose=choose)


def press_nth(index: int, *expect: str) -> Turn:
    def choose(previous: Replies) -> str | None:
        buttons = _buttons(previous)
        return buttons[index]["payload"] if len(buttons) > index else None

    return Turn(f"pressed button #{index + 1}", expect, choose=choose)


def slot_buttons(replies: Replies) -> list[dict[str, str]]:
    """The buttons of offered slots (not « autres créneaux » / « revoir les premiers »)."""
    return [
        b
        for b in _buttons(replies)
        if '"slot=' in b["payload"] and not b["payload"].endswith(('slot=more"}', 'slot=first"}'))
    ]


def pick_slot(index: int, *expect: str) -> Turn:
    def choose(previous: Replies) -> str | None:
        slots = slot_buttons(previous)
        return slots[index]["payload"] if -len(slots) <= index < len(slots) else None

    return Turn(f"picked offered slot #{index}", expect, choose=choose)


# One young person, one conversation. Each turn's expectation is what that turn must say; the
# turns that run a custom action (most of them) are the ones that carry the whole tracker.
LONG_CONVERSATION = (
    typed("wesh slt", "Salut"),
    press("Où vous trouver", ADDRESS),  # action_topic_answer (site info)
    typed("c koi le cej", "Contrat d'Engagement Jeune"),
    press("J'y ai droit", "quel âge"),  # the questionnaire (eligibility_form)
    typed("jai 19 ans", "Tu fais quoi en ce moment"),
    typed("c koi le pacea", "PACEA", "Tu fais quoi en ce moment"),
    typed("non en fait jai 20 ans", "C'est corrigé", "Tu fais quoi en ce moment"),
    press("Rien pour l'instant", "France Travail"),
    press("Aucun des deux", "impôts"),
    press("Je sais pas", "tu habites où"),
    typed("69001", "probablement le CEJ", ADDRESS),
    press("Prendre rendez-vous", OFFER),  # the booking form
    press("Autres créneaux", MORE),
    press("Autres créneaux", MORE),
    typed("c koi les papiers a ramener", "pièce d'identité", "créneaux"),
    press("📞 Par téléphone", "par téléphone"),
    typed("le 2e", ASK_PHONE),
    typed("0612", "ne semble pas valide"),
    typed("06 12 34 56 78", BOOKED, "/rdv/", ASK_NAME),  # booked, then the first name
    typed("lol", "Juste ton prénom"),
    typed("moi c Sarah", "Merci Sarah"),
    typed("je serai la", ATTENDING),
    typed("c ou la mission locale", ADDRESS),
    typed("je peux decaler mon rdv ?", "On décale ton rendez-vous", OFFER),
    press("Autres créneaux", MORE),
    pick_slot(0, MOVED),
    typed("annule mon rdv", "Tu veux annuler ton rendez-vous"),
    press("Non, je le garde", ATTENDING),
    typed("annule mon rdv stp", "Tu veux annuler ton rendez-vous"),
    press("Oui, annuler", CANCELLED),
    press("Prendre un autre rendez-vous", OFFER),
    typed("stop", STOPPED),
    typed("on touche cb", "561,68 €"),
    typed("cej ou pacea ?", "CEJ ou PACEA"),
    typed("jcherche du taf", "trouver du travail"),
    typed("je veux faire une formation", "Formation"),
    typed("jai besoin d'aide pour autre chose", "C'est pour quoi"),  # the menu of other help
    press("Logement", "Logement :"),
    typed("et ça coute combien", "250 à 500 €"),  # a follow-up on the subject
    typed("g besoin d'aide pr le logement", "En bref : FJT"),  # asked again: in short
    typed("t un robot ?", "assistant automatique"),
    typed("raconte moi une blague", "je ne peux pas t'aider"),  # action_not_understood
    typed("ok", "Dis-moi ce que tu cherches"),
    typed("merci bcp", "Avec plaisir"),
    typed("rdv en visio possible ?", "en visio"),
    pick_slot(0, BOOKED),  # the first name is not asked again
    typed("je serai la", ATTENDING),
    typed("slt je voudrais prendre un rdv", "Tu as déjà un rendez-vous"),
    press("En prendre un autre", OFFER),
    pick_slot(-1, BOOKED),
    typed("annule mon rdv", "Lequel"),
    press_nth(0, "Tu veux annuler ton rendez-vous"),
    press("Oui, annuler", CANCELLED),
    typed("decale mon rdv", "On décale ton rendez-vous", OFFER),
    press("📞 Par téléphone", "par téléphone"),
    pick_slot(1, ASK_PHONE),  # the appointment being moved had no phone number
    typed("06 12 34 56 78", MOVED),
    typed("est ce que jai droit au cej", "quel âge"),
    typed("27 ans", "RQTH"),
    press("Non", "France Travail"),
    typed("c koi le pacea", "PACEA"),
    typed("je serai la", ATTENDING),
    typed("annule mon rdv", "Tu veux annuler ton rendez-vous"),
    press("Plutôt le décaler", "On décale ton rendez-vous", OFFER),
    press("Autres créneaux", MORE),
    typed("laisse tomber", STOPPED),
    typed("c ou la mission locale", ADDRESS),
    typed("merci", "Avec plaisir"),
    typed("a+", "À bientôt"),
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("long_conversation"), extra_env={"FLOOD_MESSAGES": "1000/minute"}
    )
    yield running
    running.stop_all()


async def _post(
    http: aiohttp.ClientSession, stack: Stack, user: str, body: dict[str, str]
) -> tuple[int, Replies, str]:
    async with http.post(
        f"{stack.bot_url}/webchat/api/messages", json={"user_id": user, **body}
    ) as response:
        raw = await response.text()
    try:
        replies = json.loads(raw)["messages"] if response.status == 200 else []
    except (ValueError, KeyError, TypeError):
        replies = []
    return response.status, replies, raw


def _problem(turn: Turn, status: int, replies: Replies) -> str | None:
    """Why this turn's answer is not good enough (None: it is)."""
    if status != 200:
        return f"HTTP {status} from the web chat"
    if not any(str(m.get("text") or "").strip() for m in replies):
        return "no reply at all (an empty answer)"
    apologies = [m["text"] for m in replies if str(m.get("text") or "").strip() in FALLBACKS]
    if apologies:
        return "the service's apology for a failed turn instead of an answer"
    text = text_of(replies)
    missing = [e for e in turn.expect if e not in text]
    return f"the replies lack {missing}" if missing else None


def _show(replies: Replies) -> str:
    if not replies:
        return "  (nothing)"
    lines = []
    for number, message in enumerate(replies, start=1):
        lines.append(f"  [{number}] " + str(message.get("text")).replace("\n", "\n      "))
        lines.extend(f"      ({b['title']} → {b['payload']})" for b in message.get("buttons", ()))
    return "\n".join(lines)


_ACTIONS_ANSWER = re.compile(r"POST /actions (\d{3}) ")


def _actions_statuses(stack: Stack) -> str:
    """How the bot answered Rasa's action calls so far, from its access log."""
    log = stack.workdir / "bot.log"
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    counts = Counter(m.group(1) for line in lines if (m := _ACTIONS_ANSWER.search(line)))
    return ", ".join(f"{status} ×{n}" for status, n in sorted(counts.items())) or "none"


async def play(
    http: aiohttp.ClientSession, stack: Stack, user: str, turns: tuple[Turn, ...]
) -> None:
    """Play the turns in order in one conversation; fail at the first one not answered well,
    with what was sent and what came back."""
    previous: Replies = []
    last_sent: dict[str, str] | None = None
    started = time.monotonic()
    for number, turn in enumerate(turns, start=1):
        body = turn.body(previous)
        if body is None:
            pytest.fail(
                f"turn {number}/{len(turns)} ({turn.label}): no such button in the replies of "
                f"turn {number - 1}, which sent {last_sent}:\n{_show(previous)}",
                pytrace=False,
            )
        status, replies, raw = await _post(http, stack, user, body)
        problem = _problem(turn, status, replies)
        if problem is not None:
            pytest.fail(
                f"turn {number}/{len(turns)} ({turn.label}): {problem}\n"
                f"sent: {json.dumps(body, ensure_ascii=False)[:160]}\n"
                f"came back (HTTP {status}):\n{_show(replies) if status == 200 else raw[:500]}\n"
                f"expected to contain: {list(turn.expect)}\n"
                f"bot's answers to POST /actions so far: {_actions_statuses(stack)}",
                pytrace=False,
            )
        previous, last_sent = replies, body
    elapsed = time.monotonic() - started
    print(f"\n{len(turns)} turns answered in {elapsed:.1f} s; POST /actions: "
          f"{_actions_statuses(stack)}")  # fmt: skip


async def test_every_turn_of_a_long_conversation_gets_an_answer(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    assert len(LONG_CONVERSATION) >= 60
    await play(http, stack, new_user(), LONG_CONVERSATION)


async def test_a_first_message_of_1200_emoji_then_custom_actions(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    assert len(EMOJI_WALL) == 1200
    await play(
        http,
        stack,
        new_user(),
        (
            typed(EMOJI_WALL),  # not understood: action_not_understood answers it
            typed("c ou la mission locale", ADDRESS),
            typed("jveux un rdv 🙏", OFFER),
        ),
    )

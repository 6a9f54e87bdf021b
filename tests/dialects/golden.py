"""Golden AT exchanges (fixtures/at/golden/<dialect>/*.log, README there) played by the scripted fake module
of the AT tests: each command answers with the lines read after it, up to the next command; a command
written again answers with its next answer (the last one repeats)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from harness.at import Direction, read_transcript
from tests.at.fake_module import FakeModule, lines

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "at" / "golden"


def play(module: FakeModule, dialect: str, name: str) -> None:
    """Script the fake module from fixtures/at/golden/<dialect>/<name>.log."""
    answers: dict[str, list[list[str]]] = defaultdict(list)
    command: str | None = None
    for entry in read_transcript(GOLDEN / dialect / f"{name}.log"):
        if entry.direction is Direction.WRITTEN:
            command = entry.text
            answers[command].append([])
        elif entry.direction is Direction.READ and command is not None:
            answers[command][-1].append(entry.text)
    for cmd, replies in answers.items():
        module.script[cmd] = _replay([lines(*reply) for reply in replies])


def _replay(replies: list[bytes]) -> Callable[[FakeModule], None]:
    queue = list(replies)

    def answer(module: FakeModule) -> None:
        module.send(queue.pop(0) if len(queue) > 1 else queue[0])

    return answer

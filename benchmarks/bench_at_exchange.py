"""AT exchange round trip: `ATSession.send("AT")` against raw pyserial loops over the same virtual port.

Reference (issue 3: ATSession at most 1.5x a raw pyserial write/readline loop). pyserial 3.5's readline
reads one byte per system call (../shared/reference/this-machine.md), so a second raw loop that reads what
`in_waiting` holds is shown too: about the fastest a Python client can be. The session is timed twice: with
its transcript in memory only, and writing it to a file as every test of a run does.

This machine's speed swings 1.5-2x from minute to minute, so blocks of every method alternate (in a rotating
order) and each ratio is taken within one round, then the median over the rounds is reported: a swing hits
both sides of a ratio alike. Times per method are medians over every exchange.
"""

from __future__ import annotations

import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

import serial

from benchmarks.bench_table import BenchFigure
from harness.at import ATSession, SerialPort
from harness.transport import open_port

URL = "virtual://bc660k?echo=0&attach_s=0"
ROUNDS = 20
EXCHANGES_PER_BLOCK = 100
OK = b"OK\r\n"
READLINE = "raw write/readline"
CHUNKED = "raw write/read(in_waiting)"
SESSION = "ATSession.send"
SESSION_FILE = "ATSession.send, transcript file"
GOAL_RATIO = 1.5  # issue 3: the session at most 1.5x a raw pyserial write/readline loop


def raw_readline(port: serial.SerialBase) -> None:
    port.write(b"AT\r")
    while port.readline() != OK:
        pass


def raw_chunked(port: serial.SerialBase) -> None:
    port.write(b"AT\r")
    received = b""
    while not received.endswith(OK):
        received += port.read(port.in_waiting or 1)


def timed_block(exchange: Callable[[], None]) -> list[float]:
    times_us = []
    for _ in range(EXCHANGES_PER_BLOCK):
        start = time.perf_counter()
        exchange()
        times_us.append((time.perf_counter() - start) * 1e6)
    return times_us


def session_block(port: serial.SerialBase, transcript_path: Path | None) -> list[float]:
    # The session shortens the port's timeout; the raw loops need theirs back.
    with ATSession(cast(SerialPort, port), transcript_path=transcript_path) as session:
        times_us = timed_block(lambda: session.send("AT"))
    port.timeout = 2.0
    return times_us


def run_rounds(port: serial.SerialBase, folder: Path) -> dict[str, list[list[float]]]:
    """Per method, the exchange times of each round's block."""
    methods: dict[str, Callable[[], list[float]]] = {
        READLINE: lambda: timed_block(lambda: raw_readline(port)),
        CHUNKED: lambda: timed_block(lambda: raw_chunked(port)),
        SESSION: lambda: session_block(port, None),
        SESSION_FILE: lambda: session_block(port, folder / "at.log"),
    }
    blocks: dict[str, list[list[float]]] = {name: [] for name in methods}
    names = list(methods)
    for round_index in range(ROUNDS):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            blocks[name].append(methods[name]())
    return blocks


def main() -> list[BenchFigure]:
    port = open_port(URL, timeout=2.0)
    try:
        time.sleep(0.3)  # let RDY arrive, then drop it
        port.reset_input_buffer()
        with tempfile.TemporaryDirectory() as folder:
            blocks = run_rounds(port, Path(folder))
    finally:
        port.close()
    print(
        f"AT exchange round trip over one {URL} pty, {ROUNDS} rounds x {EXCHANGES_PER_BLOCK} per method, "
        f"interleaved; Python {platform.python_version()} ({sys.executable})"
    )
    print(f"{'method':34} {'median us':>10} {'p90 us':>9} {'exchanges/s':>12}")
    medians_us = {}
    for name, rounds in blocks.items():
        times = [t for block in rounds for t in block]
        medians_us[name] = statistics.median(times)
        p90_us = statistics.quantiles(times, n=10)[-1]
        print(f"{name:34} {medians_us[name]:10.0f} {p90_us:9.0f} {1e6 / medians_us[name]:12.0f}")
    figures = []
    for session in (SESSION, SESSION_FILE):
        for reference in (READLINE, CHUNKED):
            per_round = [
                statistics.median(ours) / statistics.median(theirs)
                for ours, theirs in zip(blocks[session], blocks[reference], strict=True)
            ]
            ratio = statistics.median(per_round)
            print(
                f"ratio {session} / {reference}: median {ratio:.2f} "
                f"(rounds {min(per_round):.2f}-{max(per_round):.2f})"
            )
            if reference == READLINE:
                figures.append(
                    BenchFigure(
                        figure="AT exchange round trip"
                        + (", transcript file" if session == SESSION_FILE else ""),
                        harness=f"{medians_us[session]:.0f} us",
                        reference_tool="pyserial write/readline",
                        reference=f"{medians_us[READLINE]:.0f} us",
                        ratio=ratio,
                        goal="<= 1.5x",
                        met=ratio <= GOAL_RATIO,
                        note="ratio: median of per-round ratios (module docstring)",
                    )
                )
    return figures

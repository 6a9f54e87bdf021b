"""AT exchange round trip: `ATSession.send("AT")` against raw pyserial loops over the same virtual port.

Reference (issue 2): a raw pyserial write/readline loop. pyserial 3.5's readline reads one byte per system
call (../shared/reference/this-machine.md), so a second raw loop that reads what `in_waiting` holds is shown
too: the fastest a Python client can be. Blocks of each method alternate, so CPU speed swings hit all of
them alike; the figures are medians over every exchange.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import serial

from harness.at import ATSession
from harness.transport import open_port

URL = "virtual://bc660k?echo=0&attach_s=0"
ROUNDS = 5
EXCHANGES_PER_BLOCK = 400
OK = b"OK\r\n"


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


def session_block(port: serial.SerialBase) -> list[float]:
    with ATSession(port) as session:  # type: ignore[arg-type]  # pyserial stubs lack in_waiting
        return timed_block(lambda: session.send("AT"))


def main() -> None:
    port = open_port(URL, timeout=2.0)
    try:
        time.sleep(0.3)  # let RDY arrive, then drop it
        port.reset_input_buffer()
        results: dict[str, list[float]] = {
            "raw write/readline": [],
            "raw write/read(in_waiting)": [],
            "ATSession.send": [],
        }
        for _ in range(ROUNDS):
            port.timeout = 2.0
            results["raw write/readline"] += timed_block(lambda: raw_readline(port))
            results["raw write/read(in_waiting)"] += timed_block(lambda: raw_chunked(port))
            results["ATSession.send"] += session_block(port)
    finally:
        port.close()
    medians = {name: statistics.median(times) for name, times in results.items()}
    print(
        f"AT exchange round trip over one {URL} pty, {ROUNDS} x {EXCHANGES_PER_BLOCK} per method, interleaved"
    )
    print(f"{'method':32} {'median us':>10} {'p90 us':>9} {'exchanges/s':>12}")
    for name, times in results.items():
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"{name:32} {medians[name]:10.0f} {p90:9.0f} {1e6 / medians[name]:12.0f}")
    for reference in ("raw write/readline", "raw write/read(in_waiting)"):
        print(f"ratio ATSession.send / {reference}: {medians['ATSession.send'] / medians[reference]:.2f}")

"""Virtual module timing under load (issue 4 item 8): 1, 4 and 8 modules at once on this 2-core machine.

Each module is driven as a test worker drives it (pytest-xdist: one process per module): its own process
opens `virtual://bc660k?...` (harness.transport.open_port), opens a direct-push UDP socket to its own
reflector (harness.server) with the BC660K's AT+QIOPEN, and sends paced echo probes (harness.probe), one at
a time, with AT+QISEND. A probe's measured RTT runs from the moment its payload was written after the `> `
prompt to the moment its +QIURC "recv" with the data was read. What the link model alone gives for the same
probe is computed afterwards by replaying the module's LinkModel with the same profile and seed (two random
draws per packet, uplink then downlink, as the module makes them): error = measured - modelled, per probe.
It holds the pty both ways, the module's event loop, the reflector and any scheduling delay; its growth
from 1 to 8 modules is the distortion one module's load causes another. The replay is in step only if no
error is negative (the module never delivers before its model says): the table says so.

Raw port reads, not ATSession: the session adds its own latency (a `> ` prompt is sometimes acted on one
50 ms poll interval late, seen while writing this benchmark), which is the AT layer's, not the module's.

Short profile so a run takes about a minute: delay 20 ms and jitter 10 ms each way (a Cat-1-like RTT of
40-60 ms), fast air, no loss, no RRC release. The machine's speed swings 1.5-2x from minute to minute
(../shared/reference/this-machine.md): compare the rows of one run, not runs.
"""

from __future__ import annotations

import multiprocessing
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from threading import Barrier
from typing import cast

from benchmarks.bench_table import BenchFigure
from harness.at import SerialPort
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import UdpReflector
from harness.transport import open_port
from harness.virtual.link import Direction, LinkModel
from harness.virtual.options import parse_virtual_url

MODULE_COUNTS = (1, 4, 8)
PROBES = 80
INTERVAL_S = 0.1
PAYLOAD_BYTES = 64
JITTER_MS = 10.0
URL = (
    "virtual://bc660k?attach_s=0&delay_ms=20&jitter_ms={jitter_ms:g}&ul_kbps=1000&dl_kbps=1000"
    "&loss_pct=0&inactivity_s=3600&echo=0&seed={seed}"
)
ECHO_TIMEOUT_S = 5.0
START_TIMEOUT_S = 60.0  # all workers opened their module: spawn and import take seconds under load
# An error below this means the replay is out of step with the module (clock reads differ by microseconds).
REPLAY_TOLERANCE_MS = -0.1


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """One echo probe: wall-clock times (for the replay's order) and the RTT the harness measured."""

    sent_wall_s: float
    reflected_wall_s: float
    rtt_ms: float | None  # None: no echo within ECHO_TIMEOUT_S


def module_url(index: int) -> str:
    return URL.format(jitter_ms=JITTER_MS, seed=index + 1)


class RawAt:
    """AT commands on a raw port: write, then read until a marker (and the bytes that follow it)."""

    def __init__(self, port: SerialPort) -> None:
        self._port = port
        self._buffer = b""

    def write(self, data: bytes) -> None:
        self._port.write(data)

    def read_past(self, marker: bytes, *, then_bytes: int = 0, timeout_s: float = ECHO_TIMEOUT_S) -> bytes:
        """Read until `marker` and `then_bytes` more have come; those bytes. TimeoutError if they do not."""
        deadline_s = time.monotonic() + timeout_s
        while (at := self._buffer.find(marker)) < 0 or len(self._buffer) < at + len(marker) + then_bytes:
            if time.monotonic() > deadline_s:
                raise TimeoutError(f"no {marker!r} within {timeout_s} s; got {self._buffer[-200:]!r}")
            self._buffer += self._port.read(max(1, self._port.in_waiting))
        end = at + len(marker) + then_bytes
        taken, self._buffer = self._buffer[at + len(marker) : end], self._buffer[end:]
        return taken


def open_socket(at: RawAt, echo_port: int) -> None:
    """AT+QIOPEN in direct-push mode, again until the module has registered (561: no PDP context yet)."""
    deadline_s = time.monotonic() + START_TIMEOUT_S
    while True:
        at.write(f'AT+QIOPEN=0,0,"UDP","127.0.0.1",{echo_port},0,1\r'.encode())
        if at.read_past(b"+QIOPEN: 0,", then_bytes=1) == b"0":
            return
        if time.monotonic() > deadline_s:
            raise TimeoutError("the module did not open its socket")
        time.sleep(0.1)


def drive_module(index: int, barrier: Barrier) -> list[Probe]:
    """One worker: its module, its reflector, PROBES probes paced INTERVAL_S apart, one at a time."""
    with UdpReflector(host="127.0.0.1") as reflector:
        port = open_port(module_url(index), timeout=0.05)
        try:
            at = RawAt(cast(SerialPort, port))  # every port open_port returns has in_waiting
            at.read_past(b"RDY\r\n")
            open_socket(at, reflector.address[1])
            barrier.wait(START_TIMEOUT_S)
            return [send_probe(at, seq, pace_until_s) for seq, pace_until_s in paced(time.monotonic())]
        finally:
            port.close()


def paced(start_s: float) -> list[tuple[int, float]]:
    return [(seq, start_s + seq * INTERVAL_S) for seq in range(PROBES)]


def send_probe(at: RawAt, seq: int, not_before_s: float) -> Probe:
    time.sleep(max(0.0, not_before_s - time.monotonic()))
    payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PAYLOAD_BYTES)
    at.write(f"AT+QISEND=0,{PAYLOAD_BYTES}\r".encode())
    at.read_past(b"> ")
    sent_wall_s, sent_s = time.time(), time.perf_counter()
    at.write(payload)
    try:
        echoed = at.read_past(f'+QIURC: "recv",0,{PAYLOAD_BYTES}\r\n'.encode(), then_bytes=PAYLOAD_BYTES)
    except TimeoutError:
        return Probe(sent_wall_s=sent_wall_s, reflected_wall_s=sent_wall_s, rtt_ms=None)
    rtt_ms = (time.perf_counter() - sent_s) * 1000
    header = decode_probe(echoed)
    if header is None or header.seq != seq:
        raise ValueError(f"probe {seq}: the echo is not this probe: {echoed!r}")
    return Probe(sent_wall_s=sent_wall_s, reflected_wall_s=header.server_tx_ns / 1e9, rtt_ms=rtt_ms)


def modelled_rtts_ms(index: int, probes: list[Probe]) -> list[float]:
    """What the module's link model gives each probe: its LinkModel replayed with the same seed."""
    options = parse_virtual_url(module_url(index))
    model = LinkModel(options.link, seed=options.seed)
    model.signal(probes[0].sent_wall_s - 1.0)  # registered before the first probe, connected since
    rtts = []
    for probe in probes:
        uplink = model.send(Direction.UL, PAYLOAD_BYTES, at_s=probe.sent_wall_s)
        downlink = model.send(Direction.DL, PAYLOAD_BYTES, at_s=probe.reflected_wall_s)
        assert uplink.arrive_at_s is not None  # loss_pct=0
        assert downlink.arrive_at_s is not None
        rtts.append(
            (uplink.arrive_at_s - probe.sent_wall_s + downlink.arrive_at_s - probe.reflected_wall_s) * 1000
        )
    return rtts


def run_modules(count: int) -> list[list[Probe]]:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(count, mp_context=context) as pool:
        barrier = manager.Barrier(count)
        futures = [pool.submit(drive_module, index, barrier) for index in range(count)]
        deadline_s = START_TIMEOUT_S + PROBES * (INTERVAL_S + ECHO_TIMEOUT_S)
        return [future.result(timeout=deadline_s) for future in futures]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> list[BenchFigure]:
    print(
        f"virtual module timing: measured - link-model RTT per probe (ms); {PROBES} probes of "
        f"{PAYLOAD_BYTES} bytes every {INTERVAL_S:g} s per module; {module_url(0)} (seed = module + 1); "
        f"Python {platform.python_version()} ({sys.executable})"
    )
    print(
        f"{'modules':>7} {'probes':>6} {'lost':>4} {'median':>7} {'p95':>7} {'max':>7} "
        f"{'worst p95':>9} {'p95/jitter':>10} {'replay':>7}"
    )
    p95_by_count: dict[int, float] = {}
    for count in MODULE_COUNTS:
        runs = run_modules(count)
        errors_by_module = []
        lost = 0
        for index, probes in enumerate(runs):
            modelled = modelled_rtts_ms(index, probes)
            errors_by_module.append(
                [p.rtt_ms - m for p, m in zip(probes, modelled, strict=True) if p.rtt_ms is not None]
            )
            lost += sum(p.rtt_ms is None for p in probes)
        errors = [error for module_errors in errors_by_module for error in module_errors]
        p95_ms = percentile(errors, 0.95)
        p95_by_count[count] = p95_ms
        worst_ms = max(percentile(module_errors, 0.95) for module_errors in errors_by_module)
        in_step = "in step" if min(errors) >= REPLAY_TOLERANCE_MS else "OUT"
        print(
            f"{count:>7} {len(errors):>6} {lost:>4} {statistics.median(errors):>7.2f} {p95_ms:>7.2f} "
            f"{max(errors):>7.2f} {worst_ms:>9.2f} {p95_ms / JITTER_MS:>10.2f} {in_step:>7}"
        )
    most = MODULE_COUNTS[-1]
    verdict = "within" if p95_by_count[most] < JITTER_MS else "BEYOND"
    added_ms = p95_by_count[most] - p95_by_count[1]
    print(
        f"{most} modules: p95 error {p95_by_count[most]:.2f} ms ({added_ms:+.2f} ms over 1 module), "
        f"{verdict} the profile's own jitter of {JITTER_MS:g} ms"
    )
    return [
        BenchFigure(
            figure=f"virtual module timing, {most} modules at once: p95 error",
            harness=f"{p95_by_count[most]:.2f} ms",
            reference_tool="the profile's jitter",
            reference=f"{JITTER_MS:g} ms",
            ratio=p95_by_count[most] / JITTER_MS,
            goal="< the jitter (issue 4)",
            met=p95_by_count[most] < JITTER_MS,
            note=f"{added_ms:+.2f} ms over 1 module",
        )
    ]


if __name__ == "__main__":
    main()

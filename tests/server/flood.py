"""A flood of junk at a `miot server` on loopback while a legitimate client keeps using it (issue 9 item 5),
shared by tests/server/test_flood.py (a short budget) and benchmarks/bench_server_flood.py (the full figure).

The legitimate client opens a reflector and a UDP source, then probes the reflector every PROBE_INTERVAL_S
and asks for counters over the control channel every CONTROL_INTERVAL_S. A separate process (its own core,
as an attacker's host would be) sends as fast as it can: random bytes of many sizes, the largest datagram
UDP carries, already reflected probes (the bounce two reflectors could play) at the reflector's port, wrong
knocks at the source's port, probes at a closed session's port, and every few hundred datagrams a control
connection with a wrong token or junk. It counts what it offered and every byte that came back to it.
The server's resident memory is read before, during (every RSS_EVERY_S) and after.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.synchronize import Event as EventType

from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import SessionKind, SessionParams
from harness.server.client import ServerClient
from harness.server.control import encode_line
from harness.server.session import MAX_UDP_PAYLOAD_BYTES, ServerError

from .server_process import ServerProcess

PROBE_INTERVAL_S = 0.02
PROBE_TIMEOUT_S = 0.5
CONTROL_INTERVAL_S = 0.2
RSS_EVERY_S = 0.5
CONTROL_JUNK_EVERY = 500  # datagrams between two junk control connections
AFTER_PROBES = 20
JUNK_SIZES = (1, 7, 31, 32, 64, 512, 1400, 8192)


@dataclass(frozen=True, slots=True, kw_only=True)
class FloodTargets:
    control: tuple[str, int]
    reflector: tuple[str, int]
    source: tuple[str, int]
    closed: tuple[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Offered:
    """What the flooding process sent, and what came back to it (nothing, if the server is sound)."""

    packets: int
    bytes: int
    control_attempts: int
    control_refused: int
    replies: int
    reply_bytes: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FloodFigures:
    duration_s: float
    offered: Offered
    rss_before_bytes: int
    rss_peak_bytes: int
    rss_after_bytes: int
    rss_growth_second_half_bytes: int  # peak of the second half minus peak of the first: a leak shows here
    probes_during: int
    answers_during: int
    rtt_during_ms: list[float]
    control_requests_during: int
    control_answers_during: int
    probes_after: int
    answers_after: int
    reflector_received: int
    reflector_dropped: int
    reflector_samples_dropped: int

    @property
    def offered_pps(self) -> float:
        return self.offered.packets / self.duration_s

    @property
    def rss_delta_bytes(self) -> int:
        return self.rss_after_bytes - self.rss_before_bytes

    def rtt_quantile_ms(self, q: float) -> float | None:
        if len(self.rtt_during_ms) < 2:
            return None
        return statistics.quantiles(self.rtt_during_ms, n=100, method="inclusive")[round(q * 100) - 1]


def send_junk(
    targets: FloodTargets, duration_s: float, started: EventType, results: multiprocessing.Queue[Offered]
) -> None:
    """The flooding process: junk to every target until `duration_s` is over; its Offered on `results`."""
    reflected = ProbeHeader(seq=1, client_tx_ns=1).reflected(server_rx_ns=1, server_tx_ns=1)
    knock_like = os.urandom(8)
    datagrams = [(os.urandom(size), targets.reflector) for size in JUNK_SIZES]
    datagrams += [
        (bytes(MAX_UDP_PAYLOAD_BYTES), targets.reflector),
        (encode_probe(reflected, 64), targets.reflector),
        (knock_like, targets.source),
        (knock_like + os.urandom(56), targets.source),
        (encode_probe(ProbeHeader(seq=2, client_tx_ns=1), 64), targets.closed),
    ]
    packets = sent_bytes = attempts = refused = replies = reply_bytes = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        started.set()
        deadline = time.monotonic() + duration_s
        while time.monotonic() < deadline:
            for datagram, target in datagrams:
                try:
                    sent_bytes += sock.sendto(datagram, target)
                    packets += 1
                except OSError:  # a full send buffer, or the closed port's ICMP refusal reported here
                    pass
            if packets // CONTROL_JUNK_EVERY > attempts:
                attempts += 1
                refused += _control_junk(targets.control, attempts)
                more, more_bytes = _drain(sock)
                replies, reply_bytes = replies + more, reply_bytes + more_bytes
        time.sleep(PROBE_TIMEOUT_S)  # anything the server still sends back arrives in this time
        more, more_bytes = _drain(sock)
    results.put(
        Offered(
            packets=packets,
            bytes=sent_bytes,
            control_attempts=attempts,
            control_refused=refused,
            replies=replies + more,
            reply_bytes=reply_bytes + more_bytes,
        )
    )


def _control_junk(address: tuple[str, int], number: int) -> int:
    """One connection with a wrong token (odd numbers) or a junk line (even); 1 when it was refused."""
    wrong_hello = encode_line({"id": 1, "op": "hello", "token": os.urandom(16).hex()})
    line = wrong_hello if number % 2 else b"\xff junk\n"
    try:
        with socket.create_connection(address, timeout=PROBE_TIMEOUT_S * 4) as sock:
            sock.sendall(line)
            return int(b'"refused"' in sock.recv(4096))
    except OSError:
        return 0


def _drain(sock: socket.socket) -> tuple[int, int]:
    count = total = 0
    while True:
        try:
            total += len(sock.recv(65_536))
            count += 1
        except (BlockingIOError, ConnectionRefusedError):
            return count, total


class _Prober:
    """Probes a reflector from a thread: which were answered, and their round trips, tagged by phase."""

    def __init__(self, address: tuple[str, int]) -> None:
        self._address = address
        self._phase = "before"
        self.sent: dict[str, int] = {}
        self.rtts_ms: dict[str, list[float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flood-prober", daemon=True)

    def set_phase(self, phase: str) -> None:
        self._phase = phase

    def __enter__(self) -> _Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(PROBE_TIMEOUT_S)
            seq = 0
            while not self._stop.wait(PROBE_INTERVAL_S):
                seq += 1
                phase = self._phase
                self.sent[phase] = self.sent.get(phase, 0) + 1
                rtt_ms = _probe(sock, self._address, seq)
                if rtt_ms is not None:
                    self.rtts_ms.setdefault(phase, []).append(rtt_ms)


def _probe(sock: socket.socket, address: tuple[str, int], seq: int) -> float | None:
    """One probe's round trip in ms, or None when its echo did not come within PROBE_TIMEOUT_S."""
    sent_ns = time.monotonic_ns()
    sock.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), 64), address)
    deadline_ns = sent_ns + int(PROBE_TIMEOUT_S * 1e9)
    while (left_ns := deadline_ns - time.monotonic_ns()) > 0:
        sock.settimeout(left_ns / 1e9)
        try:
            header = decode_probe(sock.recv(2048))
        except TimeoutError:
            return None
        if header is not None and header.seq == seq:  # a late echo of an earlier probe is not this one
            return (time.monotonic_ns() - sent_ns) / 1e6
    return None


def run_flood(server: ServerProcess, token: str, *, duration_s: float, max_samples: int) -> FloodFigures:
    """Open the legitimate sessions (the reflector keeping at most `max_samples` rows), flood for
    `duration_s`, then probe AFTER_PROBES times more; the figures."""
    with ServerClient(server.host, server.port, token, timeout_s=PROBE_TIMEOUT_S * 10) as client:
        reflector = client.open_session(SessionKind.UDP_REFLECTOR, SessionParams(max_samples=max_samples))
        source = client.open_session(SessionKind.UDP_SOURCE, SessionParams(max_samples=max_samples))
        closed = client.open_session(SessionKind.UDP_REFLECTOR)
        client.close_session(closed.session_id)
        targets = FloodTargets(
            control=(server.host, server.port),
            reflector=reflector.address,
            source=source.address,
            closed=closed.address,
        )
        with _Prober(reflector.address) as prober:
            time.sleep(PROBE_INTERVAL_S * 10)  # the first probes warm the server's code paths
            rss_before = server.rss_bytes()
            offered, rss_samples, requests, answers = _flood(
                server, lambda: client.counters(reflector.session_id), targets, duration_s, prober
            )
            while prober.sent.get("after", 0) < AFTER_PROBES:
                time.sleep(PROBE_INTERVAL_S)
        rss_after = server.rss_bytes()
        counters = client.close_session(reflector.session_id)
    half = len(rss_samples) // 2
    return FloodFigures(
        duration_s=duration_s,
        offered=offered,
        rss_before_bytes=rss_before,
        rss_peak_bytes=max([rss_before, *rss_samples]),
        rss_after_bytes=rss_after,
        rss_growth_second_half_bytes=max(rss_samples[half:]) - max(rss_samples[:half] or [rss_before]),
        probes_during=prober.sent.get("during", 0),
        answers_during=len(prober.rtts_ms.get("during", [])),
        rtt_during_ms=prober.rtts_ms.get("during", []),
        control_requests_during=requests,
        control_answers_during=answers,
        probes_after=prober.sent.get("after", 0),
        answers_after=len(prober.rtts_ms.get("after", [])),
        reflector_received=counters.received_packets,
        reflector_dropped=counters.dropped_packets,
        reflector_samples_dropped=counters.samples_dropped,
    )


def _flood(
    server: ServerProcess,
    ask_counters: Callable[[], object],
    targets: FloodTargets,
    duration_s: float,
    prober: _Prober,
) -> tuple[Offered, list[int], int, int]:
    """The flooding process running while this one asks for counters and reads the server's memory; the
    prober's phase is "during" from the flood's first datagram to its end, "after" from then on."""
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[Offered] = context.Queue()
    started = context.Event()
    flooder = context.Process(target=send_junk, args=(targets, duration_s, started, results), name="flooder")
    flooder.start()
    rss_samples: list[int] = []
    requests = answers = 0
    try:
        while not started.wait(timeout=0.1):
            assert flooder.is_alive(), f"the flooding process ended before it began (exit {flooder.exitcode})"
        prober.set_phase("during")
        next_rss_s = time.monotonic()
        deadline_s = next_rss_s + duration_s
        while time.monotonic() < deadline_s:
            requests += 1
            try:
                ask_counters()
                answers += 1
            except ServerError:
                pass
            if time.monotonic() >= next_rss_s:
                rss_samples.append(server.rss_bytes())
                next_rss_s += RSS_EVERY_S
            time.sleep(CONTROL_INTERVAL_S)
        prober.set_phase("after")
        offered = results.get(timeout=30)
    finally:
        flooder.join(timeout=10)
        if flooder.is_alive():
            flooder.kill()
            flooder.join()
    return offered, rss_samples, requests, answers

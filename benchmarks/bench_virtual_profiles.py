"""RTT of the virtual modules at each radio profile against the profile's configured figure (issue 4, "make
bench reports: RTT at each profile vs the profile's configured figure (ratio)").

Configured: harness.virtual.link.expected_rtt_median_ms(profile, 64) for a 64-byte UDP echo, connected,
nothing else queued; the data interface's relay uses the same figures and the same formula.
Measured, each profile through the data path a lab would use:
- NB-IoT CE0, CE1, CE2 (bc660k) and LTE Cat-1 (ml307r): AT sockets, harness.traffic.run_udp_echo
  (via="module") to a reflector (harness.server) on loopback. A probe's RTT includes the AT exchange (send
  command to echo URC), a few ms that show in Cat-1's ratio only. The probe interval is the profile's
  greatest RTT (link.rtt_bounds_ms), so no two probes share the air and none waits for another: the
  configured figure's "nothing else queued". That makes the slow profiles slow (CE2 about 9 s per probe), so
  they get fewer probes (the table's column), and the four modules run at once, each its own process, to
  keep the whole run near a minute (bench_virtual_timing measures what modules at once do to each other).
- RedCap 1 Rx and 2 Rx (rg255c, datapath=netns): the dialect dials the data call (AT+QNETDEVCTL), then
  probes go from a host socket on the module's data interface to a reflector in its network namespace, one
  at a time. Needs root; without it these rows say why they are missing.
The first probe of each profile finds the connection idle (RRC set-up) and is left out. Medians of few
probes scatter with the profile's jitter: the ratio of CE2's 4 probes may be off by 10 % and still right.
The machine's speed swings (../shared/reference/this-machine.md): compare the rows of one run.
"""

from __future__ import annotations

import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from benchmarks.bench_table import BenchFigure, skipped
from harness import netns
from harness.dialects import ConnectOptions, connect
from harness.dialects.quectel_redcap import QuectelRedcapModem
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import UdpReflector
from harness.traffic import UdpEchoSpec, run_udp_echo
from harness.virtual.data_interface_topology import DataInterfaceInfo
from harness.virtual.link import LinkProfile, expected_rtt_median_ms, rtt_bounds_ms
from harness.virtual.options import parse_virtual_url

PAYLOAD_BYTES = 64
ATTACH_TIMEOUT_S = 30.0
MIN_INTERVAL_S = 0.05
INTERVAL_MARGIN = 1.05  # over the greatest RTT: the AT exchange and scheduling
HOST_PROBE_TIMEOUT_S = 2.0
COMMON = "attach_s=0&echo=0"
AT_SOCKET_PATH = "AT sockets"
HOST_PATH = "data interface"
CONFIGURED = "the profile's configured median"
CONTEXT = "- (context, issue 4)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    label: str
    url: str
    probes: int  # measured, besides the first one


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    label: str
    path: str
    probes: int
    received: int
    interval_s: float
    configured_ms: float
    median_ms: float | None


AT_SOCKET_CASES = (
    Case(label="NB-IoT CE0", url=f"virtual://bc660k?ce=0&{COMMON}&seed=11", probes=20),
    Case(label="NB-IoT CE1", url=f"virtual://bc660k?ce=1&{COMMON}&seed=12", probes=8),
    Case(label="NB-IoT CE2", url=f"virtual://bc660k?ce=2&{COMMON}&seed=13", probes=4),
    Case(label="LTE Cat-1", url=f"virtual://ml307r?{COMMON}&seed=14", probes=40),
)
HOST_CASES = (
    Case(label="RedCap 1 Rx", url=f"virtual://rg255c?rx=1&datapath=netns&{COMMON}&seed=15", probes=40),
    Case(label="RedCap 2 Rx", url=f"virtual://rg255c?rx=2&datapath=netns&{COMMON}&seed=16", probes=40),
)


def main() -> list[BenchFigure]:
    print(f"RTT per virtual profile, {PAYLOAD_BYTES}-byte UDP echo: measured median / configured median")
    started_s = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(AT_SOCKET_CASES)) as pool:
        rows = list(pool.map(measure_at_sockets, AT_SOCKET_CASES))
    reason = netns.missing_net_admin()
    if reason is None:
        rows += [measure_data_interface(case) for case in HOST_CASES]
    print_rows(rows)
    if reason is not None:
        print(f"RedCap rows (data interface) skipped: {reason}")
    print(f"({time.monotonic() - started_s:.0f} s in all)")
    figures = [figure_of(row) for row in rows]
    if reason is not None:
        figures += [
            skipped(_figure(case.label), reference_tool=CONFIGURED, goal=CONTEXT, note=reason)
            for case in HOST_CASES
        ]
    return figures


def figure_of(row: Row) -> BenchFigure:
    """Context rows (issue 4: the ratio is reported; a median of few probes scatters with the jitter)."""
    figure = _figure(row.label)
    if row.median_ms is None:
        return skipped(figure, reference_tool=CONFIGURED, goal=CONTEXT, note="no probe came back")
    return BenchFigure(
        figure=figure,
        harness=f"{row.median_ms:.1f} ms",
        reference_tool=CONFIGURED,
        reference=f"{row.configured_ms:.1f} ms",
        ratio=row.median_ms / row.configured_ms,
        goal=CONTEXT,
        met=None,
        note=f"{row.received} of {row.probes} probes, {row.path}",
    )


def _figure(label: str) -> str:
    return f"virtual profile RTT median, {label}"


def interval_s(profile: LinkProfile) -> float:
    """The greatest RTT of the profile: a probe sent then finds the air free and nothing queued."""
    return max(MIN_INTERVAL_S, INTERVAL_MARGIN * rtt_bounds_ms(profile, PAYLOAD_BYTES)[1] / 1000)


def measure_at_sockets(case: Case) -> Row:
    profile = parse_virtual_url(case.url).link
    every_s = interval_s(profile)
    spec = UdpEchoSpec(
        probes=case.probes, payload_bytes=PAYLOAD_BYTES, interval_s=every_s, timeout_s=3 * every_s
    )
    with UdpReflector(host="127.0.0.1") as reflector, connect(case.url, ConnectOptions()) as link:
        link.modem.attach(None, timeout_s=ATTACH_TIMEOUT_S)
        summary = run_udp_echo(link.modem, reflector.address, spec).summary
    median = summary["rtt_p50_ms"]
    return Row(
        label=case.label,
        path=AT_SOCKET_PATH,
        probes=case.probes,
        received=median.n_samples or 0,
        interval_s=every_s,
        configured_ms=expected_rtt_median_ms(profile, PAYLOAD_BYTES),
        median_ms=median.value,
    )


def measure_data_interface(case: Case) -> Row:
    profile = parse_virtual_url(case.url).link
    with connect(case.url, ConnectOptions()) as link:
        module = getattr(link.port, "virtual_module", None)
        assert module is not None, f"{case.url} did not start a virtual module"
        layout = module.control({"op": "status"})["data_interface"]
        assert isinstance(layout, dict), f"{case.url}: no data interface ({layout!r})"
        info = DataInterfaceInfo(**layout)
        modem = QuectelRedcapModem(link.session, interface=info.host_interface)
        modem.attach(None, timeout_s=ATTACH_TIMEOUT_S)
        modem.connect_data(timeout_s=ATTACH_TIMEOUT_S)
        rtts_ms = host_echo(info, case.probes + 1)[1:]
    return Row(
        label=case.label,
        path=HOST_PATH,
        probes=case.probes,
        received=sum(rtt is not None for rtt in rtts_ms),
        interval_s=MIN_INTERVAL_S,
        configured_ms=expected_rtt_median_ms(profile, PAYLOAD_BYTES),
        median_ms=_median([rtt for rtt in rtts_ms if rtt is not None]),
    )


def host_echo(info: DataInterfaceInfo, count: int) -> list[float | None]:
    """`count` probes, one at a time, from the module's host interface to a reflector in its network
    namespace; each RTT in ms, None when lost."""
    reflector = UdpReflector(host=info.server_address)
    netns.call_in(info.network_namespace, reflector.start)  # its socket lives in that namespace
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.bind((info.host_address, 0))
            client.settimeout(HOST_PROBE_TIMEOUT_S)
            rtts_ms: list[float | None] = []
            for seq in range(count):
                rtts_ms.append(_probe(client, reflector.address, seq))
                time.sleep(MIN_INTERVAL_S)
            return rtts_ms
    finally:
        reflector.stop()


def _probe(client: socket.socket, reflector: tuple[str, int], seq: int) -> float | None:
    client.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PAYLOAD_BYTES), reflector)
    try:
        while (reply := decode_probe(client.recv(2048))) is None or reply.seq != seq:
            pass
    except TimeoutError:
        return None
    return (time.time_ns() - reply.client_tx_ns) / 1e6


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def print_rows(rows: list[Row]) -> None:
    print(
        f"{'profile':12} {'path':14} {'probes':>6} {'echoed':>6} {'every':>7} {'configured':>11} "
        f"{'median':>9} {'ratio':>6}"
    )
    for r in rows:
        median = "-" if r.median_ms is None else f"{r.median_ms:.1f}"
        ratio = "-" if r.median_ms is None else f"{r.median_ms / r.configured_ms:.3f}"
        print(
            f"{r.label:12} {r.path:14} {r.probes:6d} {r.received:6d} {r.interval_s:6.2f}s "
            f"{r.configured_ms:9.1f}ms {median:>7}ms {ratio:>6}"
        )

"""traffic layer: the host-driven throughput engine, via="host": iperf3 as client over the module's data
interface, against an iperf3 session of the test server (harness.server.iperf), UDP or TCP, uplink or
downlink (`-R`, iperf3(1)).

The client is bound to the module's side of the path: `-B <host address>` and, when the interface is
named, `--bind-dev <interface>` (SO_BINDTODEVICE; iperf3 >= 3.11 built with it, as Debian's 3.12 is), so
its traffic cannot take another route. It is started and ended by its pid, with a deadline of the test's
duration plus `timeout_s`: a stuck client is terminated (then killed) and the run fails saying so. UDP
always sends datagrams of `payload_bytes` (`-l`), so the capture can tell them from iperf3's 4-byte UDP
connect messages; TCP writes `payload_bytes` per write when given.

The result carries the receiver's per-second series and totals (harness.traffic.iperf3_report) and the
cross-check (harness.traffic.cross_check) against a capture where the traffic lands: the server session's
own capture (point "server") for uplink, and for downlink a capture on the module's host interface (point
"host") around the client run. The TCP data connection is told from iperf3's control connection by its
port (start.connected), and counts its data segments only: not the handshake, pure ACKs, or the cookie
iperf3 writes first, before the test starts. The receiver's goodput is compared with the capture's (not
its bytes: iperf3 counts for a fixed window, harness.traffic.cross_check says why).

Each interval's end goes on the module's AT session clock (harness.traffic.session_clock; the caller hands
the clock over, iperf3 runs on the host): the clock read as the client starts, plus the interval's `end`.
iperf3 counts from its test start, after its connect and parameter exchange (milliseconds on a connected
link, an RRC set-up more from idle), so the stamps are early by that much: well inside one radio sampling
interval.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import pandas as pd

from harness.capture import CaptureRecord, CaptureSpec, capture, capture_problem, pcap_table
from harness.metrics import MetricValue
from harness.server import ServerControl, SessionCounters, SessionInfo, SessionKind, SessionParams
from harness.traffic.cross_check import CaptureFigures, CrossCheck, EndpointFigures, figures_of
from harness.traffic.direction import Direction
from harness.traffic.iperf3_report import (
    Iperf3Error,
    check_report,
    data_ports,
    receiver_samples,
    receiver_totals,
    summarize,
)
from harness.traffic.session_clock import SessionClock, with_session_clock

_STOP_TIMEOUT_S = 3.0
COOKIE_BYTES = 37  # iperf3 opens every connection by writing its cookie (iperf.h COOKIE_SIZE)


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"


@dataclass(frozen=True, slots=True, kw_only=True)
class Iperf3Spec:
    """Plan parameters of a host-driven iperf3 run. `rate_kbps`: iperf3's target bitrate (`-b`, of
    application payload); required for UDP, unlimited TCP when None. `omit_s`: seconds run first and left
    out of the figures (`--omit`: slow start, a shaper's initial burst), by iperf3 and by the capture
    alike; the run lasts omit_s + duration_s."""

    direction: Direction = Direction.UL
    transport: Transport = Transport.TCP
    rate_kbps: float | None = field(default=None, metadata={"min": 0.001})
    payload_bytes: int = field(default=1400, metadata={"min": 16, "max": 65_507})
    duration_s: float = field(default=5.0, metadata={"min": 1.0})
    omit_s: int = field(default=0, metadata={"min": 0})
    timeout_s: float = field(default=15.0, metadata={"min": 1.0})
    is_captured: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class HostPath:
    """The host's end of the module's data path: its address, its interface when known, and the bytes a
    capture there keeps of each packet (None: whole packets)."""

    address: str
    interface: str | None = None
    capture_snaplen_bytes: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Iperf3Result:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]
    session: SessionInfo
    counters: SessionCounters
    cross_check: CrossCheck
    client_report: dict[str, Any]
    server_report: dict[str, Any] | None
    pcap: Path | None

    @property
    def is_flagged(self) -> bool:
        return self.cross_check.is_flagged


def run_iperf3(
    server: ServerControl,
    spec: Iperf3Spec,
    host: HostPath,
    *,
    session_clock: SessionClock,
    capture_dir: Path | None = None,
) -> Iperf3Result:
    """One iperf3 test; the pcap of the cross-check is kept in `capture_dir` (pcap None: not kept);
    `session_clock` is the module's (harness.traffic.session_clock.session_clock_of)."""
    if spec.transport is Transport.UDP and spec.rate_kbps is None:
        raise Iperf3Error("a UDP iperf3 run needs rate_kbps (iperf3 would send 1 Mbit/s)")
    is_uplink = spec.direction is Direction.UL
    params = SessionParams(duration_s=spec.duration_s, is_captured=spec.is_captured and is_uplink)
    session = server.open_session(SessionKind.IPERF3, params)
    with tempfile.TemporaryDirectory(prefix="miot-iperf3-") as scratch:
        folder = capture_dir or Path(scratch)
        try:
            with _host_capture(spec, host, session, folder) as (record, off_reason):
                started_s = session_clock()
                client_report = _run_client(command(spec, session, host), spec)
        finally:
            counters = server.close_session(session.session_id)
        server_report = server.iperf3_report(session.session_id)
        if is_uplink:
            off_reason = session.capture_off_reason if spec.is_captured else "the run asked for no capture"
            pcap = server.fetch_capture(
                session.session_id, folder / f"capture-server-{session.session_id}.pcap"
            )
            dropped = counters.capture_dropped_packets
        else:
            pcap = None if record is None else record.path
            dropped = 0 if record is None else record.dropped_packets
        totals = receiver_totals(client_report)
        figures = _figures(pcap, spec, session, client_report, dropped)
    samples = receiver_samples(server_report if is_uplink else client_report)
    samples = with_session_clock(samples, started_s + samples["end_s"].to_numpy(dtype=float))
    check = CrossCheck(
        direction=spec.direction,
        endpoint="iperf3 receiver",
        endpoint_figures=EndpointFigures(
            payload_bytes=totals.bytes, packets=totals.packets, goodput_kbps=totals.goodput_kbps
        ),
        capture=figures,
        compared=("goodput_kbps",),
        capture_off_reason=off_reason,
    )
    return Iperf3Result(
        samples=samples,
        summary={**summarize(spec.direction, totals, samples), **check.metric_values()},
        session=session,
        counters=counters,
        cross_check=check,
        client_report=client_report,
        server_report=server_report,
        pcap=pcap if capture_dir is not None else None,
    )


def command(spec: Iperf3Spec, session: SessionInfo, host: HostPath) -> list[str]:
    """The iperf3 client command line (iperf3(1) 3.12 options)."""
    args = ["iperf3", "--client", session.host, "--port", str(session.port), "--json"]
    args += ["--time", f"{spec.duration_s:g}", "--bind", host.address]
    if spec.omit_s:
        args += ["--omit", str(spec.omit_s)]
    if host.interface is not None:
        args += ["--bind-dev", host.interface]
    if spec.transport is Transport.UDP:
        args += ["--udp", "--length", str(spec.payload_bytes)]
    if spec.rate_kbps is not None:
        args += ["--bitrate", f"{round(spec.rate_kbps * 1000)}"]
    if spec.direction is Direction.DL:
        args.append("--reverse")
    return args


def _run_client(args: list[str], spec: Iperf3Spec) -> dict[str, Any]:
    """Run the client to its end, or end it by its pid at the deadline; its JSON report."""
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT)
        deadline_s = spec.omit_s + spec.duration_s + spec.timeout_s
        try:
            process.wait(timeout=deadline_s)
        except subprocess.TimeoutExpired:
            _stop(process)
            raise Iperf3Error(
                f"iperf3 client pid {process.pid} did not finish within {deadline_s:g} s "
                f"({' '.join(args)}); it was ended; it said: {_tail(output)}"
            ) from None
        return check_report(_json(output), who=f"iperf3 client ({' '.join(args)})")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT_S)


def _json(output: IO[bytes]) -> dict[str, Any] | None:
    output.seek(0)
    try:
        report = json.loads(output.read())
    except ValueError:
        return {"error": f"no JSON report: {_tail(output)}"}
    return report if isinstance(report, dict) else None


def _tail(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read()[-300:].decode(errors="replace").strip()


@contextlib.contextmanager
def _host_capture(
    spec: Iperf3Spec, host: HostPath, session: SessionInfo, folder: Path
) -> Iterator[tuple[CaptureRecord | None, str | None]]:
    """A capture on the host interface for downlink (where its traffic lands), or the reason for none."""
    if spec.direction is Direction.UL:
        yield None, None
        return
    reason = "the run asked for no capture" if not spec.is_captured else capture_problem()
    if reason is None and host.interface is None:
        reason = "the module's host interface is not named"
    if reason is not None or host.interface is None:
        yield None, reason
        return
    bpf = f"{spec.transport.value} port {session.port}"
    where = CaptureSpec(
        point="host", interface=host.interface, bpf=bpf, snaplen_bytes=host.capture_snaplen_bytes
    )
    with capture(where, folder / f"capture-host-{session.session_id}.pcap") as record:
        yield record, None


def _figures(
    pcap: Path | None,
    spec: Iperf3Spec,
    session: SessionInfo,
    client_report: dict[str, Any],
    dropped: int,
) -> CaptureFigures | None:
    """The data stream's packets in the pcap, from where iperf3's receiver starts counting."""
    if pcap is None:
        return None
    is_uplink = spec.direction is Direction.UL
    client_port = data_ports(client_report)[0]
    sport, dport = (client_port, session.port) if is_uplink else (session.port, client_port)
    table = pcap_table(pcap)
    data = table[
        (table["proto"] == spec.transport.value) & (table["sport"] == sport) & (table["dport"] == dport)
    ]
    if spec.transport is Transport.UDP:
        data = data[data["payload_bytes"] == spec.payload_bytes]  # not the 4-byte UDP connect messages
    else:
        data = data[data["payload_bytes"] > 0]  # not the handshake or pure ACKs
        if is_uplink and len(data) and data["payload_bytes"].iloc[0] == COOKIE_BYTES:
            data = data.iloc[1:]  # the cookie goes before the test starts; the receiver does not count it
    if spec.omit_s and len(data):
        data = data[data["t_s"] >= data["t_s"].min() + spec.omit_s]
    return figures_of(data, point="server" if is_uplink else "host", dropped_packets=dropped)

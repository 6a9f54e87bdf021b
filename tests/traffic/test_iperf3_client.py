"""The host-driven iperf3 engine over a virtual RG255C's data interface (datapath=netns: the host
interface, a relay with the link's delay and loss, tbf at the link's rates, the test server in the
module's network namespace). Needs root (namespaces, capture) and iperf3; skipped otherwise with why.

Tolerances, stated: goodput within RATE_TOLERANCE (3 %) of the link rate less the headers tbf counts
(UDP: 1400 / (1400 + 8 + 20 + 14); TCP: 1448 / (1448 + 32 + 20 + 14), MSS with timestamps), so a path
that ignores the shaping, or counts headers as payload, fails. UDP offered at 1.2x the rate loses what
tbf cannot carry (1 - 0.971 / 1.2 = 19 %, less what tbf's queue holds at the end: 12-22 %); with the
relay's own loss set to 5 % and an offer below the rate, the loss is 5 % within 3.5 points (about three
binomial standard deviations for ~350 datagrams). At 10 % the iperf3 client stalled at its end-of-test
exchange whenever the machine was loaded (3 of 3 runs with two CPU burners; 5 % passed 2 of 2): not
understood yet, noted in the session note. The cross-check compares goodput, which agreed within
0.5 % in 4 s runs here (harness.traffic.cross_check says what remains)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness import netns
from harness.capture import capture_problem
from harness.dialects import ConnectOptions, ModemLink, connect
from harness.dialects.quectel_redcap import QuectelRedcapModem
from harness.metrics import parse_metric_name
from harness.server import ServerControl
from harness.server.namespaced import NamespacedServer
from harness.traffic.cross_check import TOLERANCE_PCT
from harness.traffic.direction import Direction
from harness.traffic.iperf3_client import HostPath, Iperf3Error, Iperf3Spec, Transport, run_iperf3
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN
from harness.virtual.data_interface_topology import DataInterfaceInfo
from tests.virtual.conftest import control

from .pcap_surgery import ManglingServer, drop_every_nth_record

REASON = (
    netns.missing_net_admin()
    or capture_problem()
    or (None if shutil.which("iperf3") else "iperf3 not found (Debian package iperf3)")
)
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"host-path iperf3 tests: {REASON}")

UL_KBPS, DL_KBPS = 2000.0, 4000.0
FRAMING = {Transport.UDP: 1400 / (1400 + 8 + 20 + 14), Transport.TCP: 1448 / (1448 + 32 + 20 + 14)}
RATE_TOLERANCE = 0.03
DURATION_S = 4.0
WAIT_S = 10.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Rig:
    link: ModemLink
    server: NamespacedServer
    host: HostPath


@pytest.fixture(scope="module")
def rig() -> Iterator[Rig]:
    url = f"virtual://rg255c?datapath=netns&attach_s=0&seed=11&ul_kbps={UL_KBPS:g}&dl_kbps={DL_KBPS:g}"
    link = connect(url, ConnectOptions(default_timeout_s=WAIT_S))
    try:
        layout = control(link.port, {"op": "status"})["data_interface"]
        assert isinstance(layout, dict)
        info = DataInterfaceInfo(**layout)
        modem = QuectelRedcapModem(link.session, interface=info.host_interface)
        modem.attach(None, timeout_s=WAIT_S)
        modem.connect_data(timeout_s=WAIT_S)
        netns.wait_for_carrier(info.host_interface, timeout_s=WAIT_S)
        server = NamespacedServer(info.network_namespace, host=info.server_address)
        try:
            yield Rig(
                link=link,
                server=server,
                host=HostPath(address=info.host_address, interface=info.host_interface),
            )
        finally:
            server.close()
    finally:
        link.close()


@pytest.mark.parametrize("transport", list(Transport))
@pytest.mark.parametrize("direction", list(Direction))
def test_goodput_is_the_link_rate_less_headers_and_the_capture_agrees(
    rig: Rig, direction: Direction, transport: Transport, tmp_path: Path, rate_measurement_slot: None
) -> None:
    link_kbps = UL_KBPS if direction is Direction.UL else DL_KBPS
    spec = Iperf3Spec(
        direction=direction,
        transport=transport,
        rate_kbps=1.2 * link_kbps if transport is Transport.UDP else None,
        duration_s=DURATION_S,
    )
    before_s = rig.link.session.now_s()
    result = run_iperf3(
        rig.server, spec, rig.host, session_clock=rig.link.session.now_s, capture_dir=tmp_path
    )
    after_s = rig.link.session.now_s()
    d = direction.value
    summary = {name: metric.value for name, metric in result.summary.items()}
    assert all(parse_metric_name(name).direction == d for name in summary)  # names a plan can limit
    assert summary[f"{d}_goodput_kbps"] == pytest.approx(link_kbps * FRAMING[transport], rel=RATE_TOLERANCE)
    assert result.samples.columns[0] == "t_s"
    # each interval's end on the module's session clock, so the case's radio readings join it
    ends_s = result.samples[SESSION_CLOCK_COLUMN]
    assert (ends_s - result.samples["end_s"]).round(9).nunique() == 1
    assert before_s < ends_s.min(), (before_s, ends_s.tolist())
    assert ends_s.max() < after_s, (ends_s.tolist(), after_s)
    assert len(result.samples) >= DURATION_S  # one row a second (and a sliver)
    assert summary[f"{d}_goodput_max_kbps"] >= summary[f"{d}_goodput_p10_kbps"]
    if transport is Transport.UDP:
        assert 12.0 <= summary[f"{d}_loss_pct"] <= 22.0
    check = result.cross_check
    assert check.capture is not None
    assert check.capture.point == ("server" if direction is Direction.UL else "host")
    assert summary[f"{d}_capture_difference_pct"] <= TOLERANCE_PCT
    assert not result.is_flagged, check.flag_reason
    assert result.pcap is not None
    assert result.pcap.parent == tmp_path


def test_known_relay_loss_is_measured(rig: Rig, rate_measurement_slot: None) -> None:
    control(rig.link.port, {"op": "conditions", "loss_pct": 5.0})
    try:
        spec = Iperf3Spec(
            transport=Transport.UDP, rate_kbps=0.5 * UL_KBPS, duration_s=DURATION_S, is_captured=False
        )
        result = run_iperf3(rig.server, spec, rig.host, session_clock=rig.link.session.now_s)
    finally:
        control(rig.link.port, {"op": "conditions", "loss_pct": 0.0})
    loss_pct = result.summary["ul_loss_pct"].value
    assert loss_pct is not None
    assert 1.5 <= loss_pct <= 8.5
    assert result.cross_check.capture_off_reason == "the run asked for no capture"
    assert result.summary["ul_capture_difference_pct"].value is None


def test_a_capture_missing_every_tenth_packet_flags_the_result(rig: Rig) -> None:
    lossy: ServerControl = ManglingServer(rig.server, lambda pcap: drop_every_nth_record(pcap, 10))  # type: ignore[assignment]
    spec = Iperf3Spec(transport=Transport.UDP, rate_kbps=0.5 * UL_KBPS, duration_s=2.0)
    result = run_iperf3(lossy, spec, rig.host, session_clock=rig.link.session.now_s)
    difference = result.summary["ul_capture_difference_pct"].value
    assert difference is not None
    assert 8.0 <= difference <= 12.0
    assert result.is_flagged
    assert "goodput_kbps" in (result.cross_check.flag_reason or "")


def test_a_client_past_its_deadline_is_ended_and_the_run_fails(rig: Rig) -> None:
    spec = Iperf3Spec(transport=Transport.TCP, duration_s=5.0, timeout_s=1.0, is_captured=False)
    control(rig.link.port, {"op": "network", "registration": "deregister"})  # the carrier goes: no path
    try:
        with pytest.raises(Iperf3Error, match="did not finish within 6 s"):
            run_iperf3(rig.server, spec, rig.host, session_clock=rig.link.session.now_s)
    finally:
        control(rig.link.port, {"op": "network", "registration": "register"})
        netns.wait_for_carrier(rig.host.interface or "", timeout_s=WAIT_S)


def test_udp_without_a_rate_is_refused(rig: Rig) -> None:
    with pytest.raises(Iperf3Error, match="needs rate_kbps"):
        run_iperf3(
            rig.server, Iperf3Spec(transport=Transport.UDP), rig.host, session_clock=rig.link.session.now_s
        )

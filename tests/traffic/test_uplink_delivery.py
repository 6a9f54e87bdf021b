"""The pure part of the uplink report engine: the report schedule, arrivals from a made-up sink table and
pcap table (capture first, its own port only), delivery and latency per report, release times from state
changes, and the KPIs with names a plan can limit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from harness.metrics import parse_metric_name
from harness.traffic.modem_state_watch import ModemState, StateChange
from harness.traffic.uplink_delivery import (
    Phase,
    capture_arrivals,
    delivery_samples,
    release_delays_s,
    report_schedule,
    sink_arrivals,
    summarize_reports,
)

T0_NS = 1_795_000_000_000_000_000  # a wall clock in 2026
MS = 1_000_000
PORT = 40_000


def sent(seqs: list[int], *, phases: list[Phase] | None = None) -> pd.DataFrame:
    """Reports as the engine hands them over: every second apart, all accepted, left from PSM."""
    return pd.DataFrame(
        {
            "t_s": [float(s) for s in seqs],
            "seq": seqs,
            "sent_s": [float(s) for s in seqs],
            "state": [str(ModemState.PSM)] * len(seqs),
            "is_accepted": [True] * len(seqs),
            "client_tx_ns": [T0_NS + s * 1000 * MS for s in seqs],
            "phase": [str(p) for p in (phases or [Phase.PERIODIC] * len(seqs))],
            "release_after_s": [1.5] * len(seqs),
        }
    )


def sink_table(arrivals: dict[int, list[int]]) -> pd.DataFrame:
    """A sink's samples table: for each seq the receipt wall clocks; plus one datagram that is no probe."""
    rows = [(seq, rx) for seq, times in arrivals.items() for rx in times] + [(-1, T0_NS)]
    return pd.DataFrame(
        {
            "t_s": [0.0] * len(rows),
            "wall_ns": [rx for _, rx in rows],
            "payload_bytes": [50] * len(rows),
            "seq": [seq for seq, _ in rows],
            "sent_ns": [0] * len(rows),
            "flow": [0] * len(rows),
        }
    )


def test_periodic_reports_every_interval_then_the_burst_at_once() -> None:
    assert report_schedule(reports=3, interval_s=10.0, burst_reports=2) == [0.0, 10.0, 20.0, 30.0, 30.0]
    assert report_schedule(reports=1, interval_s=5.0) == [0.0]


@given(st.integers(1, 50), st.floats(0.01, 1e4), st.integers(0, 20))
def test_the_schedule_has_every_report_in_order(reports: int, interval_s: float, burst: int) -> None:
    dues = report_schedule(reports=reports, interval_s=interval_s, burst_reports=burst)
    assert len(dues) == reports + burst
    assert dues == sorted(dues)
    assert np.allclose(np.diff(dues[:reports]), interval_s)
    assert len(set(dues[reports:])) <= 1


def test_sink_arrivals_give_first_receipt_and_copies_per_report() -> None:
    sink = sink_table({0: [T0_NS + 300 * MS, T0_NS + 310 * MS], 2: [T0_NS + 2350 * MS]})
    samples = delivery_samples(sent([0, 1, 2]), sink=sink_arrivals(sink), capture=None)
    assert samples["is_delivered"].tolist() == [True, False, True]
    assert samples["copies"].tolist() == [2, 0, 1]
    assert samples["arrival_source"].unique().tolist() == ["sink"]
    assert samples["latency_ms"].iloc[0] == pytest.approx(300.0)
    assert math.isnan(samples["latency_ms"].iloc[1])
    assert samples["latency_ms"].iloc[2] == pytest.approx(350.0)
    assert samples["capture_rx_ns"].isna().all()


def test_capture_arrivals_count_the_reports_to_the_sink_port_only() -> None:
    table = pd.DataFrame(
        {
            "t_s": [(T0_NS + 280 * MS) / 1e9, (T0_NS + 1290 * MS) / 1e9, 1.0, 2.0],
            "proto": ["udp", "udp", "udp", "tcp"],
            "dport": pd.array([PORT, PORT, PORT + 1, PORT], dtype="Int64"),
            "seq": pd.array([0, 1, 2, pd.NA], dtype="Int64"),
            "length": [78, 78, 78, 40],
        }
    )
    sink = sink_table({0: [T0_NS + 300 * MS], 1: [T0_NS + 1310 * MS], 2: [T0_NS + 2300 * MS]})
    samples = delivery_samples(
        sent([0, 1, 2]), sink=sink_arrivals(sink), capture=capture_arrivals(table, dport=PORT)
    )
    assert samples["arrival_source"].unique().tolist() == ["capture"]
    # the capture saw what reached the server's interface, before the sink's socket read it
    assert samples["latency_ms"].iloc[:2].tolist() == pytest.approx([280.0, 290.0], abs=1e-3)
    # seq 2 went to another port in the capture: not this run's report, whatever the sink says
    assert samples["is_delivered"].tolist() == [True, True, False]
    assert samples["sink_rx_ns"].iloc[2] == T0_NS + 2300 * MS


def test_release_is_the_idle_after_the_reports_own_connection() -> None:
    changes = [
        StateChange(t_s=10.0, state=ModemState.IDLE),  # leaving PSM: not a release
        StateChange(t_s=11.0, state=ModemState.CONNECTED),
        StateChange(t_s=12.5, state=ModemState.IDLE),
        StateChange(t_s=21.0, state=ModemState.CONNECTED),
    ]
    delays = release_delays_s([10.0, 20.0, 30.0], ["psm", "idle", "connected"], changes)
    assert delays[0] == pytest.approx(2.5)
    assert math.isnan(delays[1])  # connected at 21 s, not released before the next report
    assert math.isnan(delays[2])
    # a report that left connected is released by the first idle after it
    assert release_delays_s([0.0], ["connected"], [StateChange(t_s=0.4, state=ModemState.IDLE)]) == [0.4]


def test_summary_names_and_values() -> None:
    phases = [Phase.PERIODIC, Phase.PERIODIC, Phase.BURST, Phase.BURST]
    reports = sent([0, 1, 2, 3], phases=phases)
    reports.loc[1, "is_accepted"] = False
    reports.loc[3, "state"] = str(ModemState.CONNECTED)
    sink = sink_table({0: [T0_NS + 400 * MS], 2: [T0_NS + 2500 * MS], 3: [T0_NS + 3600 * MS]})
    samples = delivery_samples(reports, sink=sink_arrivals(sink), capture=None)
    summary = summarize_reports(samples, rrc_connections=2, capture_ip_bytes=234)
    for name in summary:
        parse_metric_name(name)
    values = {name: metric.value for name, metric in summary.items()}
    assert values["delivery_ratio_pct"] == 75.0
    assert values["accepted_not_delivered_pct"] == 0.0  # the lost one was refused by the module
    assert values["ul_report_latency_max_ms"] == pytest.approx(400.0)
    assert summary["ul_report_latency_p50_ms"].n_samples == 1
    assert values["reports_from_psm_pct"] == 100.0  # periodic reports only
    assert values["ul_burst_latency_min_ms"] == pytest.approx(500.0)
    assert values["ul_burst_latency_max_ms"] == pytest.approx(600.0)
    assert values["ul_burst_duration_ms"] == pytest.approx(3600.0 - 2000.0)
    assert values["rrc_connections_per_report_mean_count"] == pytest.approx(2 / 3)
    assert values["overhead_per_report_mean_bytes"] == pytest.approx(78.0)
    assert values["rrc_release_time_p50_s"] == 1.5


def test_no_burst_no_burst_metrics_and_no_capture_no_overhead() -> None:
    samples = delivery_samples(sent([0]), sink=sink_arrivals(sink_table({})), capture=None)
    summary = summarize_reports(samples, rrc_connections=None, capture_ip_bytes=None)
    assert not any(name.startswith("ul_burst") for name in summary)
    assert summary["delivery_ratio_pct"].value == 0.0
    assert summary["overhead_per_report_mean_bytes"].value is None
    assert summary["ul_report_latency_max_ms"].value is None


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 20_000)), min_size=1, max_size=40))
@example([(False, 1), (True, 1)])  # a lost report once made the arrivals float: 256 ns steps
def test_delivery_ratio_and_latency_follow_what_arrived(reports: list[tuple[bool, int]]) -> None:
    seqs = list(range(len(reports)))
    arrivals = {
        seq: [T0_NS + seq * 1000 * MS + latency_ms * MS]
        for seq, (is_arrived, latency_ms) in enumerate(reports)
        if is_arrived
    }
    samples = delivery_samples(sent(seqs), sink=sink_arrivals(sink_table(arrivals)), capture=None)
    summary = summarize_reports(samples, rrc_connections=None, capture_ip_bytes=None)
    delivered = [latency for is_arrived, latency in reports if is_arrived]
    assert summary["delivery_ratio_pct"].value == pytest.approx(100.0 * len(delivered) / len(reports))
    expected_max = float(max(delivered)) if delivered else None
    assert summary["ul_report_latency_max_ms"].value == pytest.approx(expected_max)

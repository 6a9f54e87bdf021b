"""Flow metrics on tables with known loss, duplication, reordering, delay and rate (built here), checked
against the RFC definitions worked by hand. Live traffic over loopback and veth: test_live.py."""

from __future__ import annotations

import pandas as pd
import pytest

from harness.capture import COLUMNS, ClockOffsetMethod, flow_metrics, flow_rates

PAYLOAD_BYTES = 100
IP_BYTES = PAYLOAD_BYTES + 28


def flow(arrivals: list[tuple[int, float, float]]) -> pd.DataFrame:
    """A pcap-like table of UDP probes: (seq, sent_t_s, captured t_s) in capture order."""
    rows = [
        (t_s, "198.18.0.1", "198.18.1.1", 5000, 7, "udp", IP_BYTES, PAYLOAD_BYTES, seq, sent_t_s)
        for seq, sent_t_s, t_s in arrivals
    ]
    table = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    return table.astype(
        {"sport": "Int64", "dport": "Int64", "length": "Int64", "payload_bytes": "Int64", "seq": "Int64"}
    )


def steady(
    seqs: list[int], *, delay_s: float = 0.010, gap_s: float = 0.001
) -> list[tuple[int, float, float]]:
    """Probes sent every gap_s in seq order, arriving in the order given, each after delay_s."""
    arrivals = []
    for position, seq in enumerate(seqs):
        arrival_s = 100.0 + position * gap_s + delay_s
        arrivals.append((seq, 100.0 + seq * gap_s, arrival_s))
    return arrivals


def test_a_clean_flow_has_no_loss_no_reordering_and_no_jitter() -> None:
    metrics = flow_metrics(flow(steady(list(range(100)))), clock_offset_s=0.0)
    assert (metrics.packets, metrics.lost_packets, metrics.duplicate_packets) == (100, 0, 0)
    assert (metrics.loss_pct, metrics.reordered_packets, metrics.reordering_extent_max) == (0.0, 0, None)
    assert metrics.jitter_ms == pytest.approx(0.0, abs=1e-6)
    assert metrics.owd_p50_ms == pytest.approx(10.0)
    assert metrics.clock_offset_method is ClockOffsetMethod.GIVEN


def test_loss_counts_missing_sequence_numbers_and_the_senders_count_sees_tail_loss() -> None:
    arrivals = flow(steady([s for s in range(100) if s % 10 != 3]))  # 10 lost inside the span
    assert flow_metrics(arrivals).lost_packets == 10
    with_count = flow_metrics(arrivals, expected_packets=120)  # 20 more lost after the last one seen
    assert (with_count.lost_packets, with_count.loss_pct) == (30, pytest.approx(25.0))


def test_duplicates_are_counted_once_and_neither_lost_nor_reordered() -> None:
    metrics = flow_metrics(flow(steady([0, 1, 1, 2, 3, 3, 3, 4])))
    assert (metrics.packets, metrics.duplicate_packets, metrics.lost_packets) == (8, 3, 0)
    assert metrics.reordered_packets == 0


def test_reordering_follows_rfc4737_next_expected_and_extent() -> None:
    # RFC 4737 §4.2 style: 1 2 4 5 3 6 -> 3 arrives after 4 and 5: reordered, extent 2 (4 came 2 earlier)
    metrics = flow_metrics(flow(steady([1, 2, 4, 5, 3, 6, 10, 7, 8, 9])))
    # 7, 8, 9 arrive after 10: all three reordered, 7 by 1 arrival, 9 by 3
    assert metrics.reordered_packets == 4
    assert metrics.reordering_extent_max == 3
    assert metrics.reordered_pct == pytest.approx(40.0)
    assert metrics.lost_packets == 0


def test_jitter_is_the_rfc3550_running_estimate() -> None:
    # transit alternates 10 ms and 12 ms: |D| = 2 ms every packet; J_n = 2 ms * (1 - (15/16)^n)
    arrivals = [(s, 100.0 + s * 0.02, 100.0 + s * 0.02 + (0.010 if s % 2 == 0 else 0.012)) for s in range(50)]
    expected_ms = 2.0 * (1 - (15 / 16) ** 49)
    assert flow_metrics(flow(arrivals)).jitter_ms == pytest.approx(expected_ms, rel=1e-6)


def test_one_way_delay_states_its_clock_offset() -> None:
    # the capture clock runs 5 s ahead of the sender; the path takes 10 ms plus up to 4 ms of queueing
    arrivals = [(s, 100.0 + s * 0.01, 105.0 + s * 0.01 + 0.010 + 0.001 * (s % 5)) for s in range(100)]
    estimated = flow_metrics(flow(arrivals), base_delay_s=0.010)
    assert estimated.clock_offset_method is ClockOffsetMethod.MINIMUM_DELAY
    assert estimated.clock_offset_s == pytest.approx(5.0, abs=1e-6)
    assert (estimated.owd_min_ms, estimated.owd_max_ms) == (
        pytest.approx(10.0, abs=1e-3),
        pytest.approx(14.0, abs=1e-3),
    )
    relative = flow_metrics(flow(arrivals))  # no base known: delays above the minimum
    assert relative.owd_min_ms == pytest.approx(0.0, abs=1e-3)
    assert relative.clock_offset_s == pytest.approx(5.010, abs=1e-6)
    given = flow_metrics(flow(arrivals), clock_offset_s=5.0)
    assert given.owd_p50_ms == pytest.approx(12.0, abs=1e-3)


def test_rates_per_interval_and_over_the_flow_count_the_headers_they_say() -> None:
    # 1000 packets/s for 2.05 s: 128 IP bytes, 100 payload bytes, 142 with Ethernet
    # bins start at the first packet; the others arrive between edges
    arrivals = [(s, 0.0, 100.0 + s * 0.001 + (0.0005 if s else 0.0)) for s in range(2051)]
    table = flow(arrivals)
    per_100_ms = flow_rates(table, interval_s=0.1)
    assert len(per_100_ms) == 20  # the part-filled 21st interval is left out
    assert per_100_ms["packets"].tolist() == [100] * 20
    assert per_100_ms["throughput_kbps"].tolist() == pytest.approx([1024.0] * 20)
    assert per_100_ms["goodput_kbps"].tolist() == pytest.approx([800.0] * 20)
    assert per_100_ms["frame_kbps"].tolist() == pytest.approx([1136.0] * 20)
    assert flow_rates(table, interval_s=1.0)["packets"].tolist() == [1000, 1000]
    whole = flow_metrics(table)  # 2050 packets after the first, over 2.0505 s
    assert whole.duration_s == pytest.approx(2.0505)
    assert whole.throughput_kbps == pytest.approx(2050 * IP_BYTES * 8 / 2.0505 / 1000)
    assert whole.goodput_kbps == pytest.approx(2050 * PAYLOAD_BYTES * 8 / 2.0505 / 1000)
    assert whole.frame_kbps == pytest.approx(2050 * (IP_BYTES + 14) * 8 / 2.0505 / 1000)


def test_a_flow_without_probes_still_counts_bytes_and_names_what_is_missing() -> None:
    table = flow(steady([0, 1, 2]))
    table["seq"] = pd.array([None, None, None], dtype="Int64")
    metrics = flow_metrics(table)
    assert (metrics.packets, metrics.ip_bytes, metrics.loss_pct, metrics.jitter_ms) == (
        3,
        3 * IP_BYTES,
        None,
        None,
    )
    assert metrics.clock_offset_method is ClockOffsetMethod.NONE
    assert metrics.metric_values(direction="ul")["ul_loss_pct"].value is None


def test_metric_values_use_the_metric_grammar() -> None:
    from harness.metrics import parse_metric_name

    names = flow_metrics(flow(steady(list(range(10))))).metric_values(direction="dl")
    assert "dl_owd_p95_ms" in names
    for name in names:
        parse_metric_name(name)


@pytest.mark.parametrize("columns", [["t_s", "payload_bytes"], ["t_s", "payload_bytes", "length"]])
def test_rates_of_nothing_received_are_typed_like_a_flows(columns: list[str]) -> None:
    """A stream whose socket the network closed at once (the fault matrix's socket_closed) counted nothing;
    its empty series must still start with a numeric t_s, or writing the samples raises."""
    empty = pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
    rates = flow_rates(empty, interval_s=1.0)
    assert rates.empty
    assert rates.columns[0] == "t_s"
    assert rates["t_s"].dtype == "float64"
    assert rates["packets"].dtype == "int64"
    assert rates["goodput_kbps"].dtype == "float64"

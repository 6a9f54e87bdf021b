"""iperf3 --json reports (the shapes iperf3 3.12 writes, trimmed) read into samples and summary KPIs."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.traffic.direction import Direction
from harness.traffic.iperf3_report import (
    Iperf3Error,
    check_report,
    data_ports,
    receiver_samples,
    receiver_totals,
    summarize,
)


def interval(start: float, end: float, size: int, *, sender: bool, udp: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "start": start,
        "end": end,
        "seconds": end - start,
        "bytes": size,
        "bits_per_second": size * 8 / (end - start),
        "sender": sender,
    }
    if udp:
        row |= {"packets": size // 500, "lost_packets": 1, "jitter_ms": 0.5}
    return {"sum": row}


UDP_CLIENT = {
    "start": {"connected": [{"local_port": 39629, "remote_port": 5399}]},
    "intervals": [interval(0, 1, 125_000, sender=True), interval(1, 2, 125_000, sender=True)],
    "end": {
        "sum": {"bytes": 250_000, "bits_per_second": 1e6, "sender": True},
        "sum_received": {
            "seconds": 2.0,
            "bytes": 245_000,
            "bits_per_second": 980_000.0,
            "packets": 500,
            "lost_packets": 10,
            "jitter_ms": 0.25,
        },
    },
}
UDP_SERVER = {
    "intervals": [
        interval(0, 1, 122_500, sender=False),
        interval(1, 2, 122_500, sender=False),
        interval(2, 2.1, 1000, sender=False),
    ]
}


def test_the_receiver_totals_come_from_sum_received() -> None:
    totals = receiver_totals(UDP_CLIENT)
    assert (totals.bytes, totals.packets, totals.lost_packets) == (245_000, 490, 10)
    assert totals.goodput_kbps == 980.0
    assert totals.jitter_ms == 0.25


def test_tcp_totals_have_no_packets_loss_or_jitter() -> None:
    report = {"end": {"sum_received": {"seconds": 4.0, "bytes": 1_000_000, "bits_per_second": 2e6}}}
    totals = receiver_totals(report)
    assert (totals.packets, totals.lost_packets, totals.jitter_ms) == (None, None, None)
    summary = summarize(Direction.DL, totals, receiver_samples(report))
    assert summary["dl_goodput_kbps"].value == 2000.0
    assert "dl_loss_pct" not in summary
    assert summary["dl_goodput_max_kbps"].value is None


def test_the_per_second_series_is_the_receivers() -> None:
    samples = receiver_samples(UDP_CLIENT, UDP_SERVER)  # the client's intervals are the sender's
    assert samples.columns[0] == "t_s"
    assert samples["bytes"].tolist() == [122_500, 122_500, 1000]
    assert samples["goodput_kbps"].tolist()[:2] == [980.0, 980.0]


def test_summary_mean_peak_and_low_with_the_last_sliver_left_out() -> None:
    samples = receiver_samples(UDP_SERVER)
    summary = summarize(Direction.UL, receiver_totals(UDP_CLIENT), samples)
    assert summary["ul_goodput_kbps"].value == 980.0
    assert summary["ul_goodput_max_kbps"].value == 980.0  # not the 0.1 s sliver's 80 kbit/s
    assert summary["ul_goodput_max_kbps"].n_samples == 2
    assert summary["ul_loss_pct"].value == pytest.approx(2.0)
    assert summary["ul_loss_pct"].n_samples == 500
    assert summary["ul_jitter_ms"].value == 0.25


def test_omitted_intervals_are_kept_as_rows_but_left_out_of_peak_and_low() -> None:
    rows = [interval(0, 1, 999_000, sender=False), interval(1, 2, 100_000, sender=False)]
    rows[0]["sum"]["omitted"] = True
    samples = receiver_samples({"intervals": rows})
    assert samples["is_omitted"].tolist() == [True, False]
    summary = summarize(Direction.UL, receiver_totals(UDP_CLIENT), samples)
    assert summary["ul_goodput_max_kbps"].value == 800.0
    assert summary["ul_goodput_max_kbps"].n_samples == 1


def test_data_ports_are_the_streams_not_the_control_connection() -> None:
    assert data_ports(UDP_CLIENT) == [39629]


@pytest.mark.parametrize(
    ("report", "said"),
    [
        (None, "wrote no JSON report"),
        ({}, "wrote no JSON report"),
        ({"error": "unable to connect"}, "unable"),
    ],
)
def test_an_error_report_is_an_error_with_iperf3s_words(report: dict[str, Any] | None, said: str) -> None:
    with pytest.raises(Iperf3Error, match=said):
        check_report(report, who="iperf3 client")


def test_a_report_without_sum_received_says_which_iperf3_is_needed() -> None:
    with pytest.raises(Iperf3Error, match=r"3\.11"):
        receiver_totals({"end": {"sum": {}}})


@given(
    st.lists(
        st.tuples(st.floats(min_value=0.01, max_value=2.0), st.integers(min_value=0, max_value=10**9)),
        min_size=1,
        max_size=30,
    )
)
def test_every_interval_becomes_one_row_in_order(spans: list[tuple[float, int]]) -> None:
    rows, t_s = [], 0.0
    for seconds, size in spans:
        rows.append(interval(t_s, t_s + seconds, size, sender=False, udp=False))
        t_s += seconds
    samples = receiver_samples({"intervals": rows})
    assert len(samples) == len(spans)
    assert samples["bytes"].tolist() == [size for _, size in spans]
    assert samples["t_s"].is_monotonic_increasing
    assert samples["goodput_kbps"].to_numpy() == pytest.approx(
        [size * 8 / seconds / 1000 for seconds, size in spans], rel=1e-6
    )

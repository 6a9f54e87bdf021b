"""benchmarks/bench_udp_rtt.py and rtt_tool_output.py: reading irtt's JSON report and ping's output, and
judging the figures."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from benchmarks.bench_udp_rtt import HARNESS, IRTT, LOOPBACK, PING, Rtts, figures_of
from benchmarks.rtt_tool_output import irtt_rtts_us, ping_rtts_us

LOST = st.sampled_from(["true", "true_down", "true_up"])
ROUND_TRIP = st.one_of(st.integers(min_value=1, max_value=10**10), LOST)


def irtt_report(round_trips: list[int | str]) -> str:
    """A report shaped as irtt 0.9 writes it (-o): delays in ns, lost round trips without an rtt."""
    trips = [
        {"seqno": i, "lost": trip, "delay": {}}
        if isinstance(trip, str)
        else {"seqno": i, "lost": "false", "delay": {"receive": 1, "rtt": trip, "send": 1}}
        for i, trip in enumerate(round_trips)
    ]
    return json.dumps({"version": {}, "stats": {"packets_sent": len(trips)}, "round_trips": trips})


@given(st.lists(ROUND_TRIP, max_size=50))
def test_irtt_report_gives_each_rtt_in_us_and_none_for_lost(round_trips: list[int | str]) -> None:
    rtts, sent = irtt_rtts_us(irtt_report(round_trips))
    assert sent == len(round_trips)
    assert rtts == [None if isinstance(trip, str) else trip / 1000 for trip in round_trips]


def test_irtt_report_of_the_real_tool_reads() -> None:
    report = (
        '{"stats": {"packets_sent": 2}, "round_trips": [{"seqno": 0, "lost": "false", "timestamps": {}, '
        '"delay": {"receive": 29559, "rtt": 73515, "send": 43956}, "ipdv": {}}, '
        '{"seqno": 1, "lost": "true_down", "timestamps": {}, "delay": {}, "ipdv": {}}]}'
    )
    assert irtt_rtts_us(report) == ([73.515, None], 2)


@given(st.lists(st.integers(min_value=1, max_value=10**7), max_size=40), st.booleans())
def test_ping_output_gives_every_reply_time_in_us(times_us: list[int], is_lost_shown: bool) -> None:
    lines = ["PING 198.18.252.2 (198.18.252.2) from 198.18.252.1 : 56(84) bytes of data."]
    for seq, time_us in enumerate(times_us, 1):
        lines.append(f"64 bytes from 198.18.252.2: icmp_seq={seq} ttl=64 time={time_us / 1000:.3f} ms")
        if is_lost_shown:
            lines.append(f"no answer yet for icmp_seq={seq + 1000}")
    lines += ["", "--- 198.18.252.2 ping statistics ---", "rtt min/avg/max/mdev = 0.015/0.021/0.030/0.005 ms"]
    assert ping_rtts_us("\n".join(lines)) == [float(f"{t / 1000:.3f}") * 1000 for t in times_us]


def rtts(tool: str, values_us: list[float]) -> Rtts:
    return Rtts(tool=tool, rtts_us=values_us, sent=len(values_us))


def test_figures_judge_against_irtt_only_and_say_by_how_much() -> None:
    results = {
        HARNESS: rtts(HARNESS, [100.0] * 98 + [150.0] * 2),
        IRTT: rtts(IRTT, [80.0] * 98 + [3000.0] * 2),
    }
    results[PING] = rtts(PING, [20.0] * 100)
    rows = figures_of(LOOPBACK, results, missing={})
    by_key = {(row.figure, row.reference_tool): row for row in rows}
    median = by_key[("UDP RTT loopback, median", IRTT)]
    assert (median.harness, median.reference, median.met, median.note) == (
        "100 us",
        "80 us",
        False,
        "20 us above irtt",
    )
    assert by_key[("UDP RTT loopback, p99", IRTT)].met is True
    assert by_key[("UDP RTT loopback, median", PING)].met is None
    assert by_key[("UDP RTT loopback, median", PING)].ratio == 5.0


def test_figures_with_a_missing_tool_keep_the_harness_figure_unjudged() -> None:
    results = {HARNESS: rtts(HARNESS, [100.0, 110.0])}
    rows = figures_of(LOOPBACK, results, missing={IRTT: "irtt not found", PING: "ping not found"})
    assert len(rows) == 4
    assert all(row.met is None and row.reference == "-" and row.harness != "-" for row in rows)
    assert {row.note for row in rows} == {"irtt not found", "ping not found"}

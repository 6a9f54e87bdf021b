"""A `miot server` held under a flood of junk on loopback for FLOOD_S seconds (issue 9 item 5): datagrams and
bytes offered, the server's resident memory before, at its peak and after, what came back to the flooder,
the control channel's and the legitimate reflector's answers during the flood and the reflector's round
trip meanwhile. The flood and its figures are tests/server/flood.py's (tests/server/test_flood.py runs
the same in a short budget). The legitimate reflector keeps the default sample cap (SessionParams), so the
memory delta includes up to that many rows: the bound a lab's server really has.
"""

from __future__ import annotations

import os
import platform
import sys

from benchmarks.bench_table import BenchFigure
from harness.server.session import DEFAULT_MAX_SAMPLES
from tests.server.flood import FloodFigures, run_flood
from tests.server.server_process import miot_server

FLOOD_S = 20.0
MB = 1024 * 1024


def main() -> list[BenchFigure]:
    token = os.urandom(16).hex()
    with miot_server(token) as server:
        figures = run_flood(server, token, duration_s=FLOOD_S, max_samples=DEFAULT_MAX_SAMPLES)
    print(
        f"miot server under a junk flood on loopback, {FLOOD_S:g} s; "
        f"Python {platform.python_version()} ({sys.executable})"
    )
    for name, value in rows(figures):
        print(f"{name:44} {value}")
    return [
        BenchFigure(
            figure=f"miot server under a {FLOOD_S:g} s junk flood: legitimate probes answered",
            harness=f"{figures.answers_during} of {figures.probes_during}",
            reference_tool="-",
            reference="-",
            ratio=None,
            goal="- (context, issue 9)",
            met=None,
            note=f"{figures.offered_pps:.0f} junk datagrams/s; RSS {_rss(figures)}",
        )
    ]


def rows(figures: FloodFigures) -> list[tuple[str, str]]:
    offered = figures.offered
    p50, p95 = figures.rtt_quantile_ms(0.5), figures.rtt_quantile_ms(0.95)
    return [
        ("datagrams offered (per s)", f"{offered.packets} ({figures.offered_pps:.0f}/s)"),
        ("bytes offered", f"{offered.bytes / MB:.0f} MB"),
        (
            "datagrams the reflector dropped, of read",
            f"{figures.reflector_dropped} of {figures.reflector_received}",
        ),
        ("sample rows over the cap (counted, not kept)", str(figures.reflector_samples_dropped)),
        ("junk control connections refused", f"{offered.control_refused} of {offered.control_attempts}"),
        ("datagrams / bytes back to the flooder", f"{offered.replies} / {offered.reply_bytes}"),
        ("server RSS before / peak / after", _rss(figures)),
        ("RSS growth, second half of the flood", f"{figures.rss_growth_second_half_bytes / MB:.1f} MB"),
        (
            "control requests answered during",
            f"{figures.control_answers_during} of {figures.control_requests_during}",
        ),
        ("legitimate probes answered during", f"{figures.answers_during} of {figures.probes_during}"),
        ("legitimate RTT during, p50 / p95", "n/a" if p50 is None else f"{p50:.2f} / {p95:.2f} ms"),
        ("legitimate probes answered after", f"{figures.answers_after} of {figures.probes_after}"),
    ]


def _rss(figures: FloodFigures) -> str:
    before, peak, after = figures.rss_before_bytes, figures.rss_peak_bytes, figures.rss_after_bytes
    return (
        f"{before / MB:.0f} / {peak / MB:.0f} / {after / MB:.0f} MB (delta {(after - before) / MB:+.1f} MB)"
    )


if __name__ == "__main__":
    main()

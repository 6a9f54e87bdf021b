"""traffic layer: the ping engine (issue 6 item 2): ICMP echo through the module's own ping command
(Modem.ping(): AT+QPING, +MPING, +NPING... by dialect), so the round trip is the module's, without the AT
socket exchange of harness.traffic.udp_echo in it.

The requests go one command each (count=1), `interval_s` apart from start to start, so every sample has its
time and a lost request is known as such (a multi-request command reports only the answered ones). A
request's instant on the session clock (harness.traffic.session_clock) is its command's start. The first
`warmup_requests` are sent and recorded but left out of the summary: after idle the first pays the RRC
set-up (TS 36.331), which the first-packet engine measures instead (harness.traffic.first_packet).

KPIs (indicators.md §5.2 vocabulary, prefixed `ping_` so they stand apart from the UDP echo's): ping_rtt_min,
p50, p95, p99, max in ms, ping_jitter_ms (RFC 3550 over the round trips) and ping_loss_pct
(harness.traffic.latency_statistics). RTTs are the module's, in whole ms as the vendors print them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import pandas as pd

from harness.dialects.modem import Modem
from harness.metrics import MetricValue
from harness.traffic.latency_statistics import jitter_ms, loss_pct, rtt_statistics
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN, session_clock_of


@dataclass(frozen=True, slots=True, kw_only=True)
class PingSpec:
    """Plan parameters of the ping procedure; `timeout_s` is each request's, in whole seconds (1-255, the
    range of AT+QPING and +MPING)."""

    requests: int = field(default=10, metadata={"min": 1})
    interval_s: float = field(default=1.0, metadata={"min": 0})
    timeout_s: int = field(default=4, metadata={"min": 1, "max": 255})
    warmup_requests: int = field(default=1, metadata={"min": 0})


@dataclass(frozen=True, slots=True, kw_only=True)
class PingRunResult:
    samples: pd.DataFrame
    summary: dict[str, MetricValue]


def run_ping(modem: Modem, host: str, spec: PingSpec) -> PingRunResult:
    """Ping `host` from the module, one request per command; one sample per request plus the KPIs."""
    rows: list[dict[str, object]] = []
    session_clock = session_clock_of(modem)
    start_s = time.monotonic()
    for request in range(spec.warmup_requests + spec.requests):
        time.sleep(max(0.0, start_s + request * spec.interval_s - time.monotonic()))
        t_s = time.monotonic() - start_s
        result = modem.ping(host, count=1, timeout_s=spec.timeout_s)
        rows.append(
            {
                "t_s": t_s,
                SESSION_CLOCK_COLUMN: session_clock(),
                "request": request,
                "is_warmup": request < spec.warmup_requests,
                "rtt_ms": result.rtts_ms[0] if result.rtts_ms else math.nan,
            }
        )
    samples = pd.DataFrame(rows)
    samples["is_lost"] = samples["rtt_ms"].isna()
    return PingRunResult(samples=samples, summary=summarize(samples))


def summarize(samples: pd.DataFrame) -> dict[str, MetricValue]:
    """ping_rtt_* , ping_jitter_ms and ping_loss_pct over the requests after the warm-up."""
    measured = samples[~samples["is_warmup"]]
    rtts = measured["rtt_ms"].to_numpy(dtype=float)
    return {
        **rtt_statistics(rtts, quantity="ping_rtt"),
        "ping_jitter_ms": jitter_ms(rtts),  # one request at a time: sent order is arrival order
        "ping_loss_pct": loss_pct(sent=len(measured), received=int(measured["rtt_ms"].notna().sum())),
    }

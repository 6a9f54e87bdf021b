"""traffic layer: latency under load (RRUL-style, after the Realtime Response Under Load test of Flent):
UDP echo probes (harness.traffic.udp_echo) on a module idle of other traffic, then while the same module
saturates its uplink, then its downlink, so a report shows how far the round trip grows when the link's
queues fill (bufferbloat).

The engine knows neither AT sockets nor iperf3: the caller hands it two functions, one that runs a probe
series (`ProbeRun`: UdpEchoSpec -> UdpEchoResult) and one that loads the link in a direction for a time
(`LoadRun`: (Direction, duration_s) -> the load engine's KPI summary). The procedures pass
run_udp_echo/run_udp_stream for via="module" and run_udp_echo_on/run_iperf3 for via="host".

A loaded phase starts the load in a worker thread, waits `settle_s` so the queue in front of the bottleneck
has filled, then sends the probes while the load runs on; the load lasts settle_s plus the probes' sending
time, so every probe is sent into a loaded link. The worker is joined before the phase ends and its
exception, if any, is raised in the caller (STYLE 5).

All probe rows carry `session_t_s` on the module's session clock (the probe engines put it there);
`t_s` is that clock from the first probe of the run, so the phases line up on one time axis, with a `phase`
column: unloaded, ul_loaded, dl_loaded.

KPIs (harness.metrics names; the `rtt_<qualifier>_` form of indicators.md §5.2's `rtt_idle_p95_ms`, and
"unloaded" rather than "idle" because that word already means "from RRC idle" there):
  rtt_<phase>_p50_ms, rtt_<phase>_p95_ms      per phase, warm-up probes left out
  loss_<phase>_pct                            probes of the phase that never came back
  rtt_<d>_increase_p50_ms, _p95_ms            loaded minus unloaded statistic: the queueing delay the load
                                              added (RRUL's "latency under load" figure)
  <d>_load_goodput_kbps                       what the load achieved: evidence that it saturated the link
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from harness.errors import HarnessError
from harness.metrics import MetricValue
from harness.probe import HEADER_BYTES
from harness.traffic.direction import Direction
from harness.traffic.iperf3_client import Iperf3Spec, Transport
from harness.traffic.latency_statistics import loss_pct, rtt_statistics
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN
from harness.traffic.udp_echo import UdpEchoResult, UdpEchoSpec
from harness.traffic.udp_stream import UdpStreamSpec

UNLOADED = "unloaded"
PHASE_COLUMN = "phase"
REPORTED_STATISTICS = ("p50", "p95")
LOAD_DRAIN_S = 2.0  # a load's datagrams still arriving after it stopped sending are its backlog draining
MIN_IPERF3_DURATION_S = 1.0  # Iperf3Spec's least duration

ProbeRun = Callable[[UdpEchoSpec], UdpEchoResult]
LoadRun = Callable[[Direction, float], Mapping[str, MetricValue]]


def loaded_phase(direction: Direction) -> str:
    """The phase name of probes sent while `direction` was loaded: ul_loaded, dl_loaded."""
    return f"{direction.value}_loaded"


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyUnderLoadSpec:
    """Plan parameters. The probes (`probes` after `warmup_probes`, every `interval_s`, `payload_bytes`
    each, `timeout_s` to drain) run once per phase. The load offers `ul_load_rate_kbps` up and
    `dl_load_rate_kbps` down (links are rarely symmetric) of `load_payload_bytes` datagrams, each set above
    its direction's link rate so that it queues; `settle_s` of load runs before the probes start. `loads`:
    the loaded phases, in order.

    How far above: a tail-drop queue that is full drops what arrives, probes included, in the share
    1 - rate / offered; at twice the rate half the loaded probes may be lost, and a phase needs 2 answered
    probes for its p50 and 20 for its p95 (harness.metrics.min_samples_for). 1.25-1.5 times the rate fills
    the queue and keeps most probes (judgement)."""

    probes: int = field(default=20, metadata={"min": 2})
    payload_bytes: int = field(default=64, metadata={"min": HEADER_BYTES, "max": 1400})
    interval_s: float = field(default=0.5, metadata={"min": 0.01})
    warmup_probes: int = field(default=1, metadata={"min": 0})
    timeout_s: float = field(default=30.0, metadata={"min": 0.1})
    ul_load_rate_kbps: float = field(default=100.0, metadata={"min": 0.001})
    dl_load_rate_kbps: float = field(default=100.0, metadata={"min": 0.001})
    load_payload_bytes: int = field(default=512, metadata={"min": HEADER_BYTES, "max": 1400})
    settle_s: float = field(default=2.0, metadata={"min": 0.0})
    loads: tuple[Direction, ...] = field(
        default=(Direction.UL, Direction.DL), metadata={"min_items": 1, "unique": True}
    )

    @property
    def echo(self) -> UdpEchoSpec:
        return UdpEchoSpec(
            probes=self.probes,
            payload_bytes=self.payload_bytes,
            interval_s=self.interval_s,
            timeout_s=self.timeout_s,
            warmup_probes=self.warmup_probes,
        )

    @property
    def load_duration_s(self) -> float:
        """The load's length: the settling time and every probe's send slot."""
        return self.settle_s + (self.warmup_probes + self.probes) * self.interval_s

    def load_rate_kbps(self, direction: Direction) -> float:
        return self.ul_load_rate_kbps if direction is Direction.UL else self.dl_load_rate_kbps

    def stream_spec(self, direction: Direction, duration_s: float) -> UdpStreamSpec:
        """The load through the module's AT socket (via="module"); no capture: the probes are the figure."""
        return UdpStreamSpec(
            direction=direction,
            payload_bytes=self.load_payload_bytes,
            rate_kbps=self.load_rate_kbps(direction),
            duration_s=duration_s,
            drain_s=LOAD_DRAIN_S,
            timeout_s=duration_s + self.timeout_s,
            is_captured=False,
        )

    def iperf3_spec(self, direction: Direction, duration_s: float) -> Iperf3Spec:
        """The load over the host data interface (via="host"): UDP, so its rate is the offer, not TCP's
        estimate of what fits (a TCP load would fill the queue too, but by how much depends on its
        congestion control)."""
        return Iperf3Spec(
            direction=direction,
            transport=Transport.UDP,
            rate_kbps=self.load_rate_kbps(direction),
            payload_bytes=self.load_payload_bytes,
            duration_s=max(MIN_IPERF3_DURATION_S, duration_s),
            timeout_s=self.timeout_s,
            is_captured=False,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyUnderLoadResult:
    samples: pd.DataFrame  # one row per probe of every phase, with `phase`
    summary: dict[str, MetricValue]


def run_latency_under_load(
    probe: ProbeRun, load: LoadRun, spec: LatencyUnderLoadSpec
) -> LatencyUnderLoadResult:
    """The unloaded phase, then one loaded phase per direction of `spec.loads`."""
    phases = [_phase_samples(UNLOADED, probe(spec.echo))]
    load_summaries: dict[Direction, Mapping[str, MetricValue]] = {}
    for direction in spec.loads:
        echo, load_summaries[direction] = _under_load(probe, load, direction, spec)
        phases.append(_phase_samples(loaded_phase(direction), echo))
    samples = on_one_clock(pd.concat(phases, ignore_index=True))
    return LatencyUnderLoadResult(samples=samples, summary=summarize(samples, spec.loads, load_summaries))


def _under_load(
    probe: ProbeRun, load: LoadRun, direction: Direction, spec: LatencyUnderLoadSpec
) -> tuple[UdpEchoResult, Mapping[str, MetricValue]]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"miot-load-{direction.value}") as pool:
        loading = pool.submit(load, direction, spec.load_duration_s)
        # the queue in front of the bottleneck needs time to fill; a failed load ends the wait early
        deadline = time.monotonic() + spec.settle_s
        while not loading.done() and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        if loading.done():
            loading.result()  # raises the load's own error first
            raise HarnessError(
                f"latency under load: the {direction.value} load ended before its probes began (within"
                f" settle_s = {spec.settle_s:g} s of its {spec.load_duration_s:g} s): they would measure"
                " an unloaded link"
            )
        echo = probe(spec.echo)
        return echo, loading.result()


def _phase_samples(phase: str, echo: UdpEchoResult) -> pd.DataFrame:
    samples = echo.samples.copy()
    samples.insert(0, PHASE_COLUMN, phase)
    return samples


def on_one_clock(samples: pd.DataFrame) -> pd.DataFrame:
    """`t_s` from the run's first probe on the session clock, so phases share one time axis (DESIGN:
    every samples file starts with `t_s`)."""
    frame = samples.drop(columns="t_s")
    start_s = float(frame[SESSION_CLOCK_COLUMN].min()) if len(frame) else 0.0
    frame.insert(0, "t_s", frame[SESSION_CLOCK_COLUMN].astype(float) - start_s)
    return frame


def summarize(
    samples: pd.DataFrame,
    loads: tuple[Direction, ...],
    load_summaries: Mapping[Direction, Mapping[str, MetricValue]],
) -> dict[str, MetricValue]:
    """Per-phase RTT statistics and loss, the increase each load caused, and each load's goodput."""
    measured = samples[~samples["is_warmup"].astype(bool)]
    summary: dict[str, MetricValue] = {}
    per_phase: dict[str, dict[str, MetricValue]] = {}
    for phase in (UNLOADED, *(loaded_phase(d) for d in loads)):
        rtts = measured.loc[measured[PHASE_COLUMN] == phase, "rtt_ms"].to_numpy(dtype=float)
        statistics = rtt_statistics(rtts, quantity=f"rtt_{phase}")
        per_phase[phase] = statistics
        summary.update(
            {f"rtt_{phase}_{s}_ms": statistics[f"rtt_{phase}_{s}_ms"] for s in REPORTED_STATISTICS}
        )
        summary[f"loss_{phase}_pct"] = loss_pct(sent=len(rtts), received=int(np.isfinite(rtts).sum()))
    for direction in loads:
        loaded = per_phase[loaded_phase(direction)]
        for s in REPORTED_STATISTICS:
            summary[f"rtt_{direction.value}_increase_{s}_ms"] = increase(
                loaded[f"rtt_{loaded_phase(direction)}_{s}_ms"], per_phase[UNLOADED][f"rtt_{UNLOADED}_{s}_ms"]
            )
        goodput = load_summaries[direction].get(f"{direction.value}_goodput_kbps")
        summary[f"{direction.value}_load_goodput_kbps"] = goodput or MetricValue(value=None)
    return summary


def increase(loaded: MetricValue, unloaded: MetricValue) -> MetricValue:
    """loaded - unloaded, over the fewer samples of the two; no value when either has none."""
    is_missing = loaded.value is None or unloaded.value is None
    value = None if is_missing else loaded.value - unloaded.value  # type: ignore[operator]
    counts = [n for n in (loaded.n_samples, unloaded.n_samples) if n is not None]
    return MetricValue(value=value, n_samples=min(counts) if counts else None)

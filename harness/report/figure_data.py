"""report layer: what the plots need, read from one test's directory (DESIGN "What a run writes":
tests/<test_id>/samples-<engine>.parquet, power.parquet). Each reader returns None when the test has no
such data, so a figure is left out rather than drawn empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from harness.power import Marker, check_trace, markers_of
from harness.results import read_samples
from harness.results.samples import samples_path

# Engines whose samples are a per-interval goodput series (t_s, goodput_kbps): udp_stream's receiver
# series, tcp_stream's (both harness.traffic.goodput_series) and iperf3's receiver intervals.
SERIES_ENGINES = ("udp_stream_per_s", "tcp_stream", "iperf3")
POWER_FILE = "power.parquet"
SEGMENTS_ENGINE = "power_save"  # harness.power.report_budget.segment_trace on the trace's time base
RADIO_STREAM_ENGINE = "udp_stream"  # per datagram, with the radio joined on its session-clock send time
RADIO_COLUMNS = ("rsrp_dbm", "sinr_db")
BIN_S = 1.0
# latency under load (harness.traffic.latency_under_load), through the module's sockets or over the host's
LOAD_LATENCY_ENGINES = ("latency_under_load", "host_latency_under_load")
ECHO_COLUMNS = ("is_warmup", "rtt_ms")


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerData:
    trace: pd.DataFrame
    segments: pd.DataFrame | None
    markers: list[Marker]


def echo_rtts_ms(test_dir: Path) -> np.ndarray | None:
    """RTTs of the udp_echo probes that came back, warm-up probes left out; None when none came back.
    An array, not a list: a cross-run RTT CDF pools millions of them (issue 10's profile)."""
    path = samples_path(test_dir, "udp_echo")
    if not path.exists():
        return None
    samples = read_samples(path, columns=ECHO_COLUMNS)
    is_measured = ~samples["is_warmup"].to_numpy(dtype=bool, na_value=False)
    rtts = samples["rtt_ms"].to_numpy(dtype=float, na_value=np.nan)[is_measured]
    rtts = rtts[~np.isnan(rtts)]
    return rtts if rtts.size else None


def load_latency_of(test_dir: Path) -> pd.DataFrame | None:
    """The test's latency-under-load probes (t_s, phase, rtt_ms), warm-up probes left out."""
    for engine in LOAD_LATENCY_ENGINES:
        path = samples_path(test_dir, engine)
        if path.exists():
            samples = read_samples(path)
            return samples.loc[~samples["is_warmup"].astype(bool), ["t_s", "phase", "rtt_ms"]]
    return None


def goodput_series_of(test_dir: Path) -> pd.DataFrame | None:
    """The test's per-second goodput (t_s, goodput_kbps) from the first engine in SERIES_ENGINES it wrote."""
    for engine in SERIES_ENGINES:
        path = samples_path(test_dir, engine)
        if path.exists():
            series = read_samples(path)
            if "goodput_kbps" in series and series["goodput_kbps"].notna().any():
                return series[["t_s", "goodput_kbps"]]
    return None


def power_of(test_dir: Path) -> PowerData | None:
    """The test's current trace, its state segments when the power_save engine wrote them, its markers."""
    path = test_dir / POWER_FILE
    if not path.exists():
        return None
    trace = pd.read_parquet(path)
    check_trace(trace, str(path))
    if trace.empty:
        return None
    segments_file = samples_path(test_dir, SEGMENTS_ENGINE)
    segments = read_samples(segments_file) if segments_file.exists() else None
    return PowerData(trace=trace, segments=segments, markers=markers_of(trace))


def radio_goodput_points(test_dir: Path) -> pd.DataFrame | None:
    """Per second of an uplink UDP stream: the payload delivered of the datagrams sent in it (kbit/s) and
    the median RSRP and SINR joined onto them (goodput_kbps, rsrp_dbm, sinr_db); None without radio
    columns. The last second is left out: it is only partly filled."""
    path = samples_path(test_dir, RADIO_STREAM_ENGINE)
    if not path.exists():
        return None
    samples = read_samples(path)
    needed = {"payload_bytes", "is_lost", *RADIO_COLUMNS}
    if not needed <= set(samples.columns) or samples[list(RADIO_COLUMNS)].isna().all(axis=None):
        return None
    t_s = samples["t_s"].to_numpy(dtype=float)
    second = np.floor((t_s - t_s.min()) / BIN_S).astype(np.int64)
    delivered = samples["payload_bytes"].where(~samples["is_lost"].astype(bool), 0).astype(float)
    frame = pd.DataFrame(
        {"second": second, "bits": delivered * 8, **{c: samples[c].astype(float) for c in RADIO_COLUMNS}}
    )
    per_second = frame.groupby("second").agg(
        bits=("bits", "sum"), rsrp_dbm=("rsrp_dbm", "median"), sinr_db=("sinr_db", "median")
    )
    per_second = per_second[per_second.index < second.max()]
    if per_second.empty:
        return None
    goodput = per_second["bits"] / 1000 / BIN_S
    return pd.DataFrame(
        {"goodput_kbps": goodput, "rsrp_dbm": per_second["rsrp_dbm"], "sinr_db": per_second["sinr_db"]}
    ).reset_index(drop=True)

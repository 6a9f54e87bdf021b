"""The whole pipeline: `miot run` of the smoke plan on the virtual rig, checked from the files it writes.

Runs once (about two minutes) in a subprocess, as a user runs it, into a temporary results root; every test
below reads that run's results.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.at import Direction, read_transcript
from harness.capture import capture_problem, pcap_table
from harness.plan import Case, load_plan
from harness.results import read_measurements, read_samples
from harness.rig import load_rig
from harness.virtual import expected_rtt_median_ms, parse_virtual_url
from harness.virtual.link import rtt_bounds_ms
from harness.virtual.module import BOOT_S
from harness.virtual.options import DEFAULT_ATTACH_S

CHECKOUT = Path(__file__).resolve().parents[2]
RIG = CHECKOUT / "fixtures/rigs/virtual.toml"
PLAN = CHECKOUT / "testplans/smoke.toml"
RUN_ID = "smoke-under-test"
RUN_TIMEOUT_S = 300  # issue 6: `make run` of the smoke plan in under 5 minutes
# The median of 20 probes through the link model lands within a few standard errors of the model's median
# (CE0: triangular jitter, SD of the median ~ 22 ms; CE1 ~ 67 ms); 10 % holds both with room to spare for
# the AT exchange's own milliseconds.
MEDIAN_TOLERANCE = 0.10
# A registration URC is read a few milliseconds after the virtual module sends it; 0.5 s leaves room for load.
ATTACH_TOLERANCE_S = 0.5
# The AT exchange and URC that tell the harness of an echo, on a loaded machine; and AT+QPING's echo size.
LATENCY_SLACK_MS = 500.0
PING_BYTES = 32
SUMMARY_METRICS = (
    "rtt_min_ms", "rtt_p50_ms", "rtt_p95_ms", "rtt_p99_ms", "rtt_max_ms", "jitter_ms", "loss_pct"
)  # fmt: skip


@dataclass(frozen=True)
class SmokeRun:
    returncode: int
    output: str
    run_dir: Path


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> SmokeRun:
    results = tmp_path_factory.mktemp("results")
    completed = subprocess.run(
        [sys.executable, "-m", "harness", "run", f"--results={results}", f"--run-id={RUN_ID}"],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    return SmokeRun(completed.returncode, completed.stdout + completed.stderr, results / RUN_ID)


def test_the_run_passes_and_prints_the_report_path(smoke: SmokeRun) -> None:
    assert smoke.returncode == 0, smoke.output
    assert f"miot: report: {smoke.run_dir / 'report.html'}" in smoke.output
    assert (smoke.run_dir.parent / "latest").resolve() == smoke.run_dir.resolve()


def echo_cases() -> list[Case]:
    return [case for case in load_plan(PLAN).cases if case.test == "test_udp_echo"]


def test_every_case_has_its_samples_and_kpis(smoke: SmokeRun) -> None:
    measurements = read_measurements(smoke.run_dir / "measurements.csv")
    for case in echo_cases():
        test_id = f"{case.id}@{case.modules[0]}"
        samples = read_samples(smoke.run_dir / "tests" / test_id / "samples-udp_echo.parquet")
        probes = int(case.params["probes"]) + int(case.params["warmup_probes"])
        assert len(samples) == probes
        assert samples.columns[0] == "t_s"
        assert samples["seq"].tolist() == list(range(probes))
        rows = measurements[measurements["test_id"] == test_id].set_index("metric")
        assert set(SUMMARY_METRICS) <= set(rows.index)
        for metric, limit in case.limits.items():
            assert rows.loc[metric, "high"] == limit.high
            assert rows.loc[metric, "outcome"] in {"pass", "marginal"}


def test_rtts_follow_the_configured_link_model(smoke: SmokeRun) -> None:
    """Every echo case, each payload size of the sweep apart, against the model's median for that size."""
    rig = {module.id: module for module in load_rig(RIG).modules}
    measurements = read_measurements(smoke.run_dir / "measurements.csv")
    measurements = measurements[measurements["metric"] == "rtt_p50_ms"].set_index("test_id")
    for case in echo_cases():
        module = rig[case.modules[0]]
        profile = parse_virtual_url(module.port).link
        expected_ms = expected_rtt_median_ms(profile, int(case.params["payload_bytes"]))
        measured_ms = measurements.loc[f"{case.id}@{module.id}", "value"]
        assert measured_ms == pytest.approx(expected_ms, rel=MEDIAN_TOLERANCE), (case.id, module.port)


def test_first_packet_and_ping_follow_the_configured_link_model(smoke: SmokeRun) -> None:
    """The first packet from idle pays rrc_setup_ms on top of a connected round trip, +CSCON: 1 comes
    rrc_setup_ms after the send, and the module's ping lies within the link's round-trip bounds."""
    rig = {module.id: module for module in load_rig(RIG).modules}
    for case in load_plan(PLAN).cases:
        if case.test not in {"test_first_packet", "test_ping"}:
            continue
        module = rig[case.modules[0]]
        profile = parse_virtual_url(module.port).link
        test_dir = smoke.run_dir / "tests" / f"{case.id}@{module.id}"
        if case.test == "test_ping":
            low_ms, high_ms = rtt_bounds_ms(profile, PING_BYTES)
            rtts = read_samples(test_dir / "samples-ping.parquet")["rtt_ms"]
            assert rtts.between(low_ms, high_ms + LATENCY_SLACK_MS).all(), rtts
            continue
        samples = read_samples(test_dir / "samples-first_packet.parquet")
        assert (samples["state"] == case.params["start"]).all(), samples
        low_ms, high_ms = rtt_bounds_ms(profile, int(case.params["payload_bytes"]))
        setup_ms = profile.rrc_setup_ms
        assert samples["rtt_ms"].between(low_ms + setup_ms, high_ms + setup_ms + LATENCY_SLACK_MS).all()
        assert samples["connected_after_ms"].between(setup_ms, setup_ms + LATENCY_SLACK_MS).all(), samples


def test_run_json_records_the_run_and_hashes_identities(smoke: SmokeRun) -> None:
    record = json.loads((smoke.run_dir / "run.json").read_text())
    assert record["outcome_counts"] == {"pass": len(load_plan(PLAN).cases)}
    assert record["ended_utc"] is not None
    assert len(record["plan"]["sha256"]) == len(record["rig"]["sha256"]) == 64
    modules = {m["module_id"]: m for m in record["modules"]}
    assert set(modules) == {"nb-ce0", "nb-ce1"}
    for module in modules.values():
        assert module["dialect"] == "quectel_nbiot"
        assert module["imei_hash"].startswith("h:")
    assert len({module["imei_hash"] for module in modules.values()}) == 2


def test_each_test_has_its_own_at_transcript(smoke: SmokeRun) -> None:
    for case in echo_cases():
        entries = read_transcript(smoke.run_dir / "tests" / f"{case.id}@{case.modules[0]}" / "at.log")
        sent = [entry.text for entry in entries if entry.direction is Direction.WRITTEN]
        assert any(text.startswith("AT+QISEND=") for text in sent)
        assert any(text.startswith("AT+QIOPEN=") for text in sent)


@pytest.mark.skipif(capture_problem() is not None, reason=f"live capture unavailable: {capture_problem()}")
def test_the_server_capture_holds_every_probe_and_echo(smoke: SmokeRun) -> None:
    for case in echo_cases():
        test_dir = smoke.run_dir / "tests" / f"{case.id}@{case.modules[0]}"
        samples = read_samples(test_dir / "samples-udp_echo.parquet")
        packets = pcap_table(test_dir / "capture-server.pcap")
        echoed = samples.loc[~samples["is_lost"], "seq"].tolist()
        # one probe towards the reflector and one echo back per answered probe
        assert sorted(packets["seq"].dropna().astype(int).tolist()) == sorted(echoed * 2)


def test_the_report_names_every_case(smoke: SmokeRun) -> None:
    report = (smoke.run_dir / "report.html").read_text()
    for case in load_plan(PLAN).cases:
        assert f"{case.id}@{case.modules[0]}" in report
    assert "KPI outcome" in report
    assert report.count("data:image/png") + report.count("image/png") >= 2


def test_access_cases_time_the_virtual_attach(smoke: SmokeRun) -> None:
    """The rig's modules register DEFAULT_ATTACH_S after CFUN=1, and BOOT_S later after a reset."""
    expected_s = {"cfun": DEFAULT_ATTACH_S, "reboot": BOOT_S + DEFAULT_ATTACH_S}
    for case in load_plan(PLAN).cases:
        if case.test != "test_attach":
            continue
        samples = read_samples(
            smoke.run_dir / "tests" / f"{case.id}@{case.modules[0]}" / "samples-attach.parquet"
        )
        assert len(samples) == case.params["cycles"]
        assert (samples["outcome"] == "registered").all()
        low_s = expected_s[str(case.params["start"])]
        assert samples["attach_time_s"].between(low_s, low_s + ATTACH_TOLERANCE_S).all(), samples

"""The cold and warm attach cases shipped in testplans/nbiot-capability.toml (issue 11 item 2, `prepare`), run
as a user runs them on the default virtual rig: both pass, and the cold one (the SIM's stored location deleted
before every attempt) measures the longer attach, the virtual module's full attach against its GUTI attach.

The run takes about 40 s: marked `scenarios`, run with MIOT_SCENARIOS=all (`make scenarios`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.plan import load_plan
from harness.results import read_measurements

CHECKOUT = Path(__file__).resolve().parents[1]
PLAN = CHECKOUT / "testplans" / "nbiot-capability.toml"
MODULE = "nb-ce0"  # one module of the default rig is enough to compare the two

IS_PLAN_RUN_ON = os.environ.get("MIOT_SCENARIOS") == "all"


def test_the_shipped_plan_prepares_one_case_cold_and_one_warm() -> None:
    prepared = {case.id: case.params.get("prepare") for case in load_plan(PLAN).cases}
    assert prepared["attach-cold"] == "cold"
    assert prepared["attach-warm"] == "warm"


@pytest.mark.scenarios
@pytest.mark.skipif(not IS_PLAN_RUN_ON, reason="a plan run: MIOT_SCENARIOS=all (make scenarios)")
def test_the_shipped_cold_attach_takes_longer_than_the_warm_one(tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable, "-m", "harness", "run", f"--plan={PLAN}", f"--results={tmp_path}", "--run-id=cw",
            "--", "-k", f"(attach-cold or attach-warm) and {MODULE}",
        ],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    rows = read_measurements(tmp_path / "cw" / "measurements.csv")
    p50 = rows[rows["metric"] == "attach_time_p50_s"].set_index("case_id")
    assert set(p50.index) == {"attach-cold", "attach-warm"}
    assert set(p50["outcome"]) == {"pass"}
    # the virtual module's full attach is twice its GUTI attach (harness.virtual.options COLD_ATTACH_FACTOR)
    assert p50.loc["attach-cold", "value"] > 1.5 * p50.loc["attach-warm", "value"]

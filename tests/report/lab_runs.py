"""Four runs with known figures, shared by the cross-run report's tests: two firmware releases of one
NB-IoT module at a Shanghai site (A05 twice, A06 once) and a Cat-1 module at a Beijing site."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from harness.metrics import Limit
from harness.results.run_record import SiteRecord
from tests.report.known_runs import KnownTest, module, write_run

NB_LIMITS = {
    "rtt_p95_ms": Limit(high=4000, marginal_high=3000),
    "loss_pct": Limit(high=1),
    "attach_time_p50_s": Limit(high=20),
}
CAT1_LIMITS = {"rtt_p95_ms": Limit(high=200)}
SHANGHAI = SiteRecord(name="lab-sh", lat_deg=31.2304, lon_deg=121.4737)
BEIJING = SiteRecord(name="lab-bj", lat_deg=39.9042, lon_deg=116.4074)
GOOD_NB_RADIO = {"rsrp_p50_dbm": -95.0, "sinr_p50_db": 5.0}  # indicators.md §2.1: good
GOOD_LTE_RADIO = {"rsrp_p50_dbm": -90.0, "sinr_p50_db": 20.0}  # §2.2 China Mobile: good


def nb_run(
    path: Path,
    *,
    firmware: str,
    rtt_p95_ms: float,
    loss_pct: float,
    attach_s: float | None,
    rtt_ms: list[float],
    day: int,
    radio: dict[str, float] = GOOD_NB_RADIO,
) -> Path:
    tests = [
        KnownTest(
            test_id="echo-64b@nb-1",
            module_id="nb-1",
            values={"rtt_p95_ms": rtt_p95_ms, "loss_pct": loss_pct, **radio},
            limits=NB_LIMITS,
            rtt_ms=rtt_ms,
        ),
        KnownTest(
            test_id="attach@nb-1", module_id="nb-1", values={"attach_time_p50_s": attach_s}, limits=NB_LIMITS
        ),
    ]
    modules = [module("nb-1", model="BC660K-GL", firmware=firmware, operator="CMCC")]
    started = datetime(2026, 11, day, 8, 0, tzinfo=UTC)
    return write_run(path, tests, modules=modules, site=SHANGHAI, started_utc=started)


def lab_runs(root: Path) -> list[Path]:
    cat1 = KnownTest(
        test_id="echo-64b@cat1-1",
        module_id="cat1-1",
        rat="cat1",
        values={"rtt_p95_ms": 80.0, **GOOD_LTE_RADIO},
        limits=CAT1_LIMITS,
    )
    cat1_module = module("cat1-1", model="ML307R", firmware="X1", operator="CUCC", rat="cat1")
    return [
        nb_run(
            root / "run-a",
            firmware="A05",
            rtt_p95_ms=1000,
            loss_pct=0,
            attach_s=10,
            rtt_ms=[100, 200, 300, 400],
            day=20,
        ),
        nb_run(
            root / "run-b",
            firmware="A06",
            rtt_p95_ms=3500,
            loss_pct=2,
            attach_s=None,
            rtt_ms=[1000, 2000],
            day=21,
        ),
        write_run(
            root / "run-c",
            [cat1],
            modules=[cat1_module],
            site=BEIJING,
            started_utc=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        ),
        nb_run(
            root / "run-d",
            firmware="A05",
            rtt_p95_ms=2000,
            loss_pct=0.5,
            attach_s=30,
            rtt_ms=[500, 600, 700, 800, 900, 1000],
            day=23,
        ),
    ]

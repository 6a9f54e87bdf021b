"""The per-run pytest-html report of a small virtual run, opened in headless Chromium (tests/browser.py):
it renders with no console errors and every case's plots are present and load.

The run: an uplink UDP stream through a virtual BC660K's AT socket, radio sampled every 0.5 s (its samples
carry RSRP and SINR, so the case has goodput-vs-radio plots beside its goodput series), and half a second
of the module's current on the virtual rail.
"""

from __future__ import annotations

from pathlib import Path

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
from browser import check_page, needs_browser

from .plan_tester import PlanTester

THROUGHPUT = Path(__file__).resolve().parents[2] / "testplans" / "test_throughput.py"
LINK = "attach_s=0.2&delay_ms=20&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&ul_kbps=50&seed=3"
RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&{LINK}"
    rat = "nbiot"
    [module.sim]
    operator = "00101"

    [[power]]
    id = "rail"
    analyzer = "virtual"
    channels = {{ nb-a = 1 }}
    sample_rate_hz = 200
"""
PLAN = """
    [[case]]
    id = "ul"
    test = "test_udp_stream"
    modules = ["nb-a"]
    params = { direction = "ul", payload_bytes = 256, rate_kbps = 40.0, packets = 60, drain_s = 1.0 }

    [[case]]
    id = "power"
    test = "test_current"
    modules = ["nb-a"]
"""
CURRENT = """

def test_current(case, power):
    import time

    with power.record():
        time.sleep(0.5)
"""
EXPECTED_IMAGES = {"ul-nb-a-goodput-series", "ul-nb-a-goodput-vs-rsrp", "power-nb-a-current"}


@needs_browser
def test_the_run_report_renders_without_console_errors_and_with_its_plots(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_tests(THROUGHPUT.read_text(encoding="utf-8") + CURRENT)
    plan_tester.run("--radio-every-s=0.5").assert_outcomes(passed=2)

    page = check_page(plan_tester.run_dir.report_html, wait_for="img[id]")

    assert page.console_errors == []
    assert set(page.images) >= EXPECTED_IMAGES, page.images
    assert all(page.images.values()), page.images

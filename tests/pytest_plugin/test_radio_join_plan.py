"""Radio readings on every engine's samples (issue 6 item 8), as a plan run meets them: each engine's samples
file, written through `evidence.write_samples` while the case's radio is sampled, carries `session_t_s` on
the module's AT session clock and the readings joined on it (harness/traffic/session_clock.py,
harness/results/radio.py).

The shipped procedures run where the plugin samples them (latency, throughput, uplink; iperf3 and the host
echo over a virtual RG255C's data interface when root and iperf3 are here). The engines whose procedures
turn sampling off (attach, grants, first packet, power save, eDRX reachability: their UART must stay quiet)
run from procedures written here without that marker, to show their samples join too.

What a sample must show: its session time lies where the case's readings were taken (a time on another
clock, e.g. the engine's own t_s or the bare monotonic clock, lands outside them or joins nothing), and it has
a reading at most two sampling intervals older (`radio_t_s`), except a sample from before the first reading.
The interval is 0.5 s, so two of them (1 s) cover an AT exchange held up on a loaded machine.
"""

from __future__ import annotations

import pandas as pd

# Imported before any in-process run, as in test_latency_plan.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types
import pytest

from harness import netns
from harness.results import read_samples
from harness.results.radio import READING_TIME_COLUMN, read_radio
from harness.server.iperf import iperf3_problem
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN

from .plan_tester import PlanTester

HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
EVERY_S = 0.5
TOLERANCE_S = 2 * EVERY_S  # harness.pytest_plugin.radio_sampling JOIN_TOLERANCE_INTERVALS
# a loaded machine may stamp the last sample a little after the last reading's interval
SLACK_S = 0.5
RSRP_DBM = -97
LINK = (
    f"rsrp={RSRP_DBM}&attach_s=0.1&delay_ms=20&jitter_ms=0&loss_pct=0&ul_kbps=40&dl_kbps=40"
    "&rrc_setup_ms=50&inactivity_s=0.3&timer_scale=0.05"
)
NB_RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?{LINK}"
    rat = "nbiot"
"""
SHIPPED = {
    "latency": """
        [[case]]
        id = "udp_echo"
        test = "test_udp_echo"
        params = { probes = 4, interval_s = 0.2, timeout_s = 5.0, warmup_probes = 0 }

        [[case]]
        id = "ping"
        test = "test_ping"
        params = { requests = 3, interval_s = 0.2, timeout_s = 2, warmup_requests = 0 }

        [[case]]
        id = "tcp_connect"
        test = "test_tcp_connect"
        params = { connects = 3, interval_s = 0.2, timeout_s = 5 }
    """,
    "throughput": """
        [[case]]
        id = "udp_stream"
        test = "test_udp_stream"
        params = { direction = "ul", payload_bytes = 200, rate_kbps = 30, duration_s = 1.5, drain_s = 1.0 }

        [[case]]
        id = "udp_stream_dl"
        test = "test_udp_stream"
        params = { direction = "dl", payload_bytes = 200, rate_kbps = 30, duration_s = 1.5, drain_s = 1.0 }

        [[case]]
        id = "tcp_stream"
        test = "test_tcp_stream"
        params = { direction = "ul", total_bytes = 6000, interval_s = 0.5, drain_s = 1.0, timeout_s = 20.0 }

        [[case]]
        id = "tcp_stream_dl"
        test = "test_tcp_stream"
        params = { direction = "dl", rate_kbps = 30, payload_bytes = 500, duration_s = 1.2, interval_s = 0.5 }
    """,
    "uplink": """
        [[case]]
        id = "uplink_reports"
        test = "test_periodic_reports"
        [case.params]
        reports = 2
        payload_bytes = 64
        interval_s = 1.0
        late_s = 2
        settle_timeout_s = 5
        drain_s = 2
        sleep = "idle"
        release = "network"

        [[case]]
        id = "uplink_saturation"
        test = "test_uplink_saturation"
        params = { payload_bytes = 200, rate_kbps = 60, packets = 20, drain_s = 1.0 }
    """,
}
# the case's samples files (engine names as the procedures write them) by case id
SAMPLES_FILES = {
    "iperf3": ["iperf3"],
    "host_echo": ["host_echo"],
    "udp_echo": ["udp_echo"],
    "ping": ["ping"],
    "tcp_connect": ["tcp_connect"],
    "udp_stream": ["udp_stream", "udp_stream_per_s"],
    "udp_stream_dl": ["udp_stream", "udp_stream_per_s"],
    "tcp_stream": ["tcp_stream"],
    "tcp_stream_dl": ["tcp_stream"],
    "uplink_reports": ["uplink_reports"],
    "uplink_saturation": ["uplink_saturation"],
}


def joined_samples(plan_tester: PlanTester, test_id: str, engine: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    test_dir = plan_tester.run_dir.path / "tests" / test_id
    return read_samples(test_dir / f"samples-{engine}.parquet"), read_radio(test_dir)


def assert_on_the_readings(samples: pd.DataFrame, readings: pd.DataFrame, where: str) -> None:
    """Every sample on the session clock among the readings, and joined to one unless it came first."""
    assert len(samples) > 0, where
    assert list(samples.columns[:2]) == ["t_s", SESSION_CLOCK_COLUMN], (where, list(samples.columns))
    session_t_s = samples[SESSION_CLOCK_COLUMN]
    first_s, last_s = readings["t_s"].min(), readings["t_s"].max()
    assert (session_t_s > first_s - TOLERANCE_S).all(), (where, first_s, samples)
    assert (session_t_s < last_s + EVERY_S + SLACK_S).all(), (where, last_s, samples)
    after_first = samples[session_t_s >= first_s]
    assert after_first[READING_TIME_COLUMN].notna().all(), (where, readings, after_first)
    assert (after_first[READING_TIME_COLUMN] <= after_first[SESSION_CLOCK_COLUMN]).all(), where
    assert after_first["sinr_db"].notna().all(), where  # a radio column no engine writes itself


HOST_RIG = """
    [[module]]
    id = "rc-a"
    port = "virtual://rg255c?rx=1&attach_s=0.1&delay_ms=10&jitter_ms=0&loss_pct=0&datapath=netns"
    rat = "redcap"
"""
HOST_PLANS = {
    "throughput": """
        [[case]]
        id = "iperf3"
        test = "test_iperf3"
        params = { direction = "dl", transport = "tcp", duration_s = 2.0 }
    """,
    "latency": """
        [[case]]
        id = "host_echo"
        test = "test_host_echo"
        params = { probes = 4, interval_s = 0.2, timeout_s = 5, warmup_probes = 0 }
    """,
}
HOST_PATH = pytest.mark.skipif(HOST_PATH_REASON is not None, reason=f"host data path: {HOST_PATH_REASON}")
RUNS = [
    *(pytest.param(family, NB_RIG, plan, "nb-a", id=family) for family, plan in SHIPPED.items()),
    *(
        pytest.param(family, HOST_RIG, plan, "rc-a", id=f"host-{family}", marks=HOST_PATH)
        for family, plan in HOST_PLANS.items()
    ),
]


@pytest.mark.parametrize(("family", "rig", "plan", "module"), RUNS)
def test_every_engine_the_plugin_samples_has_the_radio_on_its_samples(
    plan_tester: PlanTester, family: str, rig: str, plan: str, module: str
) -> None:
    plan_tester.write_rig(rig)
    plan_tester.write_plan(plan)
    plan_tester.write_family(family)

    result = plan_tester.run(f"--radio-every-s={EVERY_S}")

    case_ids = [part.split('"')[0] for part in plan.split('id = "')[1:]]
    result.assert_outcomes(passed=len(case_ids))
    for case_id in case_ids:
        for engine in SAMPLES_FILES[case_id]:
            samples, readings = joined_samples(plan_tester, f"{case_id}@{module}", engine)
            assert_on_the_readings(samples, readings, f"{case_id} {engine}")


UNSAMPLED_TESTS = """
    import pytest

    from harness.traffic.attach import AttachSpec, run_attach
    from harness.traffic.first_packet import FirstPacketSpec, run_first_packet
    from harness.traffic.grants import GrantSpec, run_grants


    @pytest.mark.procedure(spec=AttachSpec)
    def test_attach(case, registered_modem, evidence):
        evidence.write_samples("attach", run_attach(registered_modem, case.spec).samples)


    @pytest.mark.procedure(spec=GrantSpec)
    def test_granted_timers(case, registered_modem, evidence):
        evidence.write_samples("grants", run_grants(registered_modem, case.spec).samples)


    @pytest.mark.procedure(spec=FirstPacketSpec)
    def test_first_packet(case, registered_modem, echo_server, evidence):
        result = run_first_packet(registered_modem, echo_server.address, case.spec)
        evidence.write_samples("first_packet", result.samples)
"""
UNSAMPLED_PLAN = """
    [[case]]
    id = "attach"
    test = "test_attach"
    params = { cycles = 1, off_s = 0.05, attempt_timeout_s = 10.0 }

    [[case]]
    id = "grants"
    test = "test_granted_timers"
    params = { periodic_tau_s = 3600, active_time_s = 60, edrx_cycle_s = 20.48, off_s = 0.05 }

    [[case]]
    id = "first_packet"
    test = "test_first_packet"
    params = { start = "idle", attempts = 2, settle_timeout_s = 10.0, timeout_s = 5.0 }
"""


def test_engines_whose_procedures_turn_sampling_off_join_the_radio_when_it_is_sampled(
    plan_tester: PlanTester,
) -> None:
    """attach, grants and first_packet, from procedures without the shipped ones' radio_sampling(every_s=0)
    (power save and eDRX reachability: tests/traffic/test_power_save.py, test_edrx_reachability.py)."""
    plan_tester.write_rig(NB_RIG)
    plan_tester.write_plan(UNSAMPLED_PLAN)
    plan_tester.write_tests(UNSAMPLED_TESTS)

    result = plan_tester.run(f"--radio-every-s={EVERY_S}")

    result.assert_outcomes(passed=3)
    for engine in ("attach", "grants", "first_packet"):
        samples, readings = joined_samples(plan_tester, f"{engine}@nb-a", engine)
        assert_on_the_readings(samples, readings, engine)

"""The throughput procedures (testplans/test_throughput.py) run as a plan, in pytester, on virtual modules:
each case writes its samples and per-second series, and the goodput it measures is the rate the virtual
radio is configured with, less the headers the link counts, within a few percent.

Expected figures come from the virtual profiles (harness.virtual.profiles), never typed: BC660K at CE0 with
its NB-IoT rates; RG255C with one receive antenna (redcap_1rx) and a second ML307R at their RedCap and
Cat-1 rates, through the host data interface (tbf counts Ethernet frames: UDP B / (B + 42), TCP
1448 / 1514 with timestamps on a 1500-byte MTU, as bench_throughput states). The ML307R's Cat-1 rates
(5-10 Mbit/s) are above what an AT socket carries (each datagram is one AT exchange; about 1.7 Mbit/s
here), so the AT-socket ML307R sets its link rate in the URL to CAT1_AT_KBPS, and the expected figure
follows that. The virtual air counts IPv4 + UDP headers (harness.virtual.link): goodput = rate x B /
(B + 28).
Tolerances, stated: whole-run goodput within 3 % (UDP) and 5 % (TCP: slow start and the receive window at
80 Mbit/s on a loaded 2-core machine); iperf3 leaves its first second out (--omit: a 2 s UDP uplink at 1.2x
without it read 1.9 % low, the tbf queue filling); measured here within 0.1 % of the expected figures. The
mean of the per-second series is within 3 % plus one datagram over the bins (a bin holds whole
datagrams). Offers above the link (1.5x through AT sockets, 1.2x for UDP iperf3) make the link, not the
pacer, set the rate. Jitter is 0: jittered arrivals move the first and last packet of a 3 s run by several
%. The host-path cases need root and iperf3 and skip with the reason otherwise.
"""

from __future__ import annotations

from pathlib import Path

# Imported before any in-process run, as in test_power_fixture.py: pytester restores sys.modules after each
# run, and pyarrow refuses to register pandas' extension types a second time.
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest

from harness import netns
from harness.dialects import rig_connection_problems
from harness.plan import load_plan, plan_rig_problems
from harness.rat import Rat
from harness.results import read_samples
from harness.rig import load_rig
from harness.server.iperf import iperf3_problem
from harness.traffic import Iperf3Spec, UdpStreamSpec
from harness.virtual.link import IPV4_UDP_HEADER_BYTES
from harness.virtual.profiles import CAT1, NBIOT, REDCAP_1RX

from .plan_tester import PlanTester

PROCEDURES = Path(__file__).resolve().parents[2] / "testplans" / "test_throughput.py"
HOST_PATH_REASON = iperf3_problem() or netns.missing_net_admin()
# 4 %: AT-socket streams are paced by the host's scheduler; on this 2-core machine with the suite's workers
# and other jobs the Cat-1 uplink came 3.6 % short once (281 of 292 kbit/s), 0.5-2 % otherwise
UDP_TOLERANCE = 0.04
TCP_TOLERANCE = 0.05
CAT1_AT_KBPS = 300.0
NB_UL_BYTES, NB_DL_BYTES, CAT1_BYTES, IPERF3_UDP_BYTES = 512, 128, 1000, 1400
ETHERNET_IPV4_UDP_BYTES = 14 + 20 + 8
TCP_SHARE = 1448 / (1448 + 32 + 20 + 14)
QUIET = "attach_s=0.2&delay_ms=20&jitter_ms=0&rrc_setup_ms=0&loss_pct=0&seed=3"
NB, C1, RC = NBIOT.links[0], CAT1.links[0], REDCAP_1RX.links[0]


def at_socket_kbps(link_kbps: float, payload_bytes: int) -> float:
    return link_kbps * payload_bytes / (payload_bytes + IPV4_UDP_HEADER_BYTES)


def udp_host_kbps(link_kbps: float) -> float:
    return link_kbps * IPERF3_UDP_BYTES / (IPERF3_UDP_BYTES + ETHERNET_IPV4_UDP_BYTES)


# case id -> (module, metric direction, expected goodput kbit/s, tolerance, datagram bytes or None for TCP)
EXPECTED = {
    "nb-ul@nb-a": ("ul", at_socket_kbps(NB.ul_kbps, NB_UL_BYTES), UDP_TOLERANCE, NB_UL_BYTES),
    "nb-dl@nb-a": ("dl", at_socket_kbps(NB.dl_kbps, NB_DL_BYTES), UDP_TOLERANCE, NB_DL_BYTES),
    "cat-ul@cat-a": ("ul", at_socket_kbps(CAT1_AT_KBPS, CAT1_BYTES), UDP_TOLERANCE, CAT1_BYTES),
    "cat-dl@cat-a": ("dl", at_socket_kbps(CAT1_AT_KBPS, CAT1_BYTES), UDP_TOLERANCE, CAT1_BYTES),
    "rc-ul-udp@rc-a": ("ul", udp_host_kbps(RC.ul_kbps), UDP_TOLERANCE, IPERF3_UDP_BYTES),
    "rc-dl-udp@rc-a": ("dl", udp_host_kbps(RC.dl_kbps), UDP_TOLERANCE, IPERF3_UDP_BYTES),
    "rc-ul-tcp@rc-a": ("ul", RC.ul_kbps * TCP_SHARE, TCP_TOLERANCE, None),
    "rc-dl-tcp@rc-a": ("dl", RC.dl_kbps * TCP_SHARE, TCP_TOLERANCE, None),
    "catb-ul-udp@cat-b": ("ul", udp_host_kbps(C1.ul_kbps), UDP_TOLERANCE, IPERF3_UDP_BYTES),
    "catb-dl-tcp@cat-b": ("dl", C1.dl_kbps * TCP_SHARE, TCP_TOLERANCE, None),
}
HOST_PATH_MODULES = ("rc-a", "cat-b")


def case(case_id: str, test: str, module: str, **params: object) -> str:
    """One [[case]] on one module, with the plan's own limit on its goodput: the expected figure within
    the tolerance."""
    d, expected, tolerance, _ = EXPECTED[f"{case_id}@{module}"]
    low, high = expected * (1 - tolerance), expected * (1 + tolerance)
    lines = [
        "[[case]]",
        f'id = "{case_id}"',
        f'test = "{test}"',
        f'modules = ["{module}"]',
        f"limits.{d}_goodput_kbps = {{ low = {low}, high = {high} }}",
        "[case.params]",
        *(f"{name} = {value!r}".replace("'", '"') for name, value in params.items()),
    ]
    return "\n".join(lines) + "\n\n"


RIG = f"""
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0&{QUIET}"
    rat = "nbiot"

    [[module]]
    id = "cat-a"
    port = "virtual://ml307r?{QUIET}&ul_kbps={CAT1_AT_KBPS:g}&dl_kbps={CAT1_AT_KBPS:g}"
    rat = "cat1"

    [[module]]
    id = "cat-b"
    port = "virtual://ml307r?{QUIET}{"" if HOST_PATH_REASON else "&datapath=netns"}"
    rat = "cat1"

    [[module]]
    id = "rc-a"
    port = "virtual://rg255c?rx=1&{QUIET}{"" if HOST_PATH_REASON else "&datapath=netns"}"
    rat = "redcap"
"""
STREAM = "test_udp_stream"
PLAN = (
    case("nb-ul", STREAM, "nb-a", direction="ul", payload_bytes=NB_UL_BYTES, rate_kbps=1.5 * NB.ul_kbps,
         packets=40, drain_s=1.0)
    + case("nb-dl", STREAM, "nb-a", direction="dl", payload_bytes=NB_DL_BYTES, rate_kbps=1.5 * NB.dl_kbps,
           duration_s=2.0, drain_s=1.0)
    + case("cat-ul", STREAM, "cat-a", direction="ul", payload_bytes=CAT1_BYTES, rate_kbps=1.5 * CAT1_AT_KBPS,
           packets=60, drain_s=1.0)
    + case("cat-dl", STREAM, "cat-a", direction="dl", payload_bytes=CAT1_BYTES, rate_kbps=1.5 * CAT1_AT_KBPS,
           duration_s=2.0, drain_s=1.0)
    + case("rc-ul-udp", "test_iperf3", "rc-a", direction="ul", transport="udp",
           rate_kbps=1.2 * RC.ul_kbps, duration_s=2.0, omit_s=1)
    + case("rc-dl-udp", "test_iperf3", "rc-a", direction="dl", transport="udp",
           rate_kbps=1.2 * RC.dl_kbps, duration_s=2.0, omit_s=1)
    + case("rc-ul-tcp", "test_iperf3", "rc-a", direction="ul", transport="tcp", duration_s=2.0, omit_s=1)
    + case("rc-dl-tcp", "test_iperf3", "rc-a", direction="dl", transport="tcp", duration_s=2.0, omit_s=1)
    + case("catb-ul-udp", "test_iperf3", "cat-b", direction="ul", transport="udp",
           rate_kbps=1.2 * C1.ul_kbps, duration_s=2.0, omit_s=1)
    + case("catb-dl-tcp", "test_iperf3", "cat-b", direction="dl", transport="tcp", duration_s=2.0, omit_s=1)
)  # fmt: skip


def test_the_throughput_plan_measures_the_virtual_radios_rates(
    plan_tester: PlanTester, rate_measurement_slot: None
) -> None:
    plan_tester.write_rig(RIG)
    plan_tester.write_plan(PLAN)
    plan_tester.write_family("throughput")

    result = plan_tester.run("-rs")

    if HOST_PATH_REASON is None:
        result.assert_outcomes(passed=10)
    else:
        result.assert_outcomes(passed=4, skipped=6)
        result.stdout.fnmatch_lines(["*module rc-a: the rig describes no host data path*"])
    rows = plan_tester.measurements().set_index(["test_id", "metric"])
    tests_dir = plan_tester.run_dir.path / "tests"
    for test_id, (d, expected, tolerance, datagram_bytes) in EXPECTED.items():
        if test_id.split("@")[1] in HOST_PATH_MODULES and HOST_PATH_REASON is not None:
            continue
        goodput = rows.loc[(test_id, f"{d}_goodput_kbps")]
        assert goodput["outcome"] == "pass", (test_id, goodput["value"], expected)
        assert goodput["value"] == pytest.approx(expected, rel=tolerance), test_id
        engine = "iperf3" if test_id.split("@")[1] in HOST_PATH_MODULES else "udp_stream_per_s"
        series = read_samples(tests_dir / test_id / f"samples-{engine}.parquet")
        assert len(series) >= 1, test_id
        mean = rows.loc[(test_id, f"{d}_goodput_mean_kbps"), "value"]
        peak = rows.loc[(test_id, f"{d}_goodput_max_kbps"), "value"]
        assert peak >= mean >= rows.loc[(test_id, f"{d}_goodput_p10_kbps"), "value"], test_id
        one_datagram_kbps = 0.0 if datagram_bytes is None else datagram_bytes * 8 / 1000
        assert abs(mean - expected) <= expected * tolerance + one_datagram_kbps / len(series), test_id
    assert read_samples(tests_dir / "nb-ul@nb-a" / "samples-udp_stream.parquet")["seq"].tolist() == list(
        range(40)
    )


def test_iperf3_skips_naming_why_a_module_has_no_host_data_path(plan_tester: PlanTester) -> None:
    plan_tester.write_rig(
        f"""
        [[module]]
        id = "nb-a"
        port = "virtual://bc660k?{QUIET}"
        rat = "nbiot"

        [[module]]
        id = "rc-a"
        port = "virtual://rg255c?{QUIET}"
        rat = "redcap"
        """
    )
    plan_tester.write_plan(
        """
        [[case]]
        id = "iperf3"
        test = "test_iperf3"
        params = { duration_s = 1.0 }
        limits.ul_goodput_kbps = { low = 1 }
        """
    )
    plan_tester.write_family("throughput")

    result = plan_tester.run("-rs")

    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines_random(
        [
            "*module nb-a has no host data interface its dialect can bring up*",
            "*module rc-a: the rig describes no host data path to a test server*",
        ]
    )


def test_the_throughput_plan_file_fits_its_virtual_rig_and_the_procedures_specs() -> None:
    checkout = PROCEDURES.parents[1]
    plan = load_plan(checkout / "testplans" / "throughput.toml")
    rig = load_rig(checkout / "fixtures" / "rigs" / "virtual-throughput.toml")
    assert plan_rig_problems(plan, rig) == []
    if netns.missing_net_admin() is None:  # datapath=netns is refused, saying why, where it cannot be built
        assert rig_connection_problems(rig) == []
    specs = {"test_udp_stream": UdpStreamSpec, "test_iperf3": Iperf3Spec}
    for case in plan.cases:
        plan.build_params(case, specs[case.test])  # raises InputError naming the case's bad param
    assert {case.test for case in plan.cases} == set(specs)
    assert {rat for case in plan.cases for rat in case.rats or ()} == {Rat.NB_IOT, Rat.CAT1, Rat.REDCAP}

"""harness.virtual.faults: the fault vocabulary read from a virtual:// URL (the rig) and from a control
request (a test during a run): kinds, defaults, optional parameters, at_s and duration_s, mistakes named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import UrlError
from harness.virtual.faults import KINDS, Fault, FaultKind, fault_from_request, read_url_faults, urc_line
from harness.virtual.option_reader import OptionReader
from harness.virtual.options import parse_virtual_url


def url_faults(query: str) -> tuple[Fault, ...]:
    reader = OptionReader("virtual://bc660k", query)
    faults = read_url_faults(reader)
    reader.reject_unknown()
    return faults


def test_a_url_without_faults_has_none() -> None:
    assert url_faults("") == ()
    assert parse_virtual_url("virtual://bc660k?ce=1").faults == ()


def test_url_faults_take_defaults_and_what_differs() -> None:
    slow, reboot = url_faults("faults=slow_response,reboot&slow_response.delay_s=3&reboot.at_s=30")
    assert (slow.kind, dict(slow.parameters), slow.at_s, slow.duration_s) == (
        FaultKind.SLOW_RESPONSE,
        {"delay_s": 3.0},
        0.0,
        None,
    )
    assert (reboot.kind, dict(reboot.parameters), reboot.at_s) == (FaultKind.REBOOT, {}, 30.0)


def test_optional_parameters_are_absent_unless_given() -> None:
    (storm,) = url_faults("faults=urc_storm")
    assert dict(storm.parameters) == {"rate_hz": 200.0}
    (storm,) = url_faults("faults=urc_storm&urc_storm.line=%2BCSCON: 1")
    assert storm.text("line") == "+CSCON: 1"
    (closed,) = url_faults("faults=socket_closed&socket_closed.connect_id=2")
    assert closed.number("connect_id") == 2


def test_the_url_reaches_module_options() -> None:
    options = parse_virtual_url("virtual://ml307r?faults=sim_removed&sim_removed.duration_s=5")
    assert [(fault.kind, fault.duration_s) for fault in options.faults] == [(FaultKind.SIM_REMOVED, 5.0)]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("faults=melt", "unknown fault 'melt'"),
        ("faults=reboot,reboot", "names reboot twice"),
        ("faults=slow_response&slow_response.delay_s=0", "slow_response.delay_s"),
        ("faults=registration_lost&registration_lost.stat=1", "registration_lost.stat"),
        ("faults=reboot&reboot.duration_s=3", "reboot.duration_s"),  # a reboot happens once: no duration
        ("faults=garbage&slow_response.delay_s=3", "slow_response.delay_s"),  # a parameter of no listed fault
    ],
)
def test_url_mistakes_are_url_errors_naming_them(query: str, named: str) -> None:
    with pytest.raises(UrlError, match=named.replace(".", r"\.")):
        parse_virtual_url(f"virtual://bc660k?{query}")


def test_a_control_request_is_read_like_the_url() -> None:
    fault = fault_from_request({"kind": "garbage", "chance_pct": 25, "max_bytes": "4", "duration_s": 2})
    assert fault == Fault(
        kind=FaultKind.GARBAGE, parameters={"chance_pct": 25.0, "max_bytes": 4}, at_s=0.0, duration_s=2.0
    )


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({}, "needs a kind"),
        ({"kind": "melt"}, "unknown fault 'melt'"),
        ({"kind": "reboot", "delay_s": 1}, "has no parameter 'delay_s'"),
        ({"kind": "wake_loss", "lost": "word"}, "wake_loss.lost"),
        ({"kind": "slow_response", "delay_s": True}, "must be a number or text"),
        ({"kind": "urc_storm", "line": "RDY"}, "urc_storm.line"),
    ],
)
def test_control_mistakes_are_value_errors_naming_them(request_: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        fault_from_request(request_)


@pytest.mark.parametrize("text", ["+CEREG: 1", '+QIURC: "closed",0', "+C5GREG: 2"])
def test_a_storm_line_is_one_printable_urc(text: str) -> None:
    assert urc_line(text) == text


@pytest.mark.parametrize("text", ["OK", "+CEREG: 1\r\nOK", "+CEREG: \x00", "+" + "A" * 300 + ": 1"])
def test_a_storm_line_that_is_not_one_urc_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="one printable line"):
        urc_line(text)


@given(
    kind=st.sampled_from(list(FaultKind)), at_s=st.floats(0.0, 1000.0), duration_s=st.floats(0.001, 1000.0)
)
def test_what_status_shows_of_a_fault_reads_back_as_the_same_fault(
    kind: FaultKind, at_s: float, duration_s: float
) -> None:
    lasting = {"duration_s": duration_s} if KINDS[kind].is_lasting else {}
    request = {"kind": str(kind), "at_s": at_s, **lasting}
    fault = fault_from_request(request)
    shown = {name: value for name, value in fault.describe().items() if value is not None}
    assert fault_from_request(shown) == fault

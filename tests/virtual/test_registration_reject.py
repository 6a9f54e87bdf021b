"""harness.virtual.registration_reject: a network that rejects registration with an EMM cause, set in the URL
or by the control op "network", and the module's <stat> 3, cause fields and back-off as seen on its port.
Layouts: 27.007 §10.1.22 (cellular-iot.md §1.1); back-off: indicators.md §1.5. Timers run at timer_scale."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.emm_causes import T3402_S, T3411_S, backoff_s, reject_cause
from harness.errors import UrlError
from harness.transport import open_port
from harness.virtual.network_policy import NetworkPolicy
from harness.virtual.registration_reject import RejectingNetwork

from .conftest import StartModule, Terminal, control

FAST = "echo=0&attach_s=0.05&delay_ms=1&jitter_ms=0&rrc_setup_ms=0&inactivity_s=0.3"
LOCATION = '"1A2B","0123ABCD",9'


def cycle(terminal: Terminal, *, n: int = 3) -> None:
    """Report mode `n`, then a CFUN cycle: the attempt the test watches starts at CFUN=1."""
    assert terminal.lines(f"AT+CEREG={n}") == ["OK"]
    assert terminal.lines("AT+CFUN=0") == ["OK"]
    terminal.read_until(b"\r\n+CEREG: 0\r\n")
    assert terminal.lines("AT+CFUN=1") == ["OK"]


def urc_times(terminal: Terminal, lines: list[str], *, timeout_s: float = 5.0) -> list[float]:
    """Wait for each URC in order; the time each arrived."""
    times = []
    for line in lines:
        terminal.read_until(f"\r\n{line}\r\n".encode(), timeout_s=timeout_s)
        times.append(time.monotonic())
    return times


def test_a_permanent_cause_keeps_the_module_out_until_a_cfun_cycle(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&reject=7&timer_scale=0.01")
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,7"])
    # T3411 at this scale is 0.1 s: a module that retried would have searched again by now
    assert b"+CEREG" not in terminal.collect(T3411_S * 0.01 * 5)
    assert terminal.lines("AT+CEREG?") == ["+CEREG: 3,3,,,,0,7", "OK"]  # BC660K: no location unregistered
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,7"])


def test_a_reject_limited_to_some_attempts_lets_the_next_cycle_register(start_module: StartModule) -> None:
    # the boot's attempt is accepted (after=1), the next one rejected, the one after accepted again
    terminal = start_module(f"{FAST}&reject=8&reject.after=1&reject.attempts=1")
    terminal.wait_registered()
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,8"])
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 1,{LOCATION}"])


def test_a_temporary_cause_is_retried_after_t3411(start_module: StartModule) -> None:
    scale = 0.03  # T3411 runs 0.3 s
    terminal = start_module(f"{FAST}&reject=17&reject.after=1&reject.attempts=2&timer_scale={scale}")
    terminal.wait_registered()
    cycle(terminal)
    rejected = f"+CEREG: 3,{LOCATION},0,17"
    times = urc_times(terminal, ["+CEREG: 2", rejected, "+CEREG: 2", rejected, "+CEREG: 2"])
    terminal.read_until(f"\r\n+CEREG: 1,{LOCATION}\r\n".encode())
    for reject_t, retry_t in ((times[1], times[2]), (times[3], times[4])):
        assert retry_t - reject_t >= T3411_S * scale * 0.8  # URC reading jitter, never an early retry


def test_congestion_waits_the_t3346_the_network_sent(start_module: StartModule) -> None:
    scale = 0.01  # T3346 of 50 s runs 0.5 s, T3411 0.1 s
    terminal = start_module(f"{FAST}&reject=22&reject.t3346_s=50&reject.after=1&timer_scale={scale}")
    terminal.wait_registered()
    cycle(terminal)
    times = urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,22", "+CEREG: 2"])
    assert times[2] - times[1] >= 50 * scale * 0.8


def test_the_fifth_failure_backs_off_t3402(start_module: StartModule) -> None:
    scale = 0.001  # T3411 runs 10 ms, T3402 0.72 s
    terminal = start_module(f"{FAST}&reject=17&reject.after=1&timer_scale={scale}")
    terminal.wait_registered()
    cycle(terminal, n=1)
    times = urc_times(terminal, ["+CEREG: 2", "+CEREG: 3"] * 6, timeout_s=10.0)
    gaps = [times[i + 1] - times[i] for i in range(1, len(times) - 1, 2)]  # reject -> next search
    assert max(gaps[:4]) < T3402_S * scale / 2
    assert gaps[4] >= T3402_S * scale * 0.8


@pytest.mark.parametrize(
    ("model", "location"),
    [
        ("bc660k", ",,"),  # [S5] §4.1: the read form's location only while registered
        ("ml307r", None),  # 27.007: "if available"; the cell that rejected it is
    ],
)
def test_read_forms_show_the_cause_at_n3_and_n5_only(
    start_module: StartModule, model: str, location: str | None
) -> None:
    terminal = start_module(f"{FAST}&reject=15&reject.after=1", model=model)
    terminal.wait_registered()
    registered = terminal.lines("AT+CEREG=2;+CEREG?")[0]
    location = location or registered.removeprefix("+CEREG: 2,1,")
    cycle(terminal, n=1)
    urc_times(terminal, ["+CEREG: 2", "+CEREG: 3"])
    expected = {
        1: "+CEREG: 1,3",
        2: "+CEREG: 2,3" + ("" if location == ",," else f",{location}"),
        3: f"+CEREG: 3,3,{location},0,15",
        4: "+CEREG: 4,3" + ("" if location == ",," else f",{location}"),
        5: f"+CEREG: 5,3,{location},0,15",
    }
    for n, line in expected.items():
        assert terminal.lines(f"AT+CEREG={n};+CEREG?") == [line, "OK"]


def test_a_reject_set_by_control_applies_to_the_next_attempt_and_clears(start_module: StartModule) -> None:
    terminal = start_module(FAST)
    terminal.wait_registered()
    status = control(terminal.port, {"op": "network", "reject": 15, "reject.attempts": 1})
    assert status["stat"] == 1  # a registered module is not thrown out
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,15"])
    assert control(terminal.port, {"op": "status"})["reject_cause"] == 15
    marks = control(terminal.port, {"op": "timeline"})["marks"]
    assert isinstance(marks, list)
    assert [(m["name"], m["cause"], m["retry_after_s"]) for m in marks] == [
        ("registration_rejected", 15, None)
    ]
    control(terminal.port, {"op": "network", "reject": 15})  # a new policy: its count starts again
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 3,{LOCATION},0,15"])
    control(terminal.port, {"op": "network", "reject": None})
    cycle(terminal)
    urc_times(terminal, ["+CEREG: 2", f"+CEREG: 1,{LOCATION}"])


def test_rg255c_reports_the_reject_in_c5greg(start_module: StartModule) -> None:
    terminal = start_module(f"{FAST}&reject=7&reject.after=1", model="rg255c")
    deadline_s = time.monotonic() + 5
    while "+C5GREG: 0,1" not in terminal.lines("AT+C5GREG?"):
        assert time.monotonic() < deadline_s
        time.sleep(0.05)
    assert terminal.lines("AT+C5GREG=3") == ["OK"]
    assert terminal.lines("AT+CFUN=0") == ["OK"]
    terminal.read_until(b"\r\n+C5GREG: 0\r\n")
    assert terminal.lines("AT+CFUN=1") == ["OK"]
    line = terminal.read_until(b",0,7\r\n").decode().strip().splitlines()[-1]
    assert line.startswith("+C5GREG: 3,")
    assert line.count(",") == 7  # tac, ci, AcT, NSSAI length and NSSAI, then the two cause fields


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("reject=0", "option reject"),
        ("reject=7&reject.attempts=0", "reject.attempts"),
        ("reject=x", "reject"),
    ],
)
def test_a_bad_reject_option_names_itself(query: str, named: str) -> None:
    with pytest.raises(UrlError, match=named):
        open_port(f"virtual://bc660k?{query}")


@given(
    cause=st.integers(1, 255),
    after=st.integers(0, 5),
    attempts=st.none() | st.integers(1, 8),
    scale=st.sampled_from([0.01, 1.0]),
)
def test_the_network_rejects_the_attempts_its_policy_names_with_the_cause_s_back_off(
    cause: int, after: int, attempts: int | None, scale: float
) -> None:
    policy = NetworkPolicy(reject_cause=cause, reject_after=after, reject_attempts=attempts)
    network = RejectingNetwork(timer_scale=scale)
    answers = [network.answer(policy) for _ in range(after + 10)]
    rejected = [index for index, answer in enumerate(answers) if answer is not None]
    last = after + 10 if attempts is None else after + attempts
    assert rejected == list(range(after, min(last, after + 10)))
    retried = reject_cause(cause).is_retried
    for count, index in enumerate(rejected, start=1):
        answer = answers[index]
        assert answer is not None
        assert answer.cause == cause
        wait_s = backoff_s(reject_cause(cause), failed_attempts=(count - 1) % 5 + 1, t3346_s=None)
        assert answer.retry_after_s == (None if wait_s is None else wait_s * scale)
        assert (answer.retry_after_s is not None) is retried

"""harness.virtual.idle_mode: PSM after T3324, wake on uplink data or at T3412 (a periodic TAU), eDRX paging
time windows, and the downlink the network holds meanwhile, seen as the harness sees a module: a Modem
(harness.dialects.quectel_nbiot on a virtual BC660K), its AT session, a UDP server of the test and the
module's control channel; and the paging occasion arithmetic on its own. Timers are short (seconds, or
timer_scale) so each test takes a few seconds; every wait has a deadline."""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.at import Urc
from harness.dialects import ModemLink, ModuleSocket
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.errors import ATTimeout
from harness.virtual.event_loop import EventLoop
from harness.virtual.idle_mode import IdleEvents, IdleMode, IdleTimers

from .conftest import OpenLink, control, wait_for_state

# fast link, short inactivity: a connection ends 0.3 s after the air was last used
FAST = "attach_s=0&delay_ms=5&jitter_ms=0&rrc_setup_ms=50&loss_pct=0&inactivity_s=0.3&qsclk=0"
URC_TIMEOUT_S = 10.0
PROBE = b"downlink probe"


def bc660k(open_link: OpenLink, query: str = FAST) -> tuple[ModemLink, QuectelNbiotModem]:
    link = open_link(f"virtual://bc660k?{query}")
    modem = link.modem
    assert isinstance(modem, QuectelNbiotModem)
    modem.attach(None, timeout_s=10)
    link.session.send("AT+QNBIOTEVENT=1,1")
    link.session.send("AT+CSCON=1")
    return link, modem


def open_socket(modem: QuectelNbiotModem, server: socket.socket) -> tuple[ModuleSocket, tuple[str, int]]:
    """A module socket and the module's address as the server sees it (from a first datagram)."""
    sock = modem.open_udp(*server.getsockname())
    sock.send(b"hello")
    data, address = server.recvfrom(2048)
    assert data == b"hello"
    return sock, address


def psm_event(link: ModemLink, event: str) -> Urc:
    return link.session.wait_for_urc(
        "+QNBIOTEVENT", timeout_s=URC_TIMEOUT_S, match=lambda urc: event in urc.line, since_s=0.0
    )


def test_psm_after_t3324_holds_downlink_until_the_next_uplink(
    open_link: OpenLink, server: socket.socket
) -> None:
    link, modem = bc660k(open_link)
    modem.set_psm(periodic_tau_s=3600, active_time_s=2)
    sock, address = open_socket(modem, server)
    released = link.session.wait_for_urc(
        "+CSCON", timeout_s=URC_TIMEOUT_S, match=lambda u: u.line.endswith("0")
    )
    entered = psm_event(link, "ENTER PSM")
    # T3324 runs from the release: 2 s (never early; the slack is for a loaded machine)
    assert 2.0 <= entered.t_s - released.t_s < 4.0
    assert wait_for_state(link.port, "psm")["is_in_psm"] is True
    server.sendto(PROBE, address)
    assert sock.receive(1.0) is None  # unreachable: the network holds it
    assert control(link.port, {"op": "status"})["held_dl_count"] == 1
    sock.send(b"wake up")  # uplink data wakes the module; the network delivers what it held
    psm_event(link, "EXIT PSM")
    datagram = sock.receive(5.0)
    assert datagram is not None
    assert datagram.data == PROBE
    assert server.recvfrom(2048)[0] == b"wake up"


def test_periodic_tau_wakes_the_module_and_delivers_what_was_held(
    open_link: OpenLink, server: socket.socket
) -> None:
    link, modem = bc660k(open_link)
    modem.set_psm(periodic_tau_s=4, active_time_s=0)  # PSM at release, a TAU every 4 s (unit 2 s)
    sock, address = open_socket(modem, server)
    entered = psm_event(link, "ENTER PSM")
    server.sendto(PROBE, address)
    woken = link.session.wait_for_urc(
        "+QNBIOTEVENT", timeout_s=URC_TIMEOUT_S, match=lambda u: "EXIT" in u.line, since_s=entered.t_s
    )
    assert 3.5 <= woken.t_s - entered.t_s < 7.0  # T3412 (4 s) from the release, which came just before
    datagram = sock.receive(5.0)
    assert datagram is not None
    assert datagram.data == PROBE
    assert datagram.t_s >= woken.t_s
    # the TAU is a short connection, then PSM again
    psm_event_after = link.session.wait_for_urc(
        "+QNBIOTEVENT", timeout_s=URC_TIMEOUT_S, match=lambda u: "ENTER" in u.line, since_s=woken.t_s
    )
    assert psm_event_after.t_s > woken.t_s


def test_downlink_beyond_the_buffer_limit_is_dropped(open_link: OpenLink, server: socket.socket) -> None:
    link, modem = bc660k(open_link, f"{FAST}&dl_buffer_count=2")
    modem.set_psm(periodic_tau_s=3600, active_time_s=0)
    sock, address = open_socket(modem, server)
    psm_event(link, "ENTER PSM")
    for index in range(4):
        server.sendto(b"probe %d" % index, address)
    deadline_s = time.monotonic() + 5.0
    while (status := control(link.port, {"op": "status"}))["dropped_dl_count"] < 2:
        assert time.monotonic() < deadline_s, status
        time.sleep(0.02)
    assert status["held_dl_count"] == 2
    sock.send(b"wake up")
    received = [sock.receive(5.0) for _ in range(2)]
    assert [datagram.data for datagram in received if datagram is not None] == [b"probe 0", b"probe 1"]
    assert sock.receive(0.5) is None


def test_edrx_holds_downlink_until_the_next_paging_time_window(
    open_link: OpenLink, server: socket.socket
) -> None:
    # timer_scale 0.1: the 20.48 s cycle takes 2.048 s, the 2.56 s PTW 0.256 s, the paging cycle 0.256 s
    link, modem = bc660k(open_link, f"{FAST}&timer_scale=0.1")
    requested = modem.set_edrx(20.48, ptw_s=2.56)
    assert (requested.requested_edrx_s, requested.ptw_s) == (20.48, 2.56)
    granted = modem.edrx()
    assert (granted.act_type, granted.nw_edrx_s, granted.ptw_s) == (5, 20.48, 2.56)
    sock, address = open_socket(modem, server)
    status = wait_for_state(link.port, "idle")
    paging_s = status["next_paging_occasion_s"]
    assert isinstance(paging_s, float)
    # what a power rail draws by, as the module runs it
    assert (status["timer_scale"], status["paging_cycle_s"]) == (0.1, pytest.approx(0.256))
    edrx = status["edrx"]
    assert isinstance(edrx, dict)
    assert (edrx["cycle_s"], edrx["ptw_s"]) == (pytest.approx(2.048), pytest.approx(0.256))
    assert edrx["window_start_s"] <= status["now_s"] < edrx["window_start_s"] + 2.048  # type: ignore[operator]
    # one occasion per PTW: the next is at this window's start or at the next one's
    assert paging_s - edrx["window_start_s"] in (pytest.approx(0.0), pytest.approx(2.048))
    # just after one paging occasion (the only one in its 0.256 s window) the next is a cycle later
    time.sleep(max(paging_s + 0.05 - time.monotonic(), 0.0))
    server.sendto(PROBE, address)
    datagram = sock.receive(5.0)
    assert datagram is not None
    assert datagram.data == PROBE
    arrived_s = time.monotonic()  # the module process shares this clock (CLOCK_MONOTONIC)
    assert arrived_s >= paging_s + 2.048


def test_without_edrx_an_idle_module_is_paged_at_once(open_link: OpenLink, server: socket.socket) -> None:
    link, modem = bc660k(open_link)
    sock, address = open_socket(modem, server)
    wait_for_state(link.port, "idle")
    sent_s = time.monotonic()
    server.sendto(PROBE, address)
    datagram = sock.receive(5.0)
    assert datagram is not None
    # paging and set-up are inside rrc_setup_ms (50 ms) and the link's 5 ms: far below any eDRX cycle
    assert time.monotonic() - sent_s < 2.0


def test_deep_sleep_loses_the_command_that_wakes_the_uart(open_link: OpenLink) -> None:
    # qsclk=1: deep sleep in PSM once the UART was quiet for the countdown (10 s x timer_scale 0.2)
    link, modem = bc660k(open_link, FAST.replace("qsclk=0", "qsclk=1") + "&timer_scale=0.2")
    modem.set_psm(periodic_tau_s=3600, active_time_s=0)
    psm_event(link, "ENTER PSM")
    deadline_s = time.monotonic() + 5.0
    while not control(link.port, {"op": "status"})["is_uart_asleep"]:
        assert time.monotonic() < deadline_s, "the UART did not go to sleep"
        time.sleep(0.05)
    with pytest.raises(ATTimeout):
        link.session.send("AT", timeout_s=0.5)  # wakes the UART; the command itself is lost
    assert link.session.send("AT+CGATT?", timeout_s=2.0).lines == ("+CGATT: 1",)
    status = control(link.port, {"op": "status"})
    assert (status["is_uart_asleep"], status["state"]) == (False, "psm")  # the UART woke, the radio did not


@given(
    cycle_s=st.sampled_from([2.048, 4.096, 20.48]),
    at_s=st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
)
def test_next_paging_occasion_is_the_first_one_in_a_window(cycle_s: float, at_s: float) -> None:
    loop = EventLoop(clock=lambda: 0.0)  # windows count from t = 0
    idle = IdleMode(
        loop=loop,
        events=IdleEvents(enter_psm=_nothing, exit_psm=_nothing, periodic_tau=_nothing, deliver=_deliver),
    )
    ptw_s, paging_s = cycle_s / 8, cycle_s / 32  # four occasions per window
    timers = IdleTimers(
        active_time_s=None, periodic_tau_s=3600.0, edrx_cycle_s=cycle_s, ptw_s=ptw_s, paging_cycle_s=paging_s
    )
    idle.grant(timers)
    # every occasion, listed the slow way: four at the start of each window
    occasions = [k * cycle_s + j * paging_s for k in range(math.ceil(120 / cycle_s)) for j in range(4)]
    assume(all(abs(t - at_s) > 1e-6 for t in occasions))  # not on an occasion: rounding could go either way
    expected_s = min(t for t in occasions if t > at_s)
    assert idle.next_paging_occasion_s(at_s) == pytest.approx(expected_s, abs=1e-6)


@given(
    cycle_s=st.sampled_from([2.048, 20.48]),
    granted_at_s=st.floats(min_value=0.0, max_value=10.0),
    at_s=st.floats(min_value=10.0, max_value=100.0),
)
def test_edrx_window_start_is_the_one_of_the_cycle_in_force(
    cycle_s: float, granted_at_s: float, at_s: float
) -> None:
    loop = EventLoop(clock=lambda: granted_at_s)  # windows count from the grant
    idle = IdleMode(
        loop=loop,
        events=IdleEvents(enter_psm=_nothing, exit_psm=_nothing, periodic_tau=_nothing, deliver=_deliver),
    )
    idle.grant(
        IdleTimers(
            active_time_s=None, periodic_tau_s=3600.0, edrx_cycle_s=cycle_s, ptw_s=cycle_s / 8,
            paging_cycle_s=cycle_s / 32,
        )
    )  # fmt: skip
    start_s = idle.edrx_window_start_s(at_s)
    assert start_s - 1e-9 <= at_s < start_s + cycle_s + 1e-9
    cycles = (start_s - granted_at_s) / cycle_s
    assert cycles == pytest.approx(round(cycles), abs=1e-6)
    # the next paging occasion is this window's or the next one's
    offset_s = (idle.next_paging_occasion_s(at_s) - start_s) % cycle_s
    assert min(offset_s, cycle_s - offset_s) < cycle_s / 8 + 1e-6


def _nothing() -> None:
    pass


def _deliver(payload_bytes: int, deliver: Callable[[], None]) -> None:
    del payload_bytes, deliver

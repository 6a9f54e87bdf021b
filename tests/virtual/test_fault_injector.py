"""harness.virtual.fault_injector (with fault_effects): faults applied to one virtual module in-process, on a
real event loop: when they start and end, the control ops, what status and the timeline show, and what each
kind does to the AT traffic. The harness's view of the same faults is test_faults_public_api's."""

from __future__ import annotations

import re

import pytest

from harness.virtual.event_loop import EventLoop
from harness.virtual.fault_injector import FaultInjector
from harness.virtual.faults import Fault, FaultKind, fault_from_request
from harness.virtual.module import BOOT_S, VirtualModule
from harness.virtual.options import parse_virtual_url
from harness.virtual.uart import Uart
from harness.virtual.usb_port import UsbPort

FAST = "attach_s=0&rrc_setup_ms=0&delay_ms=1&jitter_ms=0&echo=0&inactivity_s=0.2"
SLACK_S = 0.3  # timers never fire early; this only absorbs a loaded machine


class Bench:
    """A module behind its UART and USB port, with an injector; what the UART writes is recorded."""

    def __init__(self, query: str = FAST, *, model: str = "bc660k") -> None:
        self.loop = EventLoop()
        self.options = parse_virtual_url(f"virtual://{model}?{query}")
        self.written = bytearray()
        self.port = UsbPort(self.loop)
        self.uart = Uart(loop=self.loop, write=self.written.extend, seed=1)
        self.module = VirtualModule(options=self.options, loop=self.loop, write=self.uart.write)
        self.uart.feed = self.module.front.feed
        self.faults = FaultInjector(module=self.module, uart=self.uart, port=self.port)

    def boot(self) -> None:
        """Boot, register (attach_s=0) and forget the ready URC."""
        self.module.boot()
        self.faults.apply_from_boot(self.options.faults)
        self.run_for(0.05)
        self.lines()

    def run_for(self, duration_s: float) -> None:
        self.loop.call_later(duration_s, self.loop.stop)
        self.loop.run()

    def lines(self) -> list[str]:
        """Every line written so far, then forgotten."""
        text = self.written.decode("latin-1")
        self.written.clear()
        return [line for line in re.split(r"[\r\n]+", text) if line]

    def command(self, text: str) -> list[str]:
        self.uart.receive(text.encode() + b"\r")
        return self.lines()

    def control(self, **request: object) -> dict[str, object]:
        return dict(self.module.handle_control(request))

    def marks(self) -> list[tuple[str, str, str | None]]:
        changes = self.control(op="timeline")["marks"]
        assert isinstance(changes, list)
        return [(mark["name"], mark["kind"], mark.get("why")) for mark in changes]

    def close(self) -> None:
        self.module.close()
        self.port.close()
        self.loop.close()


@pytest.fixture
def bench() -> Bench:
    return Bench()


def active_faults(bench: Bench) -> list[tuple[str, bool]]:
    faults = bench.control(op="status")["faults"]
    assert isinstance(faults, list)
    return [(fault["kind"], fault["is_active"]) for fault in faults]


def test_a_fault_waits_for_at_s_and_ends_after_duration_s(bench: Bench) -> None:
    bench.boot()
    bench.faults.schedule(fault_from_request({"kind": "no_response", "at_s": 0.2, "duration_s": 0.3}))
    assert active_faults(bench) == [("no_response", False)]
    assert bench.command("AT") == ["OK"]
    bench.run_for(0.2 + 0.1)
    assert active_faults(bench) == [("no_response", True)]
    assert bench.command("AT") == []  # mute: not even heard
    bench.run_for(0.2 + SLACK_S)
    assert active_faults(bench) == []
    assert bench.command("AT") == ["OK"]
    assert bench.marks() == [
        ("fault_started", "no_response", None),
        ("fault_ended", "no_response", "duration"),
    ]
    bench.close()


def test_the_urls_faults_start_from_boot() -> None:
    bench = Bench(f"{FAST}&faults=slow_response,urc_storm&urc_storm.at_s=5&slow_response.delay_s=0.2")
    assert active_faults(bench) == []  # nothing before the module boots
    bench.boot()
    assert active_faults(bench) == [("slow_response", True), ("urc_storm", False)]
    bench.lines()
    assert bench.command("AT") == []  # the answer is on its way, delay_s late
    bench.run_for(0.2 + SLACK_S)
    assert bench.lines() == ["OK"]
    bench.close()


def test_control_ops_switch_faults_on_at_once_and_clear_them(bench: Bench) -> None:
    bench.boot()
    status = bench.control(op="fault", kind="no_response")
    assert [fault["kind"] for fault in status["faults"]] == ["no_response"]  # type: ignore[union-attr]
    assert bench.command("AT") == []
    bench.control(op="fault", kind="garbage", chance_pct=100)
    cleared = bench.control(op="clear_faults", kind="no_response")
    assert cleared["cleared"] == ["no_response"]
    assert active_faults(bench) == [("garbage", True)]
    assert bench.control(op="clear_faults")["cleared"] == ["garbage"]
    assert bench.command("AT") == ["OK"]
    assert [name for name, _, _ in bench.marks()] == ["fault_started"] * 2 + ["fault_ended"] * 2
    bench.close()


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"op": "fault", "kind": "melt"}, "unknown fault"),
        ({"op": "clear_faults", "kind": "melt"}, "unknown fault"),
        ({"op": "clear_faults", "what": "all"}, "no field 'what'"),
    ],
)
def test_bad_fault_requests_are_value_errors(bench: Bench, request_: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        bench.module.handle_control(request_)
    bench.close()


def test_a_new_fault_replaces_the_one_of_its_kind(bench: Bench) -> None:
    bench.boot()
    bench.control(op="fault", kind="slow_response", delay_s=30)
    bench.control(op="fault", kind="slow_response", delay_s=0.1)
    assert bench.uart.delay_s == 0.1
    assert bench.marks()[1] == ("fault_ended", "slow_response", "replaced")
    bench.close()


def test_reboot_prints_the_ready_urc_and_forgets_volatile_state(bench: Bench) -> None:
    bench.boot()
    bench.command("AT+CFUN=0")
    bench.control(op="fault", kind="reboot")
    assert bench.control(op="status")["state"] == "off"
    bench.run_for(BOOT_S + SLACK_S)
    assert bench.lines() == ["RDY"]
    assert bench.command("AT+CFUN?") == ["+CFUN: 1", "OK"]  # the power-on state
    assert bench.marks() == [("fault_started", "reboot", None), ("fault_ended", "reboot", "over")]
    bench.close()


def test_a_vanished_port_comes_back_after_reappear_s(bench: Bench) -> None:
    bench.boot()
    bench.control(op="fault", kind="port_vanish", reappear_s=0.2, reboot=0)
    status = bench.control(op="status")
    assert (status["tty_path"], status["port_plug_count"]) == (None, 1)
    assert status["state"] != "off"  # reboot=0: the module ran on
    bench.run_for(0.2 + SLACK_S)
    status = bench.control(op="status")
    assert status["port_plug_count"] == 2
    assert isinstance(status["tty_path"], str)
    assert bench.marks()[-1] == ("fault_ended", "port_vanish", "over")
    bench.close()


def test_clearing_a_vanished_port_brings_it_back_at_once(bench: Bench) -> None:
    bench.boot()
    bench.control(op="fault", kind="port_vanish", reappear_s=3600)
    assert bench.control(op="status")["state"] == "off"  # reboot=1: the module reset with it
    bench.control(op="clear_faults")
    assert bench.control(op="status")["port_plug_count"] == 2
    bench.close()


def test_a_storm_repeats_the_registration_report_until_cleared(bench: Bench) -> None:
    bench.boot()
    bench.lines()
    bench.control(op="fault", kind="urc_storm", rate_hz=200)
    bench.run_for(0.3)
    storm = bench.lines()
    assert storm
    assert set(storm) == {"+CEREG: 1"}  # the module is registered: the storm says so
    bench.control(op="clear_faults")
    bench.run_for(0.1)
    assert bench.lines() == []
    bench.close()


def test_without_a_sim_the_module_refuses_sim_commands_and_does_not_register(bench: Bench) -> None:
    bench.boot()
    bench.command("AT+CEREG=1")
    bench.control(op="fault", kind="sim_removed")
    assert bench.lines() == ["+CEREG: 0"]
    assert bench.command("AT+CPIN?") == ["+CME ERROR: 10"]
    assert bench.command("AT+CIMI") == ["+CME ERROR: 10"]
    assert bench.command("AT+QCCID") == ["+CME ERROR: 10"]
    assert bench.command("AT+CPIN=?") == ["OK"]  # the test form needs no card
    bench.command("AT+CFUN=0;+CFUN=1")
    bench.run_for(0.2)
    assert bench.command("AT+CEREG?") == ["+CEREG: 1,0", "OK"]  # at CFUN 1 it does not even search
    bench.control(op="clear_faults")
    bench.run_for(0.2)
    assert bench.lines() == ["+CEREG: 2", "+CEREG: 1"]  # searching again, then registered
    assert bench.command("AT+CPIN?") == ["+CPIN: READY", "OK"]
    assert bench.command("AT+CEREG?") == ["+CEREG: 1,1", "OK"]
    bench.close()


@pytest.mark.parametrize(("stat", "searching"), [(2, "+CEREG: 2"), (0, "+CEREG: 0")])
def test_a_lost_registration_reports_its_stat_and_returns_when_cleared(
    bench: Bench, stat: int, searching: str
) -> None:
    bench.boot()
    bench.command("AT+CEREG=1")
    bench.control(op="fault", kind="registration_lost", stat=stat)
    assert bench.lines() == [searching]
    bench.control(op="clear_faults")
    bench.run_for(0.2)
    assert bench.lines()[-1] == "+CEREG: 1"
    bench.close()


def test_socket_closed_ends_one_socket_and_says_so() -> None:
    bench = Bench()
    bench.boot()
    for connect_id in (0, 1):
        bench.command(f'AT+QIOPEN=0,{connect_id},"UDP","127.0.0.1",{9000 + connect_id},0,0')
    bench.run_for(0.1)
    bench.lines()
    bench.faults.schedule(Fault(kind=FaultKind.SOCKET_CLOSED, parameters={"connect_id": 1}))
    assert bench.lines() == ['+QIURC: "closed",1']
    bench.close()


def test_socket_closed_on_ml307r_says_connection_abnormal() -> None:
    bench = Bench(model="ml307r")
    bench.boot()
    bench.command('AT+MIPOPEN=2,"UDP","127.0.0.1",9000')
    bench.run_for(0.1)
    bench.lines()
    bench.control(op="fault", kind="socket_closed")
    assert bench.lines() == ['+MIPURC: "disconn",2,2']  # <connect_state> 2: connection abnormal
    bench.close()

"""harness.virtual.module: one virtual module on an event loop, in-process: RRC reporting, reset, attach."""

from __future__ import annotations

import re

from harness.virtual.event_loop import EventLoop
from harness.virtual.module import BOOT_S, VirtualModule
from harness.virtual.options import parse_virtual_url

SLACK_S = 0.2
EPSILON_S = 1e-6
FAST = (
    "attach_s=0.05&rrc_setup_ms=80&inactivity_s=0.3&delay_ms=1&jitter_ms=0&ul_kbps=1000&dl_kbps=1000&echo=0"
)


class Bench:
    """A module on a real loop; output lines are recorded with the loop time they were written at."""

    def __init__(self, query: str = FAST) -> None:
        self.loop = EventLoop()
        self.lines: list[tuple[float, str]] = []
        self.module = VirtualModule(
            options=parse_virtual_url(f"virtual://bc660k?{query}"), loop=self.loop, write=self._record
        )
        self.started_s = self.loop.now_s()

    def run_for(self, duration_s: float) -> None:
        self.loop.call_later(duration_s, self.loop.stop)
        self.loop.run()

    def command(self, text: str) -> None:
        self.module.front.feed(text.encode() + b"\r")

    def urcs(self, prefix: str) -> list[tuple[float, str]]:
        return [(t - self.started_s, line) for t, line in self.lines if line.startswith(prefix)]

    def _record(self, data: bytes) -> None:
        for line in re.split(r"[\r\n]+", data.decode("latin-1")):
            if line:
                self.lines.append((self.loop.now_s(), line))


def test_attach_uses_a_connection_that_is_released_after_inactivity() -> None:
    bench = Bench()
    bench.command("AT+CSCON=1")
    bench.module.boot()
    bench.run_for(0.5)
    (up_s, up), (down_s, down) = bench.urcs("+CSCON")
    assert (up, down) == ("+CSCON: 1", "+CSCON: 0")
    # timers never fire early; SLACK_S only absorbs a busy machine's scheduling delay
    assert 0.05 <= up_s < 0.05 + SLACK_S
    assert 0.3 - EPSILON_S <= down_s - up_s < 0.3 + SLACK_S


def test_first_packet_after_idle_sets_up_a_connection() -> None:
    bench = Bench()
    bench.module.boot()
    bench.run_for(0.4)  # attach, then released
    assert not bench.module.is_rrc_connected
    bench.command("AT+CSCON=1")
    sent_s = bench.loop.now_s() - bench.started_s
    arrivals: list[float] = []
    bench.module.uplink(20, lambda: arrivals.append(bench.loop.now_s() - bench.started_s))
    bench.run_for(0.6)
    (up_s, up), (down_s, down) = bench.urcs("+CSCON")
    assert (up, down) == ("+CSCON: 1", "+CSCON: 0")
    assert 0.08 - EPSILON_S <= up_s - sent_s < 0.08 + SLACK_S
    # the inactivity timer runs from the set-up as scheduled, not from when its URC was read (late under load)
    assert 0.3 - EPSILON_S <= down_s - (sent_s + 0.08) < 0.3 + SLACK_S
    (arrived_s,) = arrivals
    assert up_s <= arrived_s < down_s


def test_cscon_read_reports_the_mode_without_urcs() -> None:
    bench = Bench()
    bench.module.boot()
    bench.run_for(0.1)
    bench.command("AT+CSCON?")
    bench.run_for(0.3)
    bench.command("AT+CSCON?")
    assert [line for _, line in bench.urcs("+CSCON")] == ["+CSCON: 0,1", "+CSCON: 0,0"]


def test_deregistration_ends_the_connection_at_once() -> None:
    bench = Bench()
    bench.command("AT+CSCON=1")
    bench.command("AT+CEREG=1")
    bench.module.boot()
    bench.run_for(0.1)
    bench.command("AT+CFUN=0")
    bench.run_for(0.05)
    assert [line for _, line in bench.urcs("+CSCON")] == ["+CSCON: 1", "+CSCON: 0"]
    assert [line for _, line in bench.urcs("+CEREG")] == ["+CEREG: 2", "+CEREG: 1", "+CEREG: 0"]


def test_reset_answers_ok_then_rdy_and_keeps_the_cereg_mode() -> None:
    bench = Bench()
    bench.command("AT+CEREG=1")
    bench.module.boot()
    bench.run_for(0.1)
    bench.lines.clear()
    bench.command("AT+CFUN=1,1")
    bench.run_for(BOOT_S + 0.15)
    assert [line for _, line in bench.lines] == ["OK", "RDY", "+CEREG: 2", "+CEREG: 1"]


def test_reset_into_minimum_functionality_stays_unregistered() -> None:
    bench = Bench()
    bench.module.boot()
    bench.run_for(0.1)
    bench.command("AT+CFUN=0,1")
    bench.run_for(BOOT_S + 0.15)
    bench.lines.clear()
    bench.command("AT+CFUN?")
    bench.command("AT+CEREG?")
    assert [line for _, line in bench.lines] == ["+CFUN: 0", "OK", "+CEREG: 0,0", "OK"]

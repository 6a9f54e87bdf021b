"""harness.virtual.uart: a virtual module's UART as faults leave it: mute, slow (in order), noisy (only in
front of frames, never a line end or a prompt, always with a byte that cannot be text), on a real loop."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.at.framing import LineFramer, Noise, text_of
from harness.virtual.event_loop import EventLoop
from harness.virtual.uart import CRLF, Uart
from harness.virtual.uart import Noise as UartNoise

SLACK_S = 0.5  # timers never fire early; this only absorbs a loaded machine


class Wire:
    """What the UART puts on the serial line, with the loop time of each write."""

    def __init__(self, *, seed: int = 1) -> None:
        self.loop = EventLoop()
        self.writes: list[tuple[float, bytes]] = []
        self.uart = Uart(loop=self.loop, write=self._record, seed=seed)
        self.received: list[bytes] = []
        self.uart.feed = self.received.append

    @property
    def data(self) -> bytes:
        return b"".join(data for _, data in self.writes)

    def run_for(self, duration_s: float) -> None:
        self.loop.call_later(duration_s, self.loop.stop)
        self.loop.run()

    def _record(self, data: bytes) -> None:
        self.writes.append((self.loop.now_s(), data))


def test_a_plain_uart_passes_both_ways_at_once() -> None:
    wire = Wire()
    wire.uart.write(b"\r\nOK\r\n")
    wire.uart.receive(b"AT\r")
    assert (wire.data, wire.received) == (b"\r\nOK\r\n", [b"AT\r"])


def test_a_mute_uart_neither_hears_nor_speaks() -> None:
    wire = Wire()
    wire.uart.is_mute = True
    wire.uart.write(b"\r\nRDY\r\n")
    wire.uart.receive(b"AT\r")
    wire.uart.is_mute = False
    wire.uart.write(b"\r\nOK\r\n")
    assert (wire.data, wire.received) == (b"\r\nOK\r\n", [])


def test_a_slow_uart_writes_delay_s_late_and_in_order() -> None:
    wire = Wire()
    wire.uart.delay_s = 0.2
    started_s = wire.loop.now_s()
    wire.uart.write(b"first")
    wire.uart.write(b"second")
    wire.loop.call_later(0.05, lambda: setattr(wire.uart, "delay_s", 0.0))
    wire.loop.call_later(0.1, lambda: wire.uart.write(b"third"))  # no delay now, but never before the others
    wire.run_for(0.2 + SLACK_S)
    assert [data for _, data in wire.writes] == [b"first", b"second", b"third"]
    assert all(t_s - started_s >= 0.2 for t_s, _ in wire.writes)


def test_noise_goes_only_in_front_of_frames() -> None:
    wire = Wire()
    wire.uart.noise = UartNoise(chance_pct=100.0, max_bytes=8)
    wire.uart.write(b"AT+CGMM\r")  # an echo: no frame, no noise
    wire.uart.write(b"\r\nOK\r\n")
    echo, framed = (data for _, data in wire.writes)
    assert echo == b"AT+CGMM\r"
    assert framed.endswith(b"\r\nOK\r\n")
    assert len(framed) > len(b"\r\nOK\r\n")


@settings(max_examples=50)
@given(seed=st.integers(0, 2**32), max_bytes=st.integers(1, 256))
def test_noise_is_never_a_line_end_a_prompt_or_text(seed: int, max_bytes: int) -> None:
    wire = Wire(seed=seed)
    wire.uart.noise = UartNoise(chance_pct=100.0, max_bytes=max_bytes)
    wire.uart.write(b"\r\n+CEREG: 1\r\n")
    written = wire.data
    noise = written[: -len(b"\r\n+CEREG: 1\r\n")]
    assert 1 <= len(noise) <= max_bytes
    assert not set(noise) & set(b"\r\n>")
    assert text_of(noise) is None
    frames = LineFramer().feed(written)
    assert isinstance(frames[0], Noise)
    assert frames[1:] == LineFramer().feed(CRLF + b"+CEREG: 1" + CRLF)


def test_the_same_seed_makes_the_same_noise() -> None:
    runs = []
    for _ in range(2):
        wire = Wire(seed=7)
        wire.uart.noise = UartNoise(chance_pct=50.0, max_bytes=16)
        for _ in range(20):
            wire.uart.write(b"\r\nOK\r\n")
        runs.append(wire.data)
    assert runs[0] == runs[1]
    assert runs[0] != b"\r\nOK\r\n" * 20

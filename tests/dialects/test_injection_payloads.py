"""Injection through payloads (issue 9 item 4): a datagram whose bytes hold line ends, an AT command, `+++`
(V.250's escape from online data mode, here with a guard time of silence on both sides), Ctrl-Z and ESC
(which end or cancel a variable-length prompt send) goes out through a virtual module's AT socket as data:
it reaches the reflector byte for byte, comes back, and the module is still registered and answering, so
none of it ran as a command or ended the data phase early."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.probe import HEADER_BYTES, ProbeHeader, encode_probe
from harness.server.reflector import UdpReflector
from tests.dialects.conftest import FAST
from tests.reliability_tally import tally

INJECTED = b"AT+CFUN=0"
PAYLOADS = {
    "line-ends-and-a-command": b"\r\n" + INJECTED + b"\r\nAT+CFUN=0;+CFUN=0\r",
    "escape-sequence": b"+++",
    "escape-then-command": b"+++" + INJECTED + b"\r",
    "ctrl-z-and-esc": b"\x1a" + INJECTED + b"\r\x1b",
    "quotes-and-semicolons": b'";' + INJECTED + b';"',
}
# V.250 §6.3.1: the escape sequence counts only with a guard time of silence (S12, default 1 s) around it.
ESCAPE_GUARD_S = 1.1
RECEIVE_TIMEOUT_S = 5.0
MODELS = ("bc660k", "ml307r")


@pytest.fixture(params=MODELS)
def link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    opened = connect(f"virtual://{request.param}?{FAST}")
    try:
        yield opened
    finally:
        opened.close()


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_hostile_payload_is_data_and_the_module_stays_registered(
    link: ModemLink, reflector: UdpReflector, name: str
) -> None:
    # The reflector answers probes only: the hostile bytes ride behind a probe header.
    header = encode_probe(ProbeHeader(seq=1, client_tx_ns=time.time_ns()), HEADER_BYTES)
    payload = header + PAYLOADS[name]
    sock = link.modem.open_udp(*reflector.address)
    try:
        guard_s = ESCAPE_GUARD_S if name.startswith("escape") else 0.0
        time.sleep(guard_s)
        sock.send(payload)
        time.sleep(guard_s)
        datagram = sock.receive(RECEIVE_TIMEOUT_S)
        still_registered = link.modem.registration().is_registered
    finally:
        sock.close()
    tally("injection.attempts")
    is_injected = datagram is None or datagram.data[HEADER_BYTES:] != PAYLOADS[name] or not still_registered
    tally("injection.successes", int(is_injected))
    assert datagram is not None, "the payload never came back"
    assert datagram.data[HEADER_BYTES:] == PAYLOADS[name]
    assert still_registered, "the module left the network: the payload ran as AT+CFUN=0"
    assert link.session.send("AT").kind == "OK"

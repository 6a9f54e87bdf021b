"""A final result code that comes after its command timed out belongs to that command, not to the next one
(harness.at.routing): with an echoing module, a final before the next command's echo is the late one."""

from __future__ import annotations

import threading

import pytest

from harness.at import ATSession
from harness.errors import ATTimeout
from tests.at.fake_module import FakeModule, fake_link, lines


def echoed(command: str, *answer: str) -> bytes:
    """What an echoing module writes for `command`: its echo, then the answer."""
    return f"{command}\r".encode() + lines(*answer)


def late(module: FakeModule, delay_s: float, data: bytes) -> None:
    threading.Timer(delay_s, module.send, args=(data,)).start()


def test_a_late_ok_is_not_the_next_commands_answer() -> None:
    """A module slow in everything it writes (the virtual slow_response fault): AT+SLOW's echo and OK come
    after its timeout, before the next command's echo, and are not taken as the next command's answer."""
    with fake_link(is_echo=False) as (module, port):
        module.script["AT"] = echoed("AT", "OK")
        module.script["AT+SLOW"] = lambda m: late(m, 0.4, echoed("AT+SLOW", "OK"))
        module.script["AT+QENG=0"] = lambda m: late(m, 0.5, echoed("AT+QENG=0", "+QENG: 0,3688", "OK"))
        with ATSession(port, default_timeout_s=2.0) as session:  # type: ignore[arg-type]
            session.send("AT")  # the module echoes
            with pytest.raises(ATTimeout):
                session.send("AT+SLOW", timeout_s=0.2)
            response = session.send("AT+QENG=0")
    assert response.lines == ("+QENG: 0,3688",)


def test_an_answer_after_a_late_one_is_kept() -> None:
    """AT+SLOW's OK came between commands (owed, and paid): the next command's own final is its answer."""
    with fake_link(is_echo=False) as (module, port):
        module.script["AT"] = echoed("AT", "OK")
        module.script["AT+SLOW"] = lambda m: late(m, 0.3, echoed("AT+SLOW", "OK"))
        module.script["AT+CGMM"] = echoed("AT+CGMM", "Quectel_BC660K-GL", "OK")
        with ATSession(port, default_timeout_s=2.0) as session:  # type: ignore[arg-type]
            session.send("AT")
            with pytest.raises(ATTimeout):
                session.send("AT+SLOW", timeout_s=0.1)
            threading.Event().wait(0.5)
            for _ in range(3):
                assert session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)


def test_a_module_without_echo_keeps_every_final() -> None:
    """No echo was ever seen: a final cannot be told from a late one, so none is dropped."""
    with fake_link(is_echo=False) as (module, port):
        module.script["AT+SLOW"] = lambda m: late(m, 0.4, lines("OK"))
        module.script["AT+CGMM"] = lines("Quectel_BC660K-GL", "OK")
        with ATSession(port, default_timeout_s=2.0) as session:  # type: ignore[arg-type]
            with pytest.raises(ATTimeout):
                session.send("AT+SLOW", timeout_s=0.2)
            threading.Event().wait(0.5)  # the late OK comes between commands: a stray line
            assert session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)

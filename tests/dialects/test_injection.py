"""Injection (issue 9 item 4): no value that reaches an AT command (APN, PLMN, PIN, host of a ping or a
socket) can end the command early, start a second one or carry text outside its own quoted argument.

Hypothesis puts CR, LF, quotes, `;`, V.250's `\\22` escape, Ctrl-Z, ESC, NUL and non-ASCII into each value
and calls every dialect's entry point on a scripted module that answers OK to anything. The call may refuse
the value (ValueError, ModemError) or fail on the module's bare OK; what must never happen is a command on
the wire with the value's text outside quotes. `+++` is not among the pieces here: inside a quoted argument
in command mode it is text (V.250 escapes only from online data mode, after a guard time), and a value
holding only printable ASCII is sent, so the call waits for the module's result URC for a minute or more.
Where `+++` matters, in payloads sent in data mode, it is tested against virtual modules:
tests/dialects/test_injection_payloads.py."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATSession
from harness.dialects.cmcc_cat1 import CmccCat1Modem
from harness.dialects.quectel_nbiot import Family, QuectelNbiotModem
from harness.dialects.quectel_redcap import QuectelRedcapModem
from harness.dialects.quectel_redcap_layouts import layout_for
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import HarnessError
from tests.at.fake_module import FakeModule, fake_link, lines
from tests.reliability_tally import tally

SESSION_TIMEOUT_S = 0.3
INJECTED = "AT+CFUN=0"
HOSTILE = (
    '"',
    "\r",
    "\n",
    "\r\n",
    ";",
    "\\22",
    "\x1a",
    "\x1b",
    "\x00",
    "é",
    f'"\r\n{INJECTED}\r\n',
    f'";{INJECTED};"',
    f"\r{INJECTED}\r",
    f"\\22;{INJECTED};\\22",
)
_QUOTED = re.compile(r'"[^"]*"')

Dialect = Callable[[ATSession], Any]
DIALECTS: dict[str, Dialect] = {
    "ts27007": Ts27007Modem,
    "bc660k": lambda session: QuectelNbiotModem(session, family=Family.BC660K),
    "bc95": lambda session: QuectelNbiotModem(session, family=Family.BC95),
    "ml307r": CmccCat1Modem,
    "rg255c": lambda session: QuectelRedcapModem(session, layout=layout_for("RG255C")),
}
EntryPoint = Callable[[Any, str], object]
ENTRY_POINTS: dict[str, tuple[str, EntryPoint]] = {
    "apn": ("iot.test", lambda modem, value: modem.attach(value, timeout_s=SESSION_TIMEOUT_S)),
    "plmn": ("00101", lambda modem, value: modem.select_operator(value, timeout_s=SESSION_TIMEOUT_S)),
    "pin": ("1234", lambda modem, value: modem.enter_pin(value)),
    "ping host": ("127.0.0.1", lambda modem, value: modem.ping(value, count=1, timeout_s=1)),
    "udp host": ("127.0.0.1", lambda modem, value: modem.open_udp(value, 5000)),
    "tcp host": ("127.0.0.1", lambda modem, value: modem.open_tcp(value, 5000, timeout_s=1)),
}


class _AnswersOk(dict[str, bytes]):
    """A script that answers OK to every command."""

    def get(self, key: str, default: object = None) -> bytes:  # type: ignore[override]
        return lines("OK")


@pytest.fixture(scope="module")
def ok_module() -> Iterator[tuple[FakeModule, serial.Serial]]:
    with fake_link() as (module, port):
        module.script = _AnswersOk()
        yield module, port


def outside_quotes(command: str) -> str:
    return _QUOTED.sub("'string'", command)


def is_injected(command: str) -> bool:
    """Whether a command on the wire carries more than one command: a `;` or the injected command outside
    its quoted arguments, an unbalanced quote, an escape, or a character that is not printable ASCII."""
    bare = outside_quotes(command)
    return (
        ";" in bare
        or INJECTED in bare
        or '"' in bare
        or "\\" in command
        or not all(c.isascii() and c.isprintable() for c in command)
        or not command.upper().startswith("AT")
    )


def hostile(benign: str) -> st.SearchStrategy[str]:
    """`benign` with hostile pieces put in (at least one)."""
    return st.tuples(
        st.text(alphabet="abz019.-", max_size=6),
        st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3),
        st.integers(min_value=0, max_value=len(benign)),
    ).map(lambda parts: benign[: parts[2]] + parts[0] + "".join(parts[1]) + benign[parts[2] :])


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_a_hostile_value_never_becomes_a_second_command(
    dialect: str, entry: str, ok_module: tuple[FakeModule, serial.Serial]
) -> None:
    module, port = ok_module
    benign, call = ENTRY_POINTS[entry]

    @settings(
        max_examples=12,
        deadline=timedelta(seconds=10),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(value=hostile(benign))
    def attempt(value: str) -> None:
        with ATSession(port, default_timeout_s=SESSION_TIMEOUT_S) as session:
            written_before = len(module.commands)
            with contextlib.suppress(ValueError, HarnessError):
                call(DIALECTS[dialect](session), value)
            written = module.commands[written_before:]
        tally("injection.attempts")
        injected = [command for command in written if is_injected(command)]
        tally("injection.successes", len(injected))
        assert injected == [], f"{entry}={value!r} on {dialect} wrote {injected!r}"

    attempt()


@pytest.mark.parametrize(
    "command",
    ['AT+CGDCONT=1,"IP","a;b"', 'AT+QPING=1,"x"', 'AT+CPIN="1234"', "AT+NSOST=0,127.0.0.1,5000,2,4142"],
)
def test_the_check_lets_single_commands_pass(command: str) -> None:
    assert not is_injected(command)


@pytest.mark.parametrize(
    "command",
    ['AT+CGDCONT=1,"IP","a";AT+CFUN=0', "AT+CFUN=0", 'AT+QPING=1,"x', 'AT+CGDCONT=1,"IP","\\22"', "é"],
)
def test_the_check_catches_second_commands(command: str) -> None:
    assert is_injected(command)

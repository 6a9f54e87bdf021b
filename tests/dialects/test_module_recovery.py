"""harness.dialects.module_recovery: the rig's reset command, and a module brought back over a virtual BC660K
after each kind of fault."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from harness.dialects import ConnectOptions, connect
from harness.dialects.module_health import FaultKind, ModuleFault
from harness.dialects.module_recovery import recover_link, run_reset_command
from harness.errors import HarnessError, ModemError
from harness.rat import Rat
from harness.rig import Module, Reset, ResetMethod

from .conftest import FAST

URL = f"virtual://bc660k?{FAST}"


def module(reset: Reset, port: str = URL) -> Module:
    return Module(id="nb-1", port=port, rat=Rat.NB_IOT, reset=reset)


def test_a_reset_command_that_fails_is_named_with_its_last_line() -> None:
    failing = (
        sys.executable,
        "-c",
        "import sys; print('relay 3: no such port', file=sys.stderr); sys.exit(3)",
    )
    with pytest.raises(ModemError, match=r"exited 3: relay 3: no such port"):
        run_reset_command(failing, timeout_s=10)
    with pytest.raises(ModemError, match=r"reset command /no/such/relay-tool:"):
        run_reset_command(("/no/such/relay-tool",), timeout_s=10)
    with pytest.raises(ModemError, match=r"timed out"):
        run_reset_command((sys.executable, "-c", "import time; time.sleep(5)"), timeout_s=1)


def test_a_reset_command_that_succeeds_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "cycled; rm -rf /"
    run_reset_command((sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"), timeout_s=10)
    assert marker.exists()


@pytest.mark.parametrize("kind", [FaultKind.REBOOTED, FaultKind.HUNG])
def test_a_module_is_linked_again_after_a_fault(kind: FaultKind) -> None:
    """Rebooted: found answering; hung (and answering again): reset with AT+CFUN=1,1 and its RDY."""
    link = connect(URL, ConnectOptions(dialect="quectel_nbiot"))
    recovered = recover_link(
        link, module(Reset()), ModuleFault(kind=kind, detail="test"), ConnectOptions(dialect="quectel_nbiot")
    )
    try:
        assert recovered.link.port is link.port
        assert recovered.link.session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)
        expected = "found it answering" if kind is FaultKind.REBOOTED else "reset it with AT+CFUN=1,1"
        assert recovered.how == expected
    finally:
        recovered.link.close()


def test_a_hung_module_with_no_reset_method_is_not_recovered() -> None:
    link = connect(URL, ConnectOptions(dialect="quectel_nbiot"))
    fault = ModuleFault(kind=FaultKind.HUNG, detail="test")
    with pytest.raises(HarnessError, match='reset = "none"'):
        recover_link(
            link, module(Reset(method=ResetMethod.NONE)), fault, ConnectOptions(dialect="quectel_nbiot")
        )
    assert not link.port.is_open


def test_a_vanished_virtual_module_is_found_on_its_new_tty() -> None:
    url = f"virtual://bc660k?{FAST}&faults=port_vanish&port_vanish.at_s=1&port_vanish.reappear_s=1"
    link = connect(url, ConnectOptions(dialect="quectel_nbiot"))
    deadline_s = time.monotonic() + 10.0
    while not link.session.is_lost and time.monotonic() < deadline_s:
        time.sleep(0.05)
    assert link.session.is_lost
    fault = ModuleFault(kind=FaultKind.VANISHED, detail="test")
    recovered = recover_link(
        link, module(Reset(timeout_s=20), port=url), fault, ConnectOptions(dialect="quectel_nbiot")
    )
    try:
        assert recovered.how == "reopened its port"
        assert recovered.link.session.send("AT+CGMM").lines == ("Quectel_BC660K-GL",)
    finally:
        recovered.link.close()

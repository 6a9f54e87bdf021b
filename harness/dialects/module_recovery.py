"""dialects layer: bringing back a module that hung, rebooted or vanished, by the rig's reset method (issue 8
item 4; the diagnosis is harness.dialects.module_health's).

  fault      reset "at"                          reset "command"                      reset "none"
  vanished   reopen the port                     run the command, reopen the port     reopen the port
  rebooted   nothing to reset                    nothing to reset                     nothing to reset
  hung       wait for AT, then AT+CFUN=1,1       run the command, reopen the port     not recovered

A vanished port is opened again by its URL until it answers (harness.transport.reopen_port): a USB module
re-enumerates, a ser2net link comes back, a virtual module announces its new tty. The command (a relay or a
USB power switch such as `uhubctl -a cycle`) runs without a shell, bounded by the reset timeout. The caller
brings the module up again (SIM, registration) on the link returned.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, replace

from harness.dialects.connection import ConnectOptions, ModemLink, link_port
from harness.dialects.module_health import FaultKind, ModuleFault, ready_urc_of, reset_by_at
from harness.errors import ModemError
from harness.rig import Module, ResetMethod
from harness.transport import reopen_port


@dataclass(frozen=True, slots=True, kw_only=True)
class Recovered:
    link: ModemLink
    how: str  # what was done, for the case's error message
    took_s: float


def recover_link(link: ModemLink, module: Module, fault: ModuleFault, options: ConnectOptions) -> Recovered:
    """A new link to the module after `fault`; HarnessError (the old link closed) when it cannot be had."""
    start_s = time.monotonic()
    reset = module.reset
    link.session.close()
    port = link.port
    try:
        if fault.kind is FaultKind.HUNG and reset.method is ResetMethod.NONE:
            raise ModemError('the rig says reset = "none" for it')
        steps = []
        if reset.method is ResetMethod.COMMAND and fault.kind is not FaultKind.REBOOTED:
            run_reset_command(reset.command, timeout_s=reset.timeout_s)
            steps.append(f"ran {reset.command[0]}")
        if fault.kind is FaultKind.VANISHED or reset.method is ResetMethod.COMMAND:
            port = reopen_port(port, module.port, timeout_s=reset.timeout_s)
            steps.append("reopened its port")
        new = link_port(port, replace(options, ready_timeout_s=reset.timeout_s))
    except BaseException:
        port.close()
        raise
    try:
        if fault.kind is FaultKind.HUNG and reset.method is ResetMethod.AT:
            reset_by_at(new.session, ready_urc_of(new.modem), timeout_s=reset.timeout_s)
            steps.append("reset it with AT+CFUN=1,1")
    except BaseException:
        new.close()
        raise
    how = ", ".join(steps) if steps else "found it answering"
    return Recovered(link=new, how=how, took_s=time.monotonic() - start_s)


def run_reset_command(argv: tuple[str, ...], *, timeout_s: float, what: str = "reset command") -> None:
    """A command of the rig (reset, SIM switch: `what`) run without a shell; ModemError naming it when it
    cannot run, fails or overruns."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ModemError(f"{what} {argv[0]}: {error}") from None
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModemError(f"{what} {argv[0]} exited {done.returncode}: {last[0]}")

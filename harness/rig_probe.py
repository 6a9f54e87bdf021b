"""glue layer: `miot rig check`'s probes (issue 8 item 1): every module, power analyzer and the test server
of a rig asked whether it answers, one `ProbeRow` each, for harness.rig_check_table to print.

Probes run side by side, one daemon thread each, so the check takes as long as its slowest probe, not their
sum; each probe's own steps have bounded timeouts (harness.rig_probe_module), and `deadline_s` bounds them
all: a probe still running then (a module whose port blocks an open, a server that accepts and never
replies) is reported as not answering at the step it was in, and left behind, never waited for.

A probe says what answered and what did not; it does not change what it finds, except for entering the SIM
PIN the rig names (as a run's bring-up would) so that the PIN is known to work before a run depends on it.
An error a probe did not expect is re-raised in the caller once every probe has ended (STYLE 5).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from harness.errors import HarnessError
from harness.power import probe_analyzer
from harness.rig import Power, Rig, Server, ServerMode
from harness.server import LocalServer, ServerClient, ServerControl, SessionKind, SessionParams
from harness.server.client import token_from_environment

RUN_ID = "rig-check"  # how a run that finds a port held by the check names its holder
# Judgement: a module answers a read command within a second or two (this-machine.md: 0.1-0.2 ms over a pty,
# a real module within 300 ms); 5 s leaves room for a busy host without letting a dead port stall the check.
DEFAULT_TIMEOUT_S = 5.0
DEFAULT_DEADLINE_S = 60.0


class ProbeStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"
    IN_USE = "in use"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeRow:
    """One probed thing: `kind` (module, power, server), its id, what answered and what did not (each with
    its reason); `held_by` names the run holding a module's port, which was then left alone."""

    kind: str
    id: str
    answered: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()
    held_by: str | None = None

    @property
    def status(self) -> ProbeStatus:
        if self.held_by is not None:
            return ProbeStatus.IN_USE
        return ProbeStatus.FAILED if self.failed else ProbeStatus.OK


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeSettings:
    """`id_key` hashes identifiers as reports do (harness.results.identifiers); `environ` holds the
    variables the rig names (SIM PIN, server token); `timeout_s` bounds each answer awaited, and
    `registration_wait_s` how long a module still searching is watched before its state is reported."""

    id_key: bytes
    environ: Mapping[str, str]
    timeout_s: float = DEFAULT_TIMEOUT_S
    registration_wait_s: float = DEFAULT_TIMEOUT_S
    deadline_s: float = DEFAULT_DEADLINE_S


@dataclass(slots=True)
class Findings:
    """What one probe found so far; a probe writes it from its thread, and `step` says where it is."""

    kind: str
    id: str
    step: str = "start"
    answered: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    held_by: str | None = None

    def row(self) -> ProbeRow:
        return ProbeRow(
            kind=self.kind,
            id=self.id,
            answered=tuple(self.answered),
            failed=tuple(self.failed),
            held_by=self.held_by,
        )


Probe = Callable[[Findings], None]


def probe_rig(rig: Rig, settings: ProbeSettings) -> list[ProbeRow]:
    """A row per module, per power analyzer and for the server, in that order, each within the deadline."""
    from harness.rig_probe_module import probe_module

    probes: list[tuple[Findings, Probe]] = [
        *((Findings("module", module.id), partial(probe_module, module, settings)) for module in rig.modules),
        *((Findings("power", power.id), partial(probe_power, power)) for power in rig.power),
        (Findings("server", rig.server.mode.value), partial(probe_server, rig.server, settings)),
    ]
    return run_probes(probes, deadline_s=settings.deadline_s)


def run_probes(probes: list[tuple[Findings, Probe]], *, deadline_s: float) -> list[ProbeRow]:
    """Every probe on its own thread; the rows once all ended or the deadline passed."""
    unexpected: list[BaseException] = []

    def guarded(findings: Findings, probe: Probe) -> None:
        try:
            probe(findings)
        except (HarnessError, OSError) as error:  # OSError: a port or socket the system refused
            findings.failed.append(f"{findings.step}: {first_line(error)}")
        except BaseException as error:  # re-raised in the caller below
            unexpected.append(error)

    threads = [
        threading.Thread(target=guarded, args=(findings, probe), name=f"probe-{findings.id}", daemon=True)
        for findings, probe in probes
    ]
    for thread in threads:
        thread.start()
    end_s = time.monotonic() + deadline_s
    for thread in threads:
        thread.join(timeout=max(0.0, end_s - time.monotonic()))
    if unexpected:
        raise unexpected[0]
    rows = []
    for (findings, _), thread in zip(probes, threads, strict=True):
        row = findings.row()
        if thread.is_alive():
            late = f"{findings.step}: no answer within the check's {deadline_s:g} s deadline"
            row = ProbeRow(kind=row.kind, id=row.id, answered=row.answered, failed=(*row.failed, late))
        rows.append(row)
    return rows


def probe_power(power: Power, findings: Findings) -> None:
    """The analyzer's identity (harness.power.probe_analyzer), or that it is opened with its module."""
    channels = ", ".join(f"{module_id} on {channel}" for module_id, channel in power.channels.items())
    findings.step = f"{power.analyzer} ({channels})"
    identity = probe_analyzer(power)
    found = "opened with its module" if identity is None else f"{identity.model}, {identity.serial}"
    findings.answered.append(f"{findings.step}: {found}")


def probe_server(server: Server, settings: ProbeSettings, findings: Findings) -> None:
    """A local server started and stopped, or the remote one reached with the rig's token; either way a
    reflector session opened and closed."""
    if server.mode is ServerMode.LOCAL:
        findings.step = f"local server on {server.host}"
        control: ServerControl = LocalServer(host=server.host)
        port = server.port
    else:
        findings.step = f"token from ${server.token_env}"
        token = token_from_environment(server.token_env or "", settings.environ)
        findings.step = f"miot server at {server.host}:{server.port}"
        control = ServerClient(server.host, server.port, token, timeout_s=settings.timeout_s)
        port = 0  # the remote server picks its own free port
    try:
        session = control.open_session(SessionKind.UDP_REFLECTOR, SessionParams(port=port))
        control.close_session(session.session_id)
    finally:
        control.close()
    findings.answered.append(f"{findings.step}: reflector session on port {session.port} opened and closed")


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

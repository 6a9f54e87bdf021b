"""glue layer: how `miot rig check` probes (issue 8 item 1): what a probe found (`Findings`, then one
`ProbeRow`), and `run_probes`, which runs them. The probes themselves are harness.rig_check's (analyzers,
server) and harness.rig_probe_module's (modules).

Probes run side by side, one daemon thread each, so the check takes as long as its slowest probe, not their
sum; each probe's own steps have bounded timeouts (harness.rig_probe_module), and `deadline_s` bounds them
all: a probe still running then (a module whose port blocks an open, a server that accepts and never
replies) is reported as not answering at the step it was in, and left behind, never waited for.

An error a probe did not expect is re-raised in the caller once every probe has ended (STYLE 5).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from harness.errors import HarnessError

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


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__

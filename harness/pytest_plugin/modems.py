"""glue layer: the rig's modules, brought up once per run and shared by the tests that use them.

Bring-up of a module: open its port, start the AT session, pick the dialect, then SIM preparation
(harness.dialects.sim: slot, PIN from the environment, ICCID, operator, APN, attach, home or roaming) and
the identity it read (recorded hashed in run.json). What SIM preparation skipped or accepted is written to
the module's at.log and raised as a warning, so a module that answers ERROR to a command its manual
documents is seen, not silently worked around. A module whose bring-up failed is latched broken: later
tests that need it skip naming the cause instead of failing again (STYLE 11). Each test gets its own
at.log: the transcript moves to the test's directory while the port stays open. Before its port opens, a
module's port lock is taken (harness.transport.port_lock) and held until the run ends, so two runs never
drive one module; a port held by another run is waited for up to the lock wait, then bring-up fails
naming the holder.

Per-operator runs (a plan's `operators`, a rig module with several `[[module.sims]]`): each case asks for
its operator's SIM, and the pool switches the module to it when another is in use
(harness.sim_card.rotation: slot, card present, ICCID, attach with its APN). A failed switch latches that
SIM only: the module stays up, its other SIMs' cases go on, and later cases of that SIM skip naming why.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import serial

from harness.at.identifier_redaction import normalised
from harness.dialects import ConnectOptions, Modem, ModemLink, connect
from harness.dialects.module_health import ModuleFault, RebootWatch, diagnose, ready_urc_of
from harness.dialects.module_recovery import recover_link
from harness.dialects.sim import SimModem, SimReport, prepare_sim
from harness.errors import HarnessError, ModemError
from harness.results import ModuleRecord, hash_identifier
from harness.results.identifiers import IdentifierMode
from harness.rig import Module, Sim
from harness.sim_card.rotation import RotatingModem, switch_sim
from harness.transport.port_lock import hold_port, this_holder

# NB-IoT attach can take minutes in the field (indicators.md §5.1: p95 up to 60 s, 180 s attempt timeout).
ATTACH_TIMEOUT_S = 180.0


@dataclass(frozen=True, slots=True, kw_only=True)
class BringUpFailure:
    module_id: str
    reason: str


class ModemPool:
    """Open modules by id; close them all at the end of the run."""

    def __init__(
        self,
        *,
        id_key: bytes,
        run_id: str,
        identifiers: IdentifierMode = IdentifierMode.HASHED,
        lock_wait_s: float = 0.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._id_key = id_key
        self._identifiers = identifiers
        self._run_id = run_id
        self._lock_wait_s = lock_wait_s
        self._environ = os.environ if environ is None else environ
        self._port_locks = contextlib.ExitStack()
        self._links: dict[str, ModemLink] = {}
        self._watches: dict[str, RebootWatch] = {}
        self._failures: dict[str, BringUpFailure] = {}
        self._sim_failures: dict[tuple[str, Sim], str] = {}
        self._active_sims: dict[str, Sim | None] = {}  # absent: none chosen yet; None: unknown (a failure)
        self._recorded: set[str] = set()  # modules whose ModuleRecord was returned
        self._lock = threading.Lock()

    def failure(self, module_id: str) -> BringUpFailure | None:
        return self._failures.get(module_id)

    def sim_failure(self, module_id: str, sim: Sim) -> str | None:
        """Why switching the module to this SIM failed earlier, None when it did not."""
        return self._sim_failures.get((module_id, sim))

    def active_sim(self, module_id: str) -> Sim | None:
        """The rig SIM the module was last brought up or switched to, None when none (yet)."""
        return self._active_sims.get(module_id)

    def registered(
        self, module: Module, at_log: Path, sim: Sim | None = None
    ) -> tuple[Modem, ModuleRecord | None]:
        """The module's Modem, registered with `sim` (default: its first rig SIM), switched to it when
        another is in use; the ModuleRecord is returned once, on the first SIM preparation that succeeds.

        Raises ModemError (and latches the module) when bring-up fails, SimRotationError or ModemError (and
        latches that SIM) when a module with several SIMs cannot be switched to or registered with it."""
        sim = sim or module.first_sim
        with self._lock:
            failure = self._failures.get(module.id)
            if failure is not None:
                raise ModemError(f"module {module.id} bring-up failed earlier: {failure.reason}")
            link = self._links.get(module.id)
            if link is not None:
                link.session.transcript.retarget(at_log)
                if module.id in self._active_sims and self._active_sims[module.id] == sim:
                    return link.modem, None
            else:
                link = self._connect(module, at_log)
            return link.modem, self._prepare(module, link, sim)

    def _connect(self, module: Module, at_log: Path) -> ModemLink:
        try:
            self._port_locks.enter_context(
                hold_port(module.port, this_holder(self._run_id, module.id), wait_s=self._lock_wait_s)
            )
            link = connect(module.port, self._options(module, at_log))
        except HarnessError as error:
            self._latch(module.id, str(error))
            raise
        self._keep(module.id, link)
        return link

    def _prepare(self, module: Module, link: ModemLink, sim: Sim | None) -> ModuleRecord | None:
        """SIM preparation with `sim`; a failure latches the SIM of a module that has several, else the
        module (its link closed)."""
        try:
            record = self._bring_up(module, link, sim)
        except HarnessError as error:
            if len(module.all_sims) > 1 and sim is not None:
                self._sim_failures[(module.id, sim)] = str(error).splitlines()[0]
                self._active_sims[module.id] = None
            else:
                self._links.pop(module.id)
                self._watches.pop(module.id).close()
                link.close()
                self._latch(module.id, str(error))
            raise
        if module.id in self._recorded:
            return None
        self._recorded.add(module.id)
        return record

    def _latch(self, module_id: str, error: str) -> None:
        reason = error.splitlines()[0]
        self._failures[module_id] = BringUpFailure(module_id=module_id, reason=reason)

    def now_s(self, module_id: str) -> float | None:
        """The module's AT session clock, None when it is not up."""
        with self._lock:
            link = self._links.get(module_id)
        return None if link is None else link.session.now_s()

    def diagnose(self, module_id: str, error: BaseException | None, *, since_s: float) -> ModuleFault | None:
        """Whether a case's failure was a rig fault (hung, rebooted, vanished) rather than the module's."""
        with self._lock:
            link, watch = self._links.get(module_id), self._watches.get(module_id)
        if link is None or watch is None:
            return None
        return diagnose(link.session, error, watch, since_s=since_s)

    def recover(self, module: Module, fault: ModuleFault, at_log: Path) -> str:
        """Bring the module back after `fault` and up again (SIM, registration); what was done, or why it
        could not be, in words. A module not recovered is latched broken: its later cases skip."""
        with self._lock:
            link = self._links.pop(module.id)
            self._watches.pop(module.id).close()
            try:
                recovered = recover_link(
                    link, module, fault, self._options(module, at_log, dialect=link.dialect)
                )
                try:
                    self._bring_up(
                        module, recovered.link, self._active_sims.get(module.id) or module.first_sim
                    )
                except BaseException:
                    recovered.link.close()
                    raise
            except HarnessError as error:
                reason = f"{fault.kind} and not recovered: {str(error).splitlines()[0]}"
                self._failures[module.id] = BringUpFailure(module_id=module.id, reason=reason)
                return f"not recovered ({str(error).splitlines()[0]}); its later cases skip"
            self._keep(module.id, recovered.link)
        return f"recovered in {recovered.took_s:.1f} s: {recovered.how}, registered again"

    def _keep(self, module_id: str, link: ModemLink) -> None:
        self._links[module_id] = link
        self._watches[module_id] = RebootWatch(link.session, ready_urc_of(link.modem))

    def port_of(self, module_id: str) -> serial.SerialBase:
        """The open port of a module brought up earlier."""
        with self._lock:
            return self._links[module_id].port

    def close(self) -> None:
        with self._lock:
            links, self._links = self._links, {}
        for link in links.values():
            link.close()
        for watch in self._watches.values():
            watch.close()
        self._port_locks.close()

    def _bring_up(self, module: Module, link: ModemLink, sim: Sim | None) -> ModuleRecord:
        modem = link.modem
        if not isinstance(modem, SimModem):
            raise ModemError(
                f"dialect {link.dialect} offers no SIM preparation (harness.dialects.sim.SimModem)"
            )
        if len(module.all_sims) > 1 and sim is not None:
            if not isinstance(modem, RotatingModem):
                raise ModemError(f"dialect {link.dialect} cannot switch SIMs (no radio on/off)")
            report = switch_sim(
                modem, module, sim, self._environ, attach_timeout_s=ATTACH_TIMEOUT_S, show=self._shown
            )
        else:
            report = prepare_sim(modem, sim, self._environ, attach_timeout_s=ATTACH_TIMEOUT_S)
        self._active_sims[module.id] = sim
        for note in report.notes:
            link.session.transcript.note(f"SIM preparation: {note}")
            warnings.warn(f"module {module.id}: {note}", stacklevel=2)
        return self._record(module, link.dialect, report, sim)

    def _shown(self, identifier: str) -> str:
        """An identifier in a message: in clear in a clear-identifier run, else its keyed hash."""
        return identifier if self._identifiers is IdentifierMode.CLEAR else f"hash {self._hash(identifier)}"

    def _record(self, module: Module, dialect: str, report: SimReport, sim: Sim | None) -> ModuleRecord:
        identity = report.identity
        return ModuleRecord(
            module_id=module.id,
            rat=str(module.rat),
            dialect=dialect,
            model=identity.model,
            firmware=identity.firmware,
            imei_hash=self._hashed(identity.imei),
            imsi_hash=self._hashed(identity.imsi),
            iccid_hash=self._hashed(identity.iccid),
            operator=report.operator or (sim.operator if sim else None),
            apn=report.apn,
            **self._clear(identity.imei, identity.imsi, identity.iccid),
        )

    def _hashed(self, value: str | None) -> str | None:
        return None if value is None else self._hash(value)

    def _hash(self, value: str) -> str:
        # normalised as the transcript sees it (an ICCID without its F pad), so at.log and run.json agree
        return hash_identifier(normalised(value), self._id_key)

    def _clear(self, imei: str | None, imsi: str | None, iccid: str | None) -> dict[str, str | None]:
        if self._identifiers is not IdentifierMode.CLEAR:
            return {}
        return {"imei": imei, "imsi": imsi, "iccid": iccid}

    def _options(self, module: Module, at_log: Path, *, dialect: str | None = None) -> ConnectOptions:
        return ConnectOptions(
            dialect=dialect or module.dialect,
            baudrate=module.baudrate,
            transcript_path=at_log,
            identifier_hash=self._hash if self._identifiers is IdentifierMode.HASHED else None,
        )

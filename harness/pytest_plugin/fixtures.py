"""glue layer: the fixtures plan-driven tests receive. Nouns for what the test gets (STYLE "What a
plan-driven test should look like"): `case`, `registered_modem`, `radio`, `server`, `echo_server`,
`capture`, `is_capture_on`, `kpis`, `evidence`, `power`, `case_events`; `host_data_path` is in
harness.pytest_plugin.data_path. `case` itself comes from parametrisation (harness.pytest_plugin.cases).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from harness.capture import CaptureRecord, CaptureSpec, capture_problem
from harness.capture import capture as start_capture
from harness.dialects import Modem
from harness.errors import HarnessError
from harness.kpi import KpiRecorder
from harness.power import (
    CurrentRecording,
    Marker,
    PowerAnalyzer,
    check_trace,
    open_analyzer,
    record_current,
    with_markers,
)
from harness.pytest_plugin import settings
from harness.pytest_plugin.cases import CaseRun
from harness.pytest_plugin.html_report import CAPTURE_PROPERTY
from harness.pytest_plugin.modems import ModemPool
from harness.pytest_plugin.plan_run import PLAN_RUN, PlanRun
from harness.pytest_plugin.radio_sampling import RADIO_LOG, RadioLog
from harness.pytest_plugin.verdicts import KPIS
from harness.pytest_plugin.workers import MODULE_RECORD
from harness.results import ModuleRecord, write_parquet_atomic, write_samples
from harness.rig import CapturePoint, ServerMode
from harness.server import (
    LocalServer,
    ServerControl,
    SessionInfo,
    SessionKind,
    SessionParams,
)
from harness.server.client import ServerClient, token_from_environment
from harness.sim_card.rotation import SimRotationError
from harness.transport.radio_control import RadioControl, changed_conditions, radio_control_of

CaptureFactory = Callable[[str, str], AbstractContextManager[CaptureRecord | None]]
# What the case's report says about its captures: off (and why), or packets dropped.
CAPTURE_NOTES = pytest.StashKey[list[str]]()


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """Where a test's files go: results/<run>/tests/<test_id>/. Samples written while the case's radio is
    sampled get the latest reading joined (harness.pytest_plugin.radio_sampling)."""

    dir: Path
    radio: RadioLog | None = None

    def write_samples(self, engine: str, frame: pd.DataFrame) -> Path:
        return write_samples(self.dir, engine, self.radio.join(frame) if self.radio else frame)


class PowerMeter:
    """The analyzer channel of a test's module. `with power.record() as recording:` records the block's
    current; each recording is added to the test's power.parquet (t_s from the first recording's start) as
    the block ends, and `recording.trace` holds it. `power.mark(label)` stamps a test event on the running
    recording; power.parquet carries the markers (harness.power.markers_of reads them)."""

    def __init__(self, *, analyzer: PowerAnalyzer, path: Path) -> None:
        self.analyzer = analyzer
        self.path = path
        self._traces: list[pd.DataFrame] = []
        self._markers: list[Marker] = []
        self._first_start_s: float | None = None
        self._recording: CurrentRecording | None = None

    @contextlib.contextmanager
    def record(self, *, sample_rate_hz: float | None = None) -> Iterator[CurrentRecording]:
        try:
            with record_current(self.analyzer, sample_rate_hz=sample_rate_hz) as recording:
                self._recording = recording
                yield recording
        finally:
            self._recording = None
        assert recording.trace is not None
        check_trace(recording.trace, f"the trace of {self.analyzer.identity.analyzer}")
        if self._first_start_s is None:
            self._first_start_s = recording.start_monotonic_s
        shift_s = recording.start_monotonic_s - self._first_start_s
        self._traces.append(recording.trace.assign(t_s=recording.trace["t_s"] + shift_s))
        self._markers += [Marker(t_s=m.t_s + shift_s, label=m.label) for m in recording.markers]
        trace = with_markers(pd.concat(self._traces, ignore_index=True), self._markers)
        write_parquet_atomic(self.path, trace)

    def mark(self, label: str) -> Marker:
        """Stamp a test event now on the running recording; HarnessError when none runs."""
        if self._recording is None:
            raise HarnessError(f"power marker {label!r}: no recording is running (use power.record())")
        return self._recording.mark(label)


@pytest.fixture(scope="session")
def plan_run(request: pytest.FixtureRequest) -> PlanRun:
    run = request.config.stash.get(PLAN_RUN, None)
    if run is None:
        pytest.skip("not a plan run: give --plan or run the tests in testplans/")
    return run


@pytest.fixture(scope="session")
def modem_pool(request: pytest.FixtureRequest, plan_run: PlanRun) -> Iterator[ModemPool]:
    pool = ModemPool(
        id_key=plan_run.id_key,
        identifiers=plan_run.identifiers,
        run_id=plan_run.run_dir.run_id,
        lock_wait_s=settings.seconds(request.config, "lock_wait_s"),
    )
    yield pool
    pool.close()


@pytest.fixture
def evidence(request: pytest.FixtureRequest, plan_run: PlanRun, case: CaseRun) -> Evidence:
    log = request.node.stash.setdefault(RADIO_LOG, RadioLog())
    return Evidence(dir=plan_run.run_dir.test_dir(case.test_id), radio=log)


@pytest.fixture
def registered_modem(
    request: pytest.FixtureRequest,
    plan_run: PlanRun,
    modem_pool: ModemPool,
    case: CaseRun,
    evidence: Evidence,
) -> Iterator[Modem]:
    """The case's module, registered to the network with the case's SIM (switched to it when the plan
    sweeps operators); its AT transcript goes to this test's at.log. A case with `conditions` runs with them
    held (the test skips when the rig cannot set them) and put back after."""
    modem, record = _registered(plan_run, modem_pool, case, evidence.dir / "at.log")
    if record is not None:  # run.json gets it from the report (harness.pytest_plugin.workers)
        request.node.stash[MODULE_RECORD] = record
    conditions = case.case.conditions
    if not conditions:
        yield modem
        return
    shown = ", ".join(f"{name}={value:g}" for name, value in conditions.items())
    control = radio_control_of(modem_pool.port_of(case.module.id))
    if control is None:
        pytest.skip(
            f"case {case.id} holds radio conditions ({shown}): the rig cannot set them for {case.module.id}"
        )
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(changed_conditions(control, conditions))
        except (HarnessError, ValueError) as error:
            pytest.fail(f"module {case.module.id}: radio conditions {shown} not set: {error}", pytrace=False)
        plan_run.record_event(case.test_id, "conditions", **conditions)
        yield modem


def _registered(
    run: PlanRun, pool: ModemPool, case: CaseRun, at_log: Path
) -> tuple[Modem, ModuleRecord | None]:
    """The pool's modem for the case, skipping when its module or its SIM failed before (STYLE 11); a
    failure now is the case's error (a setup error: the rig's SIM, not the module, stopped it)."""
    failure = pool.failure(case.module.id)
    if failure is not None:
        pytest.skip(f"module {failure.module_id} bring-up failed: {failure.reason}")
    sim = case.sim
    earlier = None if sim is None else pool.sim_failure(case.module.id, sim)
    if earlier is not None:
        pytest.skip(f"module {case.module.id}: its SIM of operator {case.operator} failed earlier: {earlier}")
    before = pool.active_sim(case.module.id)
    try:
        modem, record = pool.registered(case.module, at_log, sim)
    except HarnessError as error:
        what = "bring-up failed" if sim is None or len(case.module.all_sims) < 2 else "SIM rotation failed"
        run.record_event(
            case.test_id,
            "sim_rotation_failed" if isinstance(error, SimRotationError) else "bring_up_failed",
            module_id=case.module.id,
            operator=case.operator,
            reason=str(error).splitlines()[0],
        )
        # STYLE 8: what went wrong and where the full log is, not a traceback through the harness
        pytest.fail(f"module {case.module.id} {what}: {error}; transcript: {at_log}", pytrace=False)
    if sim is not None and len(case.module.all_sims) > 1 and before != sim:
        run.record_event(
            case.test_id, "sim_switch", module_id=case.module.id, operator=sim.operator, slot=sim.slot
        )
    return modem, record


@pytest.fixture
def radio(modem_pool: ModemPool, case: CaseRun, registered_modem: Modem) -> RadioControl:
    """The radio conditions around the case's module (an attenuator in a lab, the control channel of a
    virtual module); the test skips when the rig has no way to change them."""
    control = radio_control_of(modem_pool.port_of(case.module.id))
    if control is None:
        pytest.skip(f"module {case.module.id}: the rig has no control over its radio conditions")
    return control


@pytest.fixture
def power(
    request: pytest.FixtureRequest,
    plan_run: PlanRun,
    modem_pool: ModemPool,
    case: CaseRun,
    evidence: Evidence,
) -> Iterator[PowerMeter]:
    """The current of the case's module (registered), on the analyzer channel the rig wires it to (a lab
    instrument, or the virtual rail); the test skips, before any bring-up, when the rig measures no current
    for that module."""
    channel = plan_run.rig.power_channel(case.module.id)
    if channel is None:
        pytest.skip(f"module {case.module.id}: the rig measures no current for it (no [[power]] channel)")
    request.getfixturevalue("registered_modem")
    try:
        analyzer = open_analyzer(channel, port=modem_pool.port_of(case.module.id))
    except HarnessError as error:
        pytest.fail(f"module {case.module.id}: power analyzer {channel.power.id!r}: {error}", pytrace=False)
    try:
        yield PowerMeter(analyzer=analyzer, path=evidence.dir / "power.parquet")
    finally:
        analyzer.close()


@pytest.fixture(scope="session")
def server(plan_run: PlanRun) -> Iterator[ServerControl]:
    """The rig's test server: a LocalServer in this process (its sessions are threads, nothing to start or
    authenticate), or the rig's remote `miot server` reached with the token from its variable."""
    setting = plan_run.rig.server
    try:
        if setting.mode is ServerMode.LOCAL:
            control: ServerControl = LocalServer(
                host=setting.host, capture_snaplen_bytes=plan_run.rig.capture.kept_bytes
            )
        else:
            token = token_from_environment(setting.token_env or "")
            control = ServerClient(setting.host, setting.port, token)
    except HarnessError as error:
        pytest.fail(f"test server ({setting.mode.value}): {error}", pytrace=False)
    yield control
    control.close()


@pytest.fixture
def echo_server(plan_run: PlanRun, server: ServerControl) -> Iterator[SessionInfo]:
    """A UDP reflector session for one test (on the rig's port for a local server), closed after it."""
    setting = plan_run.rig.server
    port = setting.port if setting.mode is ServerMode.LOCAL else 0
    session = server.open_session(SessionKind.UDP_REFLECTOR, SessionParams(port=port))
    yield session
    server.close_session(session.session_id)


@pytest.fixture
def is_capture_on(plan_run: PlanRun) -> bool:
    """Whether the rig captures at all: for engines that capture their own server sessions."""
    return plan_run.rig.capture.point is not CapturePoint.OFF


class CaseEvents:
    """What a test body tells the run besides its KPIs: an event in events.jsonl (with the test's id), and,
    where a reader of the report must see it, a note in the case's report (HTML and JUnit, as the capture's
    notes)."""

    def __init__(self, *, item: pytest.Item, run: PlanRun, case: CaseRun) -> None:
        self._item = item
        self._run = run
        self._case = case

    def record(self, event: str, *, note: str | None = None, **fields: object) -> None:
        self._run.record_event(self._case.test_id, event, **fields)
        if note is not None:
            _note(self._item, note)


@pytest.fixture
def case_events(request: pytest.FixtureRequest, plan_run: PlanRun, case: CaseRun) -> CaseEvents:
    return CaseEvents(item=request.node, run=plan_run, case=case)


@pytest.fixture
def kpis(request: pytest.FixtureRequest, case: CaseRun) -> KpiRecorder:
    recorder = KpiRecorder(case.case.limits)
    request.node.stash[KPIS] = recorder
    return recorder


@pytest.fixture
def capture(
    request: pytest.FixtureRequest, plan_run: PlanRun, evidence: Evidence, case: CaseRun
) -> CaptureFactory:
    """`with capture("server", bpf):` records the block's packets into capture-server.pcap; where capture
    cannot run (no privileges, or the rig turns it off) the block runs uncaptured, with a warning and an
    event in events.jsonl saying why. tcpdump's counters go to events.jsonl; a capture that dropped packets
    warns. Either way the case's report says so (CAPTURE_NOTES)."""

    @contextlib.contextmanager
    def factory(point: str, bpf: str) -> Iterator[CaptureRecord | None]:
        setting = plan_run.rig.capture
        reason = capture_problem()
        if setting.point is CapturePoint.OFF or setting.point != point:
            reason = f"the rig captures at {setting.point.value!r}"
        if reason is not None:
            _capture_off(plan_run, case, point, reason)
            _note(request.node, f"capture at {point} was off ({reason}): endpoint figures only")
            yield None
            return
        spec = CaptureSpec(
            point=point, interface=setting.interface or "lo", bpf=bpf, snaplen_bytes=setting.kept_bytes
        )
        with start_capture(spec, evidence.dir / f"capture-{point}.pcap") as record:
            yield record
        _capture_done(plan_run, case, record)
        if not record.is_lossless:
            warnings.warn(f"{case.test_id}: {record.describe_drops()}", stacklevel=3)
            _note(request.node, record.describe_drops())

    return factory


def _note(item: pytest.Item, note: str) -> None:
    """For the case's HTML report (CAPTURE_NOTES) and its JUnit properties (CI reads no HTML)."""
    item.stash.setdefault(CAPTURE_NOTES, []).append(note)
    item.user_properties.append((CAPTURE_PROPERTY, note))


def _capture_off(run: PlanRun, case: CaseRun, point: str, reason: str) -> None:
    warnings.warn(f"{case.test_id}: no packet capture at {point}: {reason}", stacklevel=3)
    run.record_event(case.test_id, "capture_off", point=point, reason=reason)


def _capture_done(run: PlanRun, case: CaseRun, record: CaptureRecord) -> None:
    run.record_event(
        case.test_id,
        "capture",
        point=record.spec.point,
        pcap=record.path.name,
        snaplen_bytes=record.spec.snaplen_bytes,
        packets=record.packets,
        received_by_filter=record.received_by_filter,
        dropped_by_kernel=record.dropped_by_kernel,
        dropped_by_interface=record.dropped_by_interface,
    )

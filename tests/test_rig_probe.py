"""harness.rig_probe: probes side by side within a deadline (a hung one reported at its step, an unexpected
error re-raised in the caller)."""

from __future__ import annotations

import threading
import time

import pytest

from harness.rig_probe import Findings, ProbeStatus, run_probes

DEADLINE_S = 0.5


def test_a_hung_probe_is_reported_at_its_step_once_the_deadline_passes() -> None:
    release = threading.Event()

    def hangs(findings: Findings) -> None:
        findings.answered.append("dialect quectel_nbiot")
        findings.step = "signal"
        release.wait()

    def answers(findings: Findings) -> None:
        findings.answered.append("fine")

    started_s = time.monotonic()
    try:
        rows = run_probes(
            [(Findings("module", "hung"), hangs), (Findings("server", "local"), answers)],
            deadline_s=DEADLINE_S,
        )
    finally:
        release.set()

    assert time.monotonic() - started_s < DEADLINE_S + 2.0  # bounded, with room for a loaded machine
    hung, fine = rows
    assert hung.status is ProbeStatus.FAILED
    assert hung.answered == ("dialect quectel_nbiot",)
    assert hung.failed == ("signal: no answer within the check's 0.5 s deadline",)
    assert fine.status is ProbeStatus.OK


def test_an_error_no_probe_expects_is_raised_in_the_caller() -> None:
    def broken(findings: Findings) -> None:
        raise ZeroDivisionError("a bug")

    with pytest.raises(ZeroDivisionError, match="a bug"):
        run_probes([(Findings("power", "rail"), broken)], deadline_s=DEADLINE_S)

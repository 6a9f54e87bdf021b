"""harness.rig_probe: probes side by side within a deadline (a hung one reported at its step, an unexpected
error re-raised), and the server probe: local, remote with the rig's token, remote without one."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from harness.rig import Server, ServerMode
from harness.rig_probe import Findings, ProbeSettings, ProbeStatus, probe_server, run_probes
from harness.server import LocalServer
from harness.server.listener import ControlListener

TOKEN = "test-token-5678"
TOKEN_ENV = "MIOT_TEST_RIG_TOKEN"
DEADLINE_S = 0.5


def settings(environ: dict[str, str] | None = None) -> ProbeSettings:
    return ProbeSettings(id_key=b"k" * 32, environ=environ or {}, timeout_s=2.0)


@pytest.fixture
def listener() -> Iterator[ControlListener]:
    sessions = LocalServer()
    with ControlListener(sessions, host="127.0.0.1", port=0, token=TOKEN) as running:
        yield running
    sessions.close()


def remote(listener: ControlListener) -> Server:
    host, port = listener.address
    return Server(mode=ServerMode.REMOTE, host=host, port=port, token_env=TOKEN_ENV)


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


def test_a_local_server_opens_and_closes_a_reflector_session() -> None:
    findings = Findings("server", "local")

    probe_server(Server(), settings(), findings)

    (answer,) = findings.answered
    assert answer.startswith("local server on 127.0.0.1: reflector session on port ")
    assert answer.endswith(" opened and closed")


def test_a_remote_server_is_reached_with_the_token_from_the_rigs_variable(listener: ControlListener) -> None:
    findings = Findings("server", "remote")

    probe_server(remote(listener), settings({TOKEN_ENV: TOKEN}), findings)

    host, port = listener.address
    (answer,) = findings.answered
    assert answer.startswith(f"miot server at {host}:{port}: reflector session on port ")
    assert TOKEN not in answer


def test_a_remote_server_refusing_the_token_is_an_error_naming_it(listener: ControlListener) -> None:
    (row,) = run_probes(
        [
            (
                Findings("server", "remote"),
                lambda f: probe_server(remote(listener), settings({TOKEN_ENV: "wrong-1234"}), f),
            )
        ],
        deadline_s=10.0,
    )

    host, port = listener.address
    (failure,) = row.failed
    assert failure.startswith(f"miot server at {host}:{port}: hello: the miot server at {host}:{port} said: ")
    assert "wrong-1234" not in failure

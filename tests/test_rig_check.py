"""harness.rig_check: the server probe: a local server, a remote one reached with the token from the rig's
variable, a remote one refusing the token (never shown)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness.rig import Server, ServerMode
from harness.rig_check import probe_server
from harness.rig_probe import Findings, ProbeSettings, run_probes
from harness.server import LocalServer
from harness.server.listener import ControlListener

TOKEN = "test-token-5678"
TOKEN_ENV = "MIOT_TEST_RIG_TOKEN"


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

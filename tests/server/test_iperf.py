"""An iperf3 session is one one-off iperf3 server: it serves one test, keeps the JSON, ends by pid."""

from __future__ import annotations

import os
import subprocess

import pytest

from harness.server import LocalServer, SessionKind, SessionParams
from harness.server.iperf import Iperf3Session, iperf3_problem

pytestmark = pytest.mark.skipif(iperf3_problem() is not None, reason=f"{iperf3_problem()}")
CLIENT_TIMEOUT_S = 30


def iperf3_client(port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    command = ["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t", "1", "--json", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, check=False)


def test_a_test_against_the_session_is_in_its_report_and_counters() -> None:
    server = LocalServer()
    try:
        info = server.open_session(SessionKind.IPERF3)
        assert info.bpf == f"port {info.port}"
        client = iperf3_client(info.port, "-b", "20M")
        assert client.returncode == 0, client.stdout[-500:]
        counters = server.close_session(info.session_id)
        report = server.iperf3_report(info.session_id)
    finally:
        server.close()
    assert report is not None
    assert report["end"]["sum_received"]["bytes"] == counters.received_bytes > 0
    assert counters.connections == 1


def test_two_sessions_serve_two_clients_at_once() -> None:
    server = LocalServer()
    try:
        first, second = (server.open_session(SessionKind.IPERF3) for _ in range(2))
        clients = [
            subprocess.Popen(
                ["iperf3", "-c", "127.0.0.1", "-p", str(info.port), "-t", "1", "-b", "5M", "--json"],
                stdout=subprocess.DEVNULL,
            )
            for info in (first, second)
        ]
        assert [client.wait(timeout=CLIENT_TIMEOUT_S) for client in clients] == [0, 0]
        for info in (first, second):
            assert server.close_session(info.session_id).received_bytes > 0
    finally:
        server.close()


def test_an_unused_session_is_ended_by_its_pid_when_closed() -> None:
    session = Iperf3Session(host="127.0.0.1", params=SessionParams())
    session.start()
    pid = session.pid
    assert pid is not None
    os.kill(pid, 0)  # running
    session.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert session.counters().is_open is False

"""server layer: an iperf3 server session, one `iperf3 -s -1 -p <port> --json` process per session.

iperf3 serves one client at a time and refuses a second (iperf3(1), "the server is busy"), so every session
gets its own one-off server (`-1`: it exits after one test) bound to the session's address (`-B`). The
process is started and ended by its pid, never by name; its JSON report (the receiver's figures are the
ones to use: ../shared/reference/this-machine.md, "Pitfalls") is kept whole, up to MAX_REPORT_BYTES.

Readiness is read from /proc/thread-self/net/tcp (the port in LISTEN state, in the calling thread's network
namespace, which iperf3 inherits), because connecting to find out would be the one test a `-1` server
serves.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.server.samples import RowBudget, SampleTable
from harness.server.session import ServerError, SessionCounters, SessionParams

MAX_REPORT_BYTES = 16 << 20
_START_TIMEOUT_S = 5.0
_STOP_TIMEOUT_S = 3.0
_TCP_LISTEN = "0A"  # the LISTEN state in /proc/net/tcp (include/net/tcp_states.h)


def iperf3_problem() -> str | None:
    """Why an iperf3 session cannot run here, or None."""
    return None if shutil.which("iperf3") else "iperf3 is not installed (Debian package iperf3)"


class Iperf3Session:
    """One one-off iperf3 server on `host`, on `params.port` or a free port."""

    name = "iperf3"
    knock = b""

    def __init__(self, *, host: str, params: SessionParams, budget: RowBudget | None = None) -> None:
        self.host = host
        self.params = params
        self.port = 0
        # iperf3 keeps its own per-interval figures in its report; the table stays empty.
        self.samples = SampleTable(max_rows=0, budget=budget or RowBudget())
        self._process: subprocess.Popen[bytes] | None = None
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop)
        self._report: dict[str, Any] | None = None

    def start(self) -> None:
        if (problem := iperf3_problem()) is not None:
            raise ServerError(problem)
        self.port = self.params.port or _free_port(self.host)
        command = ["iperf3", "-s", "-1", "-p", str(self.port), "-B", self.host, "--json"]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=self._output, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while not _is_listening(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ServerError(
                    f"iperf3 did not start listening on {self.host}:{self.port}: {self._tail()}"
                )
            time.sleep(0.01)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def report(self) -> dict[str, Any] | None:
        """iperf3's JSON report once the test (or the session) has ended; None before."""
        if self._report is None and self._process is not None and self._process.poll() is not None:
            self._report = self._read_report()
        return self._report

    def counters(self) -> SessionCounters:
        report = self.report()
        is_open = self._process is not None and self._process.poll() is None
        end = report.get("end", {}) if report else {}
        # TCP reports sum_received/sum_sent; UDP only `sum`, the receiving end's figures
        received = end.get("sum_received") or end.get("sum") or {}
        return replace(
            SessionCounters(),
            received_bytes=int(received.get("bytes", 0)),
            sent_bytes=int(end.get("sum_sent", {}).get("bytes", 0)),
            connections=len(end.get("streams", [])),
            is_open=is_open,
        )

    def stop(self) -> None:
        """End the server by its pid if its test has not ended it, and keep its report."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=_STOP_TIMEOUT_S)
        if process is not None and self._report is None:
            self._report = self._read_report()
        self._output.close()

    def _read_report(self) -> dict[str, Any] | None:
        self._output.seek(0)
        text = self._output.read(MAX_REPORT_BYTES)
        try:
            report = json.loads(text)
        except ValueError:
            return {"error": f"iperf3 wrote no JSON report: {text[-300:].decode(errors='replace')}"}
        return report if isinstance(report, dict) else None

    def _tail(self) -> str:
        self._output.seek(0)
        return self._output.read()[-300:].decode(errors="replace").strip()


def _free_port(host: str) -> int:
    """A port free on `host` now (iperf3 binds it a moment later; a clash shows as a start failure)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _is_listening(port: int) -> bool:
    for table in (Path("/proc/thread-self/net/tcp"), Path("/proc/thread-self/net/tcp6")):
        try:
            lines = table.read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == _TCP_LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False

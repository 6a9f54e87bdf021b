"""Secrets stay out of every output (issue 9 item 6): `miot run` of a short plan on a virtual module whose SIM
asks for a PIN (harness.virtual.sim_lock) with a remote `miot server` on loopback that wants a token, both
from the environment as a lab sets them; then `miot export` and `miot report` of that run. Every file those
write (logs, at.log transcripts, case files, junit.xml, events, reports, pcaps, Parquet, the export, the
cross-run report) and every command's console output (`miot rig check` of the same rig's too) is scanned
for the PIN and the token: as bytes, as text after decoding, and for Parquet cell by cell (its pages may be
compressed). None may be found.

The PIN is a number, so it is looked for where a number would stand alone (not inside a longer run of
digits: a timestamp may hold any 8 digits by chance); the token (32 hex characters) anywhere.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from harness.server.control import TOKEN_ENV
from harness.virtual.process import child_environment
from tests.server.server_process import miot_server

CHECKOUT = Path(__file__).resolve().parents[2]
RUN_ID = "secrets"
PIN_ENV = "MIOT_TEST_SIM_PIN"
COMMAND_TIMEOUT_S = 180
PLAN = """
[plan]
name = "secrets"

[[case]]
id = "echo"
test = "test_udp_echo"
params = { probes = 5, payload_bytes = 64, interval_s = 0.2, timeout_s = 5.0, warmup_probes = 1 }
limits.loss_pct = { high = 0 }

[[case]]
id = "ping"
test = "test_ping"
params = { requests = 2, interval_s = 0.5, timeout_s = 5, warmup_requests = 0 }

[[case]]
id = "stream-ul"
test = "test_udp_stream"
params = { direction = "ul", payload_bytes = 128, rate_kbps = 20, packets = 10, drain_s = 1 }
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretRun:
    pin: str
    token: str
    scanned: list[Path]
    consoles: dict[str, str]
    run_returncode: int


def rig(port: int, pin: str) -> str:
    return f"""
[rig]
name = "secrets"

[server]
mode = "remote"
host = "127.0.0.1"
port = {port}
token_env = "{TOKEN_ENV}"

[capture]
point = "server"
interface = "lo"

[[module]]
id = "nb-pin"
port = "virtual://bc660k?pin={pin}&attach_s=0.5&delay_ms=20&jitter_ms=0"
rat = "nbiot"
[module.sim]
operator = "00101"
apn = "iot.test"
pin_env = "{PIN_ENV}"
"""


@pytest.fixture(scope="module")
def secret_run(tmp_path_factory: pytest.TempPathFactory) -> SecretRun:
    pin = f"{secrets.randbelow(10**8):08d}"
    token = secrets.token_hex(16)
    folder = tmp_path_factory.mktemp("secrets")
    results, export, report = folder / "results", folder / "export", folder / "cross-run" / "report.html"
    environment = {**child_environment(), TOKEN_ENV: token, PIN_ENV: pin}
    report.parent.mkdir()
    consoles: dict[str, str] = {}
    with miot_server(token) as server:
        (folder / "rig.toml").write_text(rig(server.port, pin), encoding="utf-8")
        (folder / "plan.toml").write_text(PLAN, encoding="utf-8")
        run = miot(
            environment,
            consoles,
            "run",
            f"--rig={folder / 'rig.toml'}",
            f"--plan={folder / 'plan.toml'}",
            f"--results={results}",
            f"--run-id={RUN_ID}",
        )
        rig_file = str(folder / "rig.toml")
        checked = miot(environment, consoles, "rig", "check", rig_file, f"--results={results}")
    exported = miot(environment, consoles, "export", str(results / RUN_ID), "--to", str(export))
    reported = miot(environment, consoles, "report", str(results / RUN_ID), "-o", str(report))
    assert (checked.returncode, exported.returncode, reported.returncode) == (0, 0, 0), consoles
    consoles["server"] = "".join(server.output)
    scanned = sorted(path for root in (results, export, report.parent) for path in files_under(root))
    return SecretRun(pin=pin, token=token, scanned=scanned, consoles=consoles, run_returncode=run.returncode)


def miot(
    environment: dict[str, str], consoles: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=CHECKOUT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    consoles[" ".join(args[:2]) if args[0] == "rig" else args[0]] = completed.stdout + completed.stderr
    return completed


def files_under(root: Path) -> Iterator[Path]:
    return (path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def hits(data: bytes, pin: str, token: str) -> list[str]:
    """What of the secrets `data` holds, as bytes or as text (UTF-8 or UTF-16, as a Windows tool writes)."""
    found = []
    pin_pattern = re.compile(rb"(?<![0-9])" + pin.encode() + rb"(?![0-9])")
    texts = [data, data.decode("utf-8", "replace").encode(), data.decode("utf-16-le", "replace").encode()]
    if any(pin_pattern.search(text) for text in texts):
        found.append("pin")
    if any(token.encode() in text for text in texts):
        found.append("token")
    return found


def parquet_cells(path: Path) -> bytes:
    frame = pd.read_parquet(path)
    cells = [*frame.columns, *frame.to_numpy().ravel().tolist()]
    return "\n".join(map(str, cells)).encode()


def test_the_run_passed_with_the_pin_entered_and_the_server_used(secret_run: SecretRun) -> None:
    assert secret_run.run_returncode == 0, secret_run.consoles["run"][-3000:]
    names = {path.name for path in secret_run.scanned}
    assert {"at.log", "junit.xml", "run.json", "events.jsonl", "report.html", "measurements.csv"} <= names
    assert any(name.startswith("capture-") and name.endswith(".pcap") for name in names)
    assert any(name.endswith(".parquet") for name in names)
    assert any(path.parent.name == "cross-run" and path.name == "report.html" for path in secret_run.scanned)
    assert any("export" in path.parts for path in secret_run.scanned)
    transcripts = [path.read_text(encoding="utf-8") for path in secret_run.scanned if path.name == "at.log"]
    assert any("AT+CPIN=" in transcript for transcript in transcripts)  # entered, and shown only as masked


def test_no_output_file_holds_the_pin_or_the_token(secret_run: SecretRun) -> None:
    leaks = {}
    for path in secret_run.scanned:
        data = path.read_bytes()
        if path.suffix == ".parquet":
            data += b"\n" + parquet_cells(path)
        if found := hits(data, secret_run.pin, secret_run.token):
            leaks[str(path)] = found
    assert leaks == {}
    assert len(secret_run.scanned) > 20


def test_no_console_output_holds_the_pin_or_the_token(secret_run: SecretRun) -> None:
    leaks = {
        name: found
        for name, text in secret_run.consoles.items()
        if (found := hits(text.encode(), secret_run.pin, secret_run.token))
    }
    assert leaks == {}

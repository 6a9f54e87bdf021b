"""`miot rig check` (harness/cli_rig.py) over virtual modules: one table with a row per module, power analyzer
and server; exit 0 when everything answered, 1 when something did not (the table still whole), 2 for a bad
rig. Rigs are tmp_path copies of the default one, edited by each test; AT waits are short (--timeout-s)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import EXIT_USER_ERROR, main
from harness.results import hash_identifier, load_id_key
from harness.transport.port_lock import hold_port, this_holder
from harness.virtual.options import derived_identity
from tests.test_cli import CHECKOUT, VIRTUAL_RIG, copied

SHORT_TIMEOUT_S = "1"
TOKEN_ENV = "MIOT_TEST_RIG_CHECK_TOKEN"
LOCAL_SERVER = '[server]\nmode = "local"\nhost = "127.0.0.1"\nport = 0                    # any free port'
FIRST_SIM = 'operator = "00101"          # the test PLMN (MCC 001, MNC 01)\n'
SECOND_SIM = 'operator = "00101"\n'
ICCID = "89001012345678901234"


@pytest.fixture(autouse=True)
def lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "locks"
    monkeypatch.setenv("MIOT_LOCK_DIR", str(directory))
    return directory


def check(rig: Path, tmp_path: Path, *options: str) -> list[str]:
    return ["rig", "check", str(rig), f"--results={tmp_path / 'results'}", *options]


def table_rows(out: str) -> dict[tuple[str, str], list[str]]:
    """(kind, id) -> [status, answered, did not answer], from the table's lines (the header skipped)."""
    rows = {}
    lines = [line for line in out.splitlines() if " | " in line]
    assert lines[0].split(" | ")[0].split() == ["kind", "id"]
    for line in lines[1:]:
        kind_id, *cells = (cell.strip() for cell in line.split(" | "))
        kind, row_id = kind_id.split()
        rows[kind, row_id] = cells
    return rows


def test_the_default_rig_answers_everywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CHECKOUT)  # the default rig is relative to the checkout

    assert main(["rig", "check", f"--results={tmp_path / 'results'}"]) == 0

    captured = capsys.readouterr()
    assert captured.err == ""
    assert "rig 'virtual' is valid (2 module(s))" in captured.out
    rows = table_rows(captured.out)
    assert list(rows) == [("module", "nb-ce0"), ("module", "nb-ce1"), ("power", "rail"), ("server", "local")]
    key = load_id_key(tmp_path / "results")
    for module_id, ce in (("nb-ce0", 0), ("nb-ce1", 1)):
        status, answered, failed = rows["module", module_id]
        imei = derived_identity(f"virtual://bc660k?ce={ce}").imei
        assert (status, failed) == ("ok", "-")
        assert answered.startswith(
            f"dialect quectel_nbiot, Quectel_BC660K-GL BC660KGLAAR01A03, IMEI {hash_identifier(imei, key)}, "
            "SIM ready, registered home on 00101, RSRP -"
        )
        assert imei not in captured.out
    assert rows["power", "rail"] == ["ok", "virtual (nb-ce0 on 1, nb-ce1 on 2): opened with its module", "-"]
    status, answered, _ = rows["server", "local"]
    assert status == "ok"
    assert answered.startswith("local server on 127.0.0.1: reflector session on port ")
    assert "no current measured" not in captured.out


def test_modules_that_do_not_answer_fail_their_rows_within_the_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = copied(
        VIRTUAL_RIG,
        tmp_path,
        ('port = "virtual://bc660k?ce=0"', 'port = "virtual://bc660k?faults=no_response"'),
        ('port = "virtual://bc660k?ce=1"', 'port = "/dev/null"'),
    )
    started_s = time.monotonic()

    assert main(check(rig, tmp_path, f"--timeout-s={SHORT_TIMEOUT_S}")) == 1

    assert time.monotonic() - started_s < 15.0  # 1 s AT waits, however loaded the machine
    rows = table_rows(capsys.readouterr().out)
    assert len(rows) == 4  # the table is whole
    status, answered, failed = rows["module", "nb-ce0"]
    assert (status, answered) == ("failed", "-")
    assert failed.startswith("connect: virtual://bc660k?faults=no_response: no OK to AT within 1 s (")
    assert rows["module", "nb-ce1"] == [
        "failed",
        "-",
        "connect: cannot open /dev/null: Could not configure port: (25, 'Inappropriate ioctl for device')",
    ]
    assert rows["server", "local"][0] == "ok"


def test_a_wrong_iccid_fails_its_module_and_a_right_one_is_as_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = copied(
        VIRTUAL_RIG,
        tmp_path,
        ('port = "virtual://bc660k?ce=0"', f'port = "virtual://bc660k?ce=0&iccid={ICCID}"'),
        (FIRST_SIM, f'{FIRST_SIM}iccid = "89001012345678905678"\n'),
        ('port = "virtual://bc660k?ce=1"', f'port = "virtual://bc660k?ce=1&iccid={ICCID}"'),
        (SECOND_SIM, f'{SECOND_SIM}iccid = "{ICCID}"\n'),
    )

    assert main(check(rig, tmp_path, f"--timeout-s={SHORT_TIMEOUT_S}")) == 1

    out = capsys.readouterr().out
    rows = table_rows(out)
    status, answered, failed = rows["module", "nb-ce0"]
    assert status == "failed"
    assert failed == "ICCID: wrong SIM: its ICCID ends in 1234, the rig expects one ending in 5678"
    assert "SIM ready" in answered  # the other steps still answered
    status, answered, failed = rows["module", "nb-ce1"]
    assert (status, failed) == ("ok", "-")
    assert "SIM ready, ICCID as expected" in answered
    assert ICCID not in out


def test_a_remote_server_without_its_token_is_one_failed_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    remote = f'[server]\nmode = "remote"\nhost = "127.0.0.1"\nport = 7780\ntoken_env = "{TOKEN_ENV}"'
    rig = copied(VIRTUAL_RIG, tmp_path, (LOCAL_SERVER, remote))

    assert main(["rig", "check", f"--rig={rig}", f"--results={tmp_path / 'results'}"]) == 1

    rows = table_rows(capsys.readouterr().out)
    assert rows["server", "remote"] == [
        "failed",
        "-",
        f"token from ${TOKEN_ENV}: the test server token variable {TOKEN_ENV} is not set (or empty)",
    ]
    assert [rows["module", module_id][0] for module_id in ("nb-ce0", "nb-ce1")] == ["ok", "ok"]


@pytest.fixture
def tty_path() -> Iterator[str]:
    """A real tty to name in a rig (a lockable device path); nothing answers on it."""
    controller, terminal = os.openpty()
    try:
        yield os.ttyname(terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_a_module_another_run_holds_is_reported_in_use_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tty_path: str, lock_dir: Path
) -> None:
    rig = copied(VIRTUAL_RIG, tmp_path, ('port = "virtual://bc660k?ce=0"', f'port = "{tty_path}"'))
    holder = this_holder("nightly-42", "nb-ce0")

    with hold_port(tty_path, holder, directory=lock_dir):
        code = main(check(rig, tmp_path, f"--timeout-s={SHORT_TIMEOUT_S}"))

    assert code == 1
    rows = table_rows(capsys.readouterr().out)
    assert rows["module", "nb-ce0"] == ["in use", "-", f"not probed: in use by {holder.describe()}"]
    assert rows["module", "nb-ce1"][0] == "ok"


def test_two_different_rigs_named_at_once_are_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rig", "check", "a.toml", "--rig=b.toml"]) == EXIT_USER_ERROR

    assert capsys.readouterr().err == "miot: error: two rigs given: a.toml and --rig b.toml; give one\n"


def test_each_analyzer_shows_its_identity_or_why_it_did_not_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.power.fake_scpi import FakeScpi

    instrument = FakeScpi()
    tables = (
        '[[power]]\nid = "bench"\nanalyzer = "scpi"\n'
        f'resource = "{instrument.resource}"\nchannels = {{ nb-ce0 = 1 }}\n'
        'options = { transport = "socket", timeout_s = 0.5 }\n\n'
        '[[power]]\nid = "otii"\nanalyzer = "otii"\nresource = "127.0.0.1:1"\nchannels = { nb-ce1 = 1 }\n'
    )
    rig_text = VIRTUAL_RIG.read_text(encoding="utf-8")
    rig = copied(VIRTUAL_RIG, tmp_path, (rig_text[rig_text.index("[[power]]") :], tables))
    try:
        assert main(check(rig, tmp_path, f"--timeout-s={SHORT_TIMEOUT_S}")) == 1
    finally:
        instrument.close()

    rows = table_rows(capsys.readouterr().out)
    assert rows["power", "bench"] == [
        "ok",
        "scpi (nb-ce0 on 1): Keysight Technologies N6705C, MY56000123",
        "-",
    ]
    status, answered, failed = rows["power", "otii"]
    assert (status, answered) == ("failed", "-")
    assert failed.startswith("otii (nb-ce1 on 1): Otii 127.0.0.1:1:")

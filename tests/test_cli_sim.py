"""`miot sim prepare` (harness/cli_sim.py) on a virtual module: a dry run prints what cold preparation would
write and writes nothing, a real one prints every write with its old content, a SIM the rig does not mark
writable is refused in one line (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.cli import EXIT_USER_ERROR, main

DELETED_EPSLOCI = "FF" * 12 + "FFFFFFFFFE01"


@pytest.fixture(autouse=True)
def lock_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "locks"
    monkeypatch.setenv("MIOT_LOCK_DIR", str(directory))
    return directory


def rig(tmp_path: Path, *, is_writable: bool) -> Path:
    path = tmp_path / "rig.toml"
    path.write_text(
        '[rig]\nname = "sim"\n\n[[module]]\nid = "nb-a"\nport = "virtual://bc660k?attach_s=0"\n'
        'rat = "nbiot"\n'
        f"[module.sim]\nwritable = {'true' if is_writable else 'false'}\n",
        encoding="utf-8",
    )
    return path


def test_a_dry_run_prints_what_cold_preparation_would_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["sim", "prepare", str(rig(tmp_path, is_writable=False)), "--module", "nb-a", "--cold", "--dry-run"]
    )

    out = capsys.readouterr().out
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("would write")] == [
        "would write EF_LOCI 6F7E",
        "would write EF_PSLOCI 6F73",
        "would write EF_EPSLOCI 6FE3",
    ]
    assert f"-> {DELETED_EPSLOCI}" in out
    assert "writing" not in out
    assert "miot: module nb-a: cold preparation would write 3 file(s)" in out


def test_cold_preparation_prints_every_write_with_its_old_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sim", "prepare", str(rig(tmp_path, is_writable=True)), "--module", "nb-a", "--cold"])

    out = capsys.readouterr().out
    assert code == 0
    epsloci = next(line for line in out.splitlines() if line.startswith("writing EF_EPSLOCI 6FE3: "))
    old, new = epsloci.removeprefix("writing EF_EPSLOCI 6FE3: ").split(" -> ")
    assert old.startswith("0BF600F110")  # the GUTI on the test PLMN the card held
    assert new == DELETED_EPSLOCI
    assert "miot: module nb-a: cold preparation wrote 3 file(s)" in out


def test_a_sim_not_marked_writable_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sim", "prepare", str(rig(tmp_path, is_writable=False)), "--module", "nb-a", "--cold"])

    captured = capsys.readouterr()
    assert code == EXIT_USER_ERROR
    assert captured.err.count("\n") == 1
    assert "miot: error: cold preparation writes EF_FPLMN" in captured.err
    assert "nothing was written" in captured.err
    assert "writing" not in captured.out


def test_warm_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", "prepare", str(rig(tmp_path, is_writable=True)), "--module", "nb-a", "--warm"]) == 0
    assert "warm preparation: nothing to write" in capsys.readouterr().out

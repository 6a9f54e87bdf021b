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


def two_sim_rig(tmp_path: Path, *, second_iccid: str = "89861100000000000025") -> Path:
    path = tmp_path / "two-sims.toml"
    path.write_text(
        '[rig]\nname = "sims"\n\n[[module]]\nid = "redcap"\n'
        'port = "virtual://rg255c?attach_s=0&sim_slots=2&plmn=46000&iccid=89860000000000000017'
        '&sim2.plmn=46011&sim2.imsi=460110000000025&sim2.iccid=89861100000000000025"\nrat = "redcap"\n'
        '[[module.sims]]\noperator = "46000"\niccid = "89860000000000000017"\nslot = 1\n'
        f'[[module.sims]]\noperator = "46011"\niccid = "{second_iccid}"\nslot = 2\nwritable = true\n',
        encoding="utf-8",
    )
    return path


def test_of_several_sims_the_operator_must_be_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sim", "prepare", str(two_sim_rig(tmp_path)), "--module", "redcap", "--cold", "--dry-run"])

    err = capsys.readouterr().err
    assert code == EXIT_USER_ERROR
    assert err.count("\n") == 1
    assert "holds several SIMs: name one with --operator (46000, 46011)" in err


def test_the_named_operators_sim_is_switched_in_and_checked_before_it_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [
        "sim",
        "prepare",
        str(two_sim_rig(tmp_path)),
        "--module",
        "redcap",
        "--operator",
        "46011",
        "--cold",
    ]
    code = main(argv)

    out = capsys.readouterr().out
    assert code == 0  # slot 2's card is writable in the rig; slot 1's would be refused
    assert "miot: module redcap: cold preparation wrote 3 file(s)" in out


def test_a_card_not_the_rigs_is_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rig_file = two_sim_rig(tmp_path, second_iccid="89861100000000000099")
    code = main(["sim", "prepare", str(rig_file), "--module", "redcap", "--operator", "46011", "--cold"])

    captured = capsys.readouterr()
    assert code == 1
    assert "wrong SIM" in captured.err
    assert "writing" not in captured.out

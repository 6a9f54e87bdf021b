"""The `miot` command (harness/cli.py): bad input is one `miot: error: <file>: <field>: ...` line per problem
on stderr with exit code 2 and no traceback. Inputs are tmp_path copies of the default rig and the smoke
plan, edited by each test; nothing here runs a plan (that is the integration test's job)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.cli import EXIT_USER_ERROR, main
from harness.plan import load_plan

CHECKOUT = Path(__file__).resolve().parents[1]
VIRTUAL_RIG = CHECKOUT / "fixtures" / "rigs" / "virtual.toml"
SMOKE_PLAN = CHECKOUT / "testplans" / "smoke.toml"
ABSENT_DEVICE = "/dev/ttyUSB-miot-absent"


def copied(source: Path, directory: Path, *edits: tuple[str, str]) -> Path:
    """A copy of `source` in `directory` with each (old, new) replaced; an edit that matches nothing is a
    broken test, not a silent no-op."""
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{source} no longer contains {old!r}"
        text = text.replace(old, new)
    path = directory / source.name
    path.write_text(text, encoding="utf-8")
    return path


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return captured.err.splitlines()


def run_args(rig: Path, plan: Path, tmp_path: Path) -> list[str]:
    return ["run", f"--rig={rig}", f"--plan={plan}", f"--results={tmp_path / 'results'}"]


def test_an_unknown_power_analyzer_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = copied(VIRTUAL_RIG, tmp_path, ('analyzer = "virtual"', 'analyzer = "ppk3"'))

    assert main(["rig", "check", f"--rig={rig}"]) == EXIT_USER_ERROR

    (line,) = error_lines(capsys)
    known = "otii, ppk2, scpi, virtual"
    message = f"analyzer 'rail': unknown analyzer 'ppk3' (known: {known})"
    assert line == f"miot: error: {rig}: power[0].analyzer: {message}"


def test_an_unknown_url_scheme_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rig = copied(VIRTUAL_RIG, tmp_path, ('port = "virtual://bc660k?ce=1"', 'port = "nosuch://bc660k?ce=1"'))

    assert main(["rig", "check", f"--rig={rig}"]) == EXIT_USER_ERROR

    (line,) = error_lines(capsys)
    assert line.startswith(f"miot: error: {rig}: module[1].port: unknown scheme 'nosuch' in nosuch://bc660k")


def test_every_rig_problem_gets_its_own_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rig = copied(
        VIRTUAL_RIG,
        tmp_path,
        ('port = "virtual://bc660k?ce=0"', 'port = "nosuch://x"'),
        ('port = "virtual://bc660k?ce=1"', 'port = "virtual://bc660k?ce=9"'),
    )

    assert main(["rig", "check", f"--rig={rig}"]) == EXIT_USER_ERROR

    lines = error_lines(capsys)
    assert len(lines) == 2
    assert lines[0].startswith(f"miot: error: {rig}: module[0].port: unknown scheme 'nosuch'")
    assert lines[1].startswith(f"miot: error: {rig}: module[1].port: ")
    assert "ce" in lines[1]


def test_run_checks_the_rig_before_anything_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = copied(VIRTUAL_RIG, tmp_path, ('port = "virtual://bc660k?ce=1"', 'port = "nosuch://bc660k?ce=1"'))

    assert main(run_args(rig, SMOKE_PLAN, tmp_path)) == EXIT_USER_ERROR

    (line,) = error_lines(capsys)
    assert line.startswith(f"miot: error: {rig}: module[1].port: unknown scheme 'nosuch'")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("given", "passed"), [([], []), (["--identifiers", "clear"], ["--identifiers=clear"])]
)
def test_run_hands_the_identifiers_setting_to_pytest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], passed: list[str]
) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda args: seen.append(args) or 0)

    assert main([*run_args(VIRTUAL_RIG, SMOKE_PLAN, tmp_path), *given]) == 0

    (args,) = seen
    assert [arg for arg in args if arg.startswith("--identifiers")] == passed


def test_a_missing_plan_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "absent.toml"

    assert main(run_args(VIRTUAL_RIG, plan, tmp_path)) == EXIT_USER_ERROR

    assert error_lines(capsys) == [f"miot: error: {plan}: no such file"]
    assert not (tmp_path / "results").exists()


def test_a_plan_with_an_unknown_field_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = copied(SMOKE_PLAN, tmp_path, ('id = "echo-ce1"', 'id = "echo-ce1"\ncolour = "blue"'))

    assert main(run_args(VIRTUAL_RIG, plan, tmp_path)) == EXIT_USER_ERROR

    (line,) = error_lines(capsys)
    smoke = load_plan(SMOKE_PLAN)
    where = smoke.field_of(next(case for case in smoke.cases if case.id == "echo-ce1"))
    assert line.startswith(f"miot: error: {plan}: {where}.colour: unknown key")
    assert not (tmp_path / "results").exists()


def test_a_rig_naming_an_absent_device_is_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not os.path.exists(ABSENT_DEVICE)
    rig = copied(VIRTUAL_RIG, tmp_path, ('port = "virtual://bc660k?ce=0"', f'port = "{ABSENT_DEVICE}"'))

    assert main(run_args(rig, SMOKE_PLAN, tmp_path)) == EXIT_USER_ERROR

    assert error_lines(capsys) == [f"miot: error: {rig}: module[0].port: {ABSENT_DEVICE} does not exist"]


def test_cases_naming_an_unknown_procedure_are_one_error_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = copied(SMOKE_PLAN, tmp_path, ('test = "test_udp_echo"', 'test = "test_udp_ech0"'))
    testplans = f"--testplans={CHECKOUT / 'testplans'}"

    assert main([*run_args(VIRTUAL_RIG, plan, tmp_path), testplans]) == EXIT_USER_ERROR

    smoke = load_plan(SMOKE_PLAN)
    echo_cases = list(dict.fromkeys(smoke.field_of(c) for c in smoke.cases if c.test == "test_udp_echo"))
    assert len(echo_cases) >= 2
    assert error_lines(capsys) == [
        f"miot: error: {plan}: {where}.test: no test function test_udp_ech0 was found" for where in echo_cases
    ]
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("argv", "expected"), [([], "run"), (["run"], "--plan"), (["rig", "check"], "--rig")]
)
def test_help_works(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--help"])

    assert stopped.value.code == 0
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize("is_rig_given", [False, True])
def test_run_takes_the_plans_own_rig_unless_one_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, is_rig_given: bool
) -> None:
    own_rig = copied(VIRTUAL_RIG, tmp_path)
    plan = copied(SMOKE_PLAN, tmp_path, ('name = "smoke"', f'name = "smoke"\nrig = "{own_rig.name}"'))
    seen: list[list[str]] = []
    monkeypatch.setattr(pytest, "main", lambda args: seen.append(args) or 0)
    argv = [*run_args(VIRTUAL_RIG, plan, tmp_path)] if is_rig_given else ["run", f"--plan={plan}"]

    assert main([*argv, f"--results={tmp_path / 'results'}"]) == 0

    (args,) = seen
    assert f"--rig={VIRTUAL_RIG if is_rig_given else own_rig}" in args

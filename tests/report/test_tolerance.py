"""Tolerances of `miot compare` (harness/report/tolerance.py): forms, precedence, and bad input named."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import InputError
from harness.report.tolerance import DEFAULT_TOLERANCE, Tolerance, load_tolerances, parse_tolerance


def test_relative_and_absolute_forms() -> None:
    assert parse_tolerance("10%") == Tolerance(relative_pct=10.0)
    assert parse_tolerance(" 2.5 %") == Tolerance(relative_pct=2.5)
    assert parse_tolerance(50) == Tolerance(absolute=50.0)
    assert parse_tolerance("0.5") == Tolerance(absolute=0.5)
    assert Tolerance(relative_pct=10).allowed(-200.0) == 20.0
    assert Tolerance(absolute=3).allowed(1000.0) == 3.0
    assert (str(Tolerance(relative_pct=5)), str(Tolerance(absolute=1.5))) == ("5%", "1.5")


@pytest.mark.parametrize("raw", ["-1%", "fast", "nan", True, [1], "inf"])
def test_bad_tolerances_say_what_was_expected(raw: object) -> None:
    with pytest.raises(ValueError, match=r"expected|finite number ≥ 0"):
        parse_tolerance(raw)


@given(st.floats(0, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False))
def test_a_relative_tolerance_scales_with_the_baseline(pct: float, baseline: float) -> None:
    assert Tolerance(relative_pct=pct).allowed(baseline) == pytest.approx(abs(baseline) * pct / 100)


def test_command_line_over_file_over_default(tmp_path: Path) -> None:
    file = tmp_path / "tolerances.toml"
    file.write_text('default = "8%"\n[metric]\nrtt_p95_ms = "10%"\nloss_pct = 1\n', encoding="utf-8")

    assert load_tolerances(None).of("rtt_p95_ms") == DEFAULT_TOLERANCE
    from_file = load_tolerances(file)
    assert (from_file.of("rtt_p95_ms"), from_file.of("loss_pct"), from_file.of("jitter_ms")) == (
        Tolerance(relative_pct=10),
        Tolerance(absolute=1),
        Tolerance(relative_pct=8),
    )
    overridden = load_tolerances(file, ["rtt_p95_ms=20"], default="3%")
    assert overridden.of("rtt_p95_ms") == Tolerance(absolute=20)
    assert overridden.of("jitter_ms") == Tolerance(relative_pct=3)


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    file = tmp_path / "tolerances.toml"
    file.write_text('defualt = "8%"\n[metric]\nrtt_p95 = "10%"\nloss_pct = "lots"\n', encoding="utf-8")

    with pytest.raises(InputError) as raised:
        load_tolerances(file, ["jitter_ms"])

    lines = str(raised.value).splitlines()
    assert lines[0] == f"{file}: defualt: unknown key (expected default, [metric])"
    assert lines[1].startswith(f"{file}: metric.rtt_p95: metric name 'rtt_p95' does not end in a known unit")
    assert lines[2].startswith(f"{file}: metric.loss_pct: expected a percentage")
    assert lines[3] == "command line: --tolerance jitter_ms: expected METRIC=VALUE, e.g. rtt_p95_ms=10%"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nothing\.toml: no such file"):
        load_tolerances(tmp_path / "nothing.toml")

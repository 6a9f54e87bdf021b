"""The AT reader's fuzz target (fuzz/, `make fuzz`) as part of `make test`: every input of its corpus is
replayed (the crashes/ folder holds the inputs that once crashed the reader: regression tests), and a short
run of the runner itself counts its inputs and reports no crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fuzz.at_reader_target import exercise
from fuzz.run_at_reader import CORPUS, FuzzTally, corpus_inputs, fuzz_round, main
from tests.reliability_tally import tally

SMOKE_EXAMPLES = 200
SHORT_RUN = ("--budget-s", "0.01", "--round-examples", "20")


def test_the_corpus_is_kept_and_holds_the_recorded_seeds() -> None:
    assert len(list((CORPUS / "seeds").glob("*.bin"))) >= 10


@pytest.mark.parametrize("data", corpus_inputs(CORPUS), ids=lambda data: f"{len(data)}B")
def test_every_corpus_input_is_read_without_a_crash(data: bytes) -> None:
    outcomes = exercise(data)
    assert all(":" in name or name == "urc" for name in outcomes)
    tally("at_reader.inputs")


def test_a_short_run_tries_its_inputs_and_finds_no_crash(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    crashes_before = set((corpus / "crashes").glob("*.bin"))
    run = FuzzTally()
    fuzz_round(corpus, run, SMOKE_EXAMPLES)
    tally("at_reader.inputs", run.tried)
    tally("at_reader.crashes", len(run.crashes))
    assert run.crashes == {}
    assert run.tried == SMOKE_EXAMPLES
    assert set((corpus / "crashes").glob("*.bin")) == crashes_before


def test_the_runner_reports_inputs_kept_and_crashes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*SHORT_RUN, "--corpus", str(tmp_path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith("fuzz at_reader: ")
    assert line.endswith(", 0 crashes")


def test_an_input_that_crashes_the_reader_is_kept_and_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def crashing(data: bytes) -> frozenset[str]:
        raise IndexError("a reader bug")

    monkeypatch.setattr("fuzz.run_at_reader.exercise", crashing)
    assert main([*SHORT_RUN, "--corpus", str(tmp_path)]) == 1
    assert list((tmp_path / "crashes").glob("*.bin"))
    captured = capsys.readouterr()
    assert "IndexError: a reader bug" in captured.err
    assert captured.out.rstrip().endswith(f"{len(list((tmp_path / 'crashes').glob('*.bin')))} crashes")

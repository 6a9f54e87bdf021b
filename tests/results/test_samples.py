"""Tests of harness.results.samples: the t_s rule, file naming, round trip."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from harness.results.samples import read_samples, write_samples


def test_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t_s": [0.0, 0.5, 1.0], "seq": [0, 1, 2], "rtt_ms": [12.5, None, 13.0]})
    path = write_samples(tmp_path, "udp_echo", frame)
    assert path == tmp_path / "samples-udp_echo.parquet"
    pd.testing.assert_frame_equal(read_samples(path), frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"seq": [0], "t_s": [0.0]}),  # t_s not first
        pd.DataFrame({"time": [0.0]}),
        pd.DataFrame(),
        pd.DataFrame({"t_s": ["0.0"]}),  # text is not seconds
        pd.DataFrame({"t_s": [True]}),
        pd.DataFrame([[0.0, 1.0]], columns=["t_s", "t_s"]),
    ],
)
def test_frames_not_starting_with_numeric_t_s_are_refused(tmp_path: Path, frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"t_s|repeated"):
        write_samples(tmp_path, "ping", frame)
    assert list(tmp_path.iterdir()) == []


def test_reader_checks_files_it_did_not_write(tmp_path: Path) -> None:
    path = tmp_path / "samples-x.parquet"
    pd.DataFrame({"seq": [1], "t_s": [0.0]}).to_parquet(path)
    with pytest.raises(ValueError, match="t_s"):
        read_samples(path)


@pytest.mark.parametrize("engine", ["", "../x", "UDP", "a/b", "iperf3 tcp"])
def test_bad_engine_names_are_refused(tmp_path: Path, engine: str) -> None:
    with pytest.raises(ValueError, match="engine"):
        write_samples(tmp_path, engine, pd.DataFrame({"t_s": [0.0]}))


def test_named_columns_are_read_after_t_s_and_the_others_not(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t_s": [0.0, 1.0], "seq": [1, 2], "is_warmup": [True, False], "rtt_ms": [9.0, 3.0]})
    path = write_samples(tmp_path, "udp_echo", frame)

    read = read_samples(path, columns=["rtt_ms", "t_s", "is_warmup"])

    assert list(read.columns) == ["t_s", "rtt_ms", "is_warmup"]
    pd.testing.assert_frame_equal(read, frame[["t_s", "rtt_ms", "is_warmup"]])

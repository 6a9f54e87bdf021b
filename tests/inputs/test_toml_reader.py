"""harness.toml_reader: a TOML file, its sha256, and every way reading it can fail as an InputError."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from harness.errors import InputError, Problem
from harness.toml_reader import read_toml

ProblemsOf = Callable[[Callable[[Path], object], Path], list[str]]


def test_a_good_file_is_read_with_its_path_and_sha256(write_toml: Callable[..., Path]) -> None:
    path = write_toml('[rig]\nname = "x"\n')
    document = read_toml(path)
    assert document.path == path
    assert document.data == {"rig": {"name": "x"}}
    assert document.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_byte_order_mark_is_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfa = 1\n")
    assert read_toml(path).data == {"a": 1}


def test_a_missing_file(tmp_path: Path, problems_of: ProblemsOf) -> None:
    path = tmp_path / "nope.toml"
    assert problems_of(read_toml, path) == [f"{path}: no such file"]


def test_a_directory(tmp_path: Path, problems_of: ProblemsOf) -> None:
    assert problems_of(read_toml, tmp_path) == [f"{tmp_path}: is a directory, not a TOML file"]


def test_not_utf8(tmp_path: Path, problems_of: ProblemsOf) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    assert problems_of(read_toml, path) == [f"{path}: is not UTF-8 text (bad byte at offset 11)"]


def test_a_syntax_error_names_its_line_and_column(
    write_toml: Callable[..., Path], problems_of: ProblemsOf
) -> None:
    path = write_toml('[rig]\nname = "x"\nport = = 3\nrat = "nbiot"\n')
    assert problems_of(read_toml, path) == [f"{path}: TOML syntax error: Invalid value (at line 3, column 8)"]


def test_a_syntax_error_at_the_end_still_names_a_line(
    write_toml: Callable[..., Path], problems_of: ProblemsOf
) -> None:
    path = write_toml("a = 1\nb = [1,\n  2,")
    assert problems_of(read_toml, path) == [
        f"{path}: TOML syntax error: Invalid value (at end of document, line 3, column 5)"
    ]


def test_a_key_declared_twice_is_a_syntax_error(
    write_toml: Callable[..., Path], problems_of: ProblemsOf
) -> None:
    (line,) = problems_of(read_toml, write_toml("a = 1\na = 2\n"))
    assert "TOML syntax error" in line
    assert "line" in line


@given(text=st.text(max_size=60))
def test_any_text_is_read_or_refused_with_an_input_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        found: tuple[Problem, ...] = ()
        try:
            document = read_toml(path)
        except InputError as error:
            found = error.problems
        else:
            assert isinstance(document.data, dict)
        assert all(p.file == str(path) for p in found)

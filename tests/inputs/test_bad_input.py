"""Bad rig and plan files (issue 9 item 3): hypothesis mutates the shipped rig and plan (values of every
TOML type in place of the right one, huge numbers, unicode, deep nesting, keys removed or added) and writes
raw junk (invalid TOML, bytes, very large files). load_rig and load_plan give back a loaded file or an
InputError whose every problem is one line naming the file, never another exception, each example within a
time bound, and memory stays bounded by the reader's size cap."""

from __future__ import annotations

import datetime as dt
import os
import time
import tomllib
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import EXIT_USER_ERROR, main
from harness.errors import InputError
from harness.plan import load_plan
from harness.rig import load_rig
from harness.toml_reader import MAX_TOML_BYTES
from tests.inputs.toml_text import toml_document, toml_string
from tests.reliability_tally import tally

CHECKOUT = Path(__file__).resolve().parents[2]
VIRTUAL_RIG = CHECKOUT / "fixtures" / "rigs" / "virtual.toml"
SMOKE_PLAN = CHECKOUT / "testplans" / "smoke.toml"
# A load takes milliseconds; the bound catches a hang or a blow-up, with room for a loaded 2-core machine.
LOAD_BOUND_S = 5.0
# make test's share; MIOT_BAD_INPUT_EXAMPLES=2000 for a longer run (the figures in docs/reliability.md)
BAD_INPUT_EXAMPLES = int(os.environ.get("MIOT_BAD_INPUT_EXAMPLES", "40"))
BAD_INPUT_SETTINGS = settings(
    max_examples=BAD_INPUT_EXAMPLES,
    deadline=timedelta(seconds=LOAD_BOUND_S),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
Loader = Callable[[Path], object]
LOADERS: dict[str, tuple[Loader, Path]] = {"rig": (load_rig, VIRTUAL_RIG), "plan": (load_plan, SMOKE_PLAN)}

_HUGE_INTS = st.sampled_from([2**63, -(2**63) - 1, 10**4000, -(10**4000)])
_FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([1e308, -1e308, 5e-324])
_TEXT = st.text(max_size=40) | st.sampled_from(
    ["", " ", "\n", "\r\nAT+CFUN=0\r\n", "零一二", "\u202eevil", "\x00", "a" * 5000, '"', "\\"]
)
_SCALARS = (
    st.booleans()
    | st.integers()
    | _HUGE_INTS
    | _FLOATS
    | _TEXT
    | st.dates()
    | st.times()
    | st.datetimes()
    | st.datetimes(timezones=st.just(dt.UTC))
)
_VALUES: st.SearchStrategy[object] = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)


def _nested(depth: int) -> object:
    value: object = 1
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


_DEEP_TEXT = "[" * 40 + "]" * 40
_DEEP = st.integers(min_value=10, max_value=200).map(_nested)


def _mutate(data: st.DataObject, tree: Any) -> Any:
    """The tree with one change at a place drawn from it: a value replaced, a key removed or added. A table
    stays a table, so the document stays one."""
    if isinstance(tree, dict):
        changed = dict(tree)
        if not tree:
            changed[data.draw(_TEXT)] = data.draw(_VALUES)
            return changed
        key = data.draw(st.sampled_from(sorted(tree)))
        action = data.draw(st.sampled_from(["descend", "replace", "remove", "add"]))
        if action == "descend":
            changed[key] = _mutate(data, tree[key])
        elif action == "replace":
            changed[key] = data.draw(_VALUES | _DEEP)
        elif action == "remove":
            del changed[key]
        else:
            changed[data.draw(_TEXT)] = data.draw(_VALUES)
        return changed
    if isinstance(tree, list) and tree:
        index = data.draw(st.integers(min_value=0, max_value=len(tree) - 1))
        changed_list = list(tree)
        changed_list[index] = _mutate(data, tree[index])
        return changed_list
    return data.draw(_VALUES | _DEEP)


def _check_load(load: Loader, path: Path) -> InputError | None:
    """The InputError `load` raised for `path` (None when the file loaded), checked line by line."""
    started_s = time.monotonic()
    tally("bad_input.examples")
    try:
        load(path)
    except InputError as error:
        for problem in error.problems:
            line = str(problem)
            assert line.startswith(f"{path}"), line
            assert not any(c in line for c in "\r\n"), repr(line)
        return error
    finally:
        elapsed_s = time.monotonic() - started_s
        assert elapsed_s < LOAD_BOUND_S, f"{path.name} took {elapsed_s:.1f} s"
    return None


@pytest.mark.parametrize("kind", sorted(LOADERS))
@BAD_INPUT_SETTINGS
@given(data=st.data())
def test_a_mutated_file_loads_or_gives_one_line_per_problem(
    kind: str, data: st.DataObject, tmp_path: Path
) -> None:
    load, source = LOADERS[kind]
    tree = tomllib.loads(source.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        tree = _mutate(data, tree)
    path = tmp_path / f"{kind}.toml"
    path.write_text(toml_document(tree), encoding="utf-8")
    _check_load(load, path)


_JUNK_PIECES = st.sampled_from(
    [
        "[",
        "]",
        "[[",
        "]]",
        "=",
        '"',
        "'''",
        '"""',
        "\n",
        "{",
        "}",
        ",",
        ".",
        "a",
        "1",
        "1e9999",
        "0x",
        "#",
        "\\",
        "\x00",
        "\x7f",
        "零",
        "\ufeff",
        "inf",
        "nan",
        "1979-05-27T07:32:00Z",
        "[module]",
        "[[case]]",
    ]
)


@pytest.mark.parametrize("kind", sorted(LOADERS))
@BAD_INPUT_SETTINGS
@given(junk=st.lists(_JUNK_PIECES, max_size=60).map("".join) | st.binary(max_size=300).map(repr))
def test_junk_text_is_an_input_error(kind: str, junk: str, tmp_path: Path) -> None:
    load, _ = LOADERS[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_text(junk, encoding="utf-8", errors="surrogateescape")
    _check_load(load, path)


@pytest.mark.parametrize("kind", sorted(LOADERS))
@BAD_INPUT_SETTINGS
@given(raw=st.binary(max_size=400))
def test_raw_bytes_are_an_input_error(kind: str, raw: bytes, tmp_path: Path) -> None:
    load, _ = LOADERS[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_bytes(raw)
    _check_load(load, path)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a = " + "9" * 5000 + "\n", id="an-integer-of-5000-digits"),
        pytest.param("a = " + "[" * 50_000 + "]" * 50_000 + "\n", id="arrays-50000-deep"),
        pytest.param("a = " + "{b = " * 5000 + "1" + "}" * 5000 + "\n", id="tables-5000-deep"),
        pytest.param("[" + ".".join(["t"] * 20_000) + "]\n", id="a-header-of-20000-keys"),
    ],
)
@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_what_the_toml_parser_itself_cannot_read_is_an_input_error(
    kind: str, text: str, tmp_path: Path
) -> None:
    load, _ = LOADERS[kind]
    path = tmp_path / f"{kind}.toml"
    path.write_text(text, encoding="utf-8")
    assert _check_load(load, path) is not None


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_a_very_large_file_is_refused_without_reading_it_whole(kind: str, tmp_path: Path) -> None:
    load, source = LOADERS[kind]
    path = tmp_path / f"{kind}.toml"
    padding = f"# {'x' * 1000}\n" * (MAX_TOML_BYTES // 1000 * 8)  # 8 times the cap
    path.write_text(source.read_text(encoding="utf-8") + padding, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as caught:
            load(path)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    tally("bad_input.examples")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: is larger than {MAX_TOML_BYTES} bytes: not a rig or plan"
    ]
    assert peak_bytes < 4 * MAX_TOML_BYTES


def test_a_key_with_a_line_break_is_still_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rig.toml"
    key = toml_string("colour\nAT+CFUN=0")
    text = VIRTUAL_RIG.read_text(encoding="utf-8").replace("[site]\n", f"[site]\n{key} = 1\n")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_rig(path)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"{path}: site.")
    assert "unknown key" in line


@pytest.mark.parametrize("command", ["run", "rig check"])
def test_miot_shows_a_bad_rig_as_one_error_line_per_problem(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rig = tmp_path / "rig.toml"
    text = VIRTUAL_RIG.read_text(encoding="utf-8")
    text = text.replace("port = 0                    # any free port", "port = 1e999")
    key = toml_string("x\ny")
    text = text.replace('name = "localhost"', f'name = "localhost"\n{key} = {_DEEP_TEXT}')
    rig.write_text(text, encoding="utf-8")
    argv = (
        ["rig", "check", str(rig)]
        if command == "rig check"
        else ["run", f"--rig={rig}", f"--plan={SMOKE_PLAN}", f"--results={tmp_path / 'results'}"]
    )

    assert main(argv) == EXIT_USER_ERROR

    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.splitlines()
    assert len(lines) == 2, lines
    assert all(line.startswith(f"miot: error: {rig}: ") for line in lines), lines
    assert not (tmp_path / "results").exists()

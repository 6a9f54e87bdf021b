"""Fixtures for the inputs-layer tests: TOML files written into the test's own tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.errors import InputError


@pytest.fixture
def write_toml(tmp_path: Path) -> Callable[..., Path]:
    """`write_toml(text, name="input.toml")` writes dedented TOML text and returns its path."""

    def write(text: str, name: str = "input.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def _problems_of(load: Callable[[Path], object], path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load(path)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def problems_of() -> Callable[[Callable[[Path], object], Path], list[str]]:
    """`problems_of(load, path)`: every problem `load` reports for `path`, as the lines a user sees."""
    return _problems_of

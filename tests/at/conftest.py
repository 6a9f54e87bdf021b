"""Fixtures of the AT layer tests: a fake module on a pty and an open ATSession talking to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

from harness.at import ATSession

from .fake_module import FakeModule, fake_link


@pytest.fixture
def link() -> Iterator[tuple[FakeModule, serial.Serial]]:
    with fake_link() as pair:
        yield pair


@pytest.fixture
def module(link: tuple[FakeModule, serial.Serial]) -> FakeModule:
    return link[0]


@pytest.fixture
def at_log(tmp_path: Path) -> Path:
    return tmp_path / "at.log"


@pytest.fixture
def session(link: tuple[FakeModule, serial.Serial], at_log: Path) -> Iterator[ATSession]:
    with ATSession(link[1], default_timeout_s=2.0, transcript_path=at_log) as at:
        yield at

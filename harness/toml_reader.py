"""inputs layer: read a rig or plan file: TOML (stdlib tomllib, TOML 1.0) with its path and sha256.

Everything a user can get wrong here (a missing file, a directory, bad UTF-8, a TOML syntax error with its
line and column) is an InputError naming the file, never a traceback. Turning the tables into validated
dataclasses is harness.table_builder's job.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import InputError, Problem


@dataclass(frozen=True, slots=True, kw_only=True)
class TomlDocument:
    """A TOML file as read: the path as the user named it, the sha256 of its bytes, and its tables."""

    path: Path
    sha256: str
    data: Mapping[str, Any]


def read_toml(path: str | os.PathLike[str]) -> TomlDocument:
    """Read and parse a TOML file; a missing file, a directory, bad UTF-8 or bad TOML raise InputError."""
    where = Path(path)
    file = str(where)
    try:
        raw = where.read_bytes()
    except IsADirectoryError:
        raise InputError([Problem(file, "", "is a directory, not a TOML file")]) from None
    except FileNotFoundError:
        raise InputError([Problem(file, "", "no such file")]) from None
    except OSError as exc:
        raise InputError([Problem(file, "", f"cannot be read: {exc.strerror}")]) from None
    try:
        # utf-8-sig: a byte-order mark some Windows editors write is not a TOML error worth reporting.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(file, "", f"is not UTF-8 text (bad byte at offset {exc.start})")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(file, "", f"TOML syntax error: {_located(str(exc), text)}")]) from None
    return TomlDocument(path=where, sha256=hashlib.sha256(raw).hexdigest(), data=data)


def _located(message: str, text: str) -> str:
    # Python 3.11's tomllib says "(at end of document)" without a line; name the last line instead.
    if not message.endswith("(at end of document)"):
        return message
    lines = text.splitlines() or [""]
    return f"{message[:-1]}, line {len(lines)}, column {len(lines[-1]) + 1})"

"""inputs layer: read a rig or plan file: TOML (stdlib tomllib, TOML 1.0) with its path and sha256.

Everything a user can get wrong here (a missing file, a directory, a file over MAX_TOML_BYTES, bad UTF-8, a
TOML syntax error with its line and column, an integer too long for Python to convert, tables nested too
deep for the parser's recursion) is an InputError naming the file, never a traceback. Turning the tables
into validated dataclasses is harness.table_builder's job.
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

# Rig and plan files are a few kB; the cap bounds the memory a wrong path (a log, a disk image, /dev/zero)
# can take before it is refused. tomllib holds several copies of the text while parsing.
MAX_TOML_BYTES = 1 << 20


@dataclass(frozen=True, slots=True, kw_only=True)
class TomlDocument:
    """A TOML file as read: the path as the user named it, the sha256 of its bytes, and its tables."""

    path: Path
    sha256: str
    data: Mapping[str, Any]


def read_toml(path: str | os.PathLike[str]) -> TomlDocument:
    """Read and parse a TOML file; a missing file, a directory, a huge file, bad UTF-8 or bad TOML raise
    InputError."""
    where = Path(path)
    file = str(where)
    try:
        with where.open("rb") as stream:
            raw = stream.read(MAX_TOML_BYTES + 1)
    except IsADirectoryError:
        raise InputError([Problem(file, "", "is a directory, not a TOML file")]) from None
    except FileNotFoundError:
        raise InputError([Problem(file, "", "no such file")]) from None
    except OSError as exc:
        raise InputError([Problem(file, "", f"cannot be read: {exc.strerror}")]) from None
    if len(raw) > MAX_TOML_BYTES:
        raise InputError([Problem(file, "", f"is larger than {MAX_TOML_BYTES} bytes: not a rig or plan")])
    try:
        # utf-8-sig: a byte-order mark some Windows editors write is not a TOML error worth reporting.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError([Problem(file, "", f"is not UTF-8 text (bad byte at offset {exc.start})")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError([Problem(file, "", f"TOML syntax error: {_located(str(exc), text)}")]) from None
    except ValueError as exc:
        # int() refuses more than sys.get_int_max_str_digits() digits, and tomllib lets that through as is.
        reason = str(exc).split(":")[0]
        raise InputError([Problem(file, "", f"a number too long to read: {reason}")]) from None
    except RecursionError:
        raise InputError([Problem(file, "", "arrays or tables nested too deep to read")]) from None
    return TomlDocument(path=where, sha256=hashlib.sha256(raw).hexdigest(), data=data)


def _located(message: str, text: str) -> str:
    # Python 3.11's tomllib says "(at end of document)" without a line; name the last line instead.
    if not message.endswith("(at end of document)"):
        return message
    lines = text.splitlines() or [""]
    return f"{message[:-1]}, line {len(lines)}, column {len(lines[-1]) + 1})"

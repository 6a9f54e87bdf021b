"""TOML text written from Python values, for the bad-input tests: strings with every escape TOML needs,
inline tables and arrays at any depth, dates. The stdlib reads TOML but does not write it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping


def toml_document(data: Mapping[str, object]) -> str:
    """`data` as top-level `key = value` lines (tables inline, arrays of tables as arrays of inline ones)."""
    return "".join(f"{toml_key(key)} = {toml_value(value)}\n" for key, value in data.items())


def toml_key(key: str) -> str:
    return toml_string(key)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_string(text: str) -> str:
    # TOML basic strings forbid raw control characters and DEL; \uXXXX carries them.
    escaped = "".join(
        f"\\u{ord(c):04x}" if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F else c for c in text
    )
    return f'"{escaped}"'

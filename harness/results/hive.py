"""results layer: Hive-style partition directories (`date=2026-11-26/operator=CMCC/`) for `miot export`.

Values are escaped as Hive and Spark escape them (Hive FileUtils.escapePathName, Spark
ExternalCatalogUtils.escapePathName): `%` followed by two upper-case hex digits for control characters and
`"#%'*/:=?\\{[]^` and DEL, everything else as it is (UTF-8 in the file name). Spark and DuckDB decode
`%XX` when they read the path, so a value like `AT&T/Ä=1` comes back unchanged, and no value can add a
directory level or climb out of the export. A missing or empty value is Hive's null partition,
`__HIVE_DEFAULT_PARTITION__`, which Spark and DuckDB read as NULL.

Spark infers partition column types (an operator `00101` would read as the integer 101): read with
`spark.sql.sources.partitionColumnTypeInference.enabled=false`, or give the schema. DuckDB keeps such a
value as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_ESCAPED = frozenset("\"#%'*/:=?\\{[]^\x7f") | frozenset(chr(c) for c in range(0x20))
# Most file systems allow 255 bytes per name; the key and `=` share it with the value.
_MAX_NAME_BYTES = 255


def escape_partition_value(value: str | None) -> str:
    if value is None or value == "":
        return DEFAULT_PARTITION
    return "".join(f"%{ord(c):02X}" if c in _ESCAPED else c for c in value)


def unescape_partition_value(text: str) -> str | None:
    """The inverse of escape_partition_value."""
    if text == DEFAULT_PARTITION:
        return None
    parts = text.split("%")
    return parts[0] + "".join(chr(int(part[:2], 16)) + part[2:] for part in parts[1:])


def partition_path(table_dir: Path, keys: Sequence[tuple[str, str | None]]) -> Path:
    """`table_dir/key=value/...`; ValueError for a name the file system would refuse (over 255 bytes)."""
    path = Path(table_dir)
    for key, value in keys:
        name = f"{key}={escape_partition_value(value)}"
        if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
            raise ValueError(f"partition {key}={value!r} is too long for a directory name")
        path /= name
    return path

"""traffic layer: which way a stream goes, as metric names spell it (harness.metrics DIRECTIONS)."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    UL = "ul"  # module -> server
    DL = "dl"  # server -> module

"""How much of the reliability tests runs: a short part in `make test`, everything in `make reliability`
(MIOT_RELIABILITY=full), which also writes the figures docs/reliability.md quotes into MIOT_RELIABILITY_DIR
(default results/reliability)."""

from __future__ import annotations

import os
from pathlib import Path

FULL_VARIABLE = "MIOT_RELIABILITY"
DIRECTORY_VARIABLE = "MIOT_RELIABILITY_DIR"
CHECKOUT = Path(__file__).resolve().parents[2]


def is_full() -> bool:
    return os.environ.get(FULL_VARIABLE) == "full"


def figures_dir() -> Path | None:
    """Where the full run writes its tables; None in `make test` (nothing written)."""
    if not is_full():
        return None
    directory = Path(os.environ.get(DIRECTORY_VARIABLE, CHECKOUT / "results" / "reliability"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory

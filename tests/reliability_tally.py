"""What the reliability tests did, counted for docs/reliability.md (issue 9 "Done when"): inputs fuzzed,
crashes, injection attempts and successes. Tests call tally(); the counts go, one JSON line per call, to
the file named by MIOT_TALLY_FILE, and nowhere when it is unset (a plain `make test` writes nothing).
Several xdist workers may append at once: each line is written with a single O_APPEND write.

    MIOT_TALLY_FILE=/tmp/tally.jsonl pytest tests/inputs/test_bad_input.py ...
    python -m tests.reliability_tally /tmp/tally.jsonl      # the totals, one `kind: count` per line
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

TALLY_FILE_VARIABLE = "MIOT_TALLY_FILE"


def tally(kind: str, count: int = 1) -> None:
    """Add `count` to `kind` (e.g. "bad_input.examples", "injection.successes") when tallying is on."""
    path = os.environ.get(TALLY_FILE_VARIABLE)
    if not path:
        return
    line = (json.dumps({"kind": kind, "count": count}) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)


def totals(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        counts[entry["kind"]] += int(entry["count"])
    return counts


if __name__ == "__main__":
    for kind, count in sorted(totals(Path(sys.argv[1])).items()):
        print(f"{kind}: {count}")

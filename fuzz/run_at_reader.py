"""Run the AT reader's fuzz target for a fixed time (`make fuzz`): hypothesis draws inputs shaped like module
output, raw bytes and mutations of the corpus; an input that shows the reader doing something new is kept
in fuzz/corpus/found/, one that crashes it (any exception but ParseError/ModemError) in
fuzz/corpus/crashes/ with its traceback printed. Ends with one line: inputs tried, kept, crashes.

    python -m fuzz.run_at_reader --budget-s 60 [--corpus fuzz/corpus]

Exit 1 when something crashed, so CI notices. tests/at/test_reader_fuzz_target.py replays the whole corpus
(crashes included, as regression tests) in `make test`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from fuzz.at_reader_inputs import module_output
from fuzz.at_reader_target import exercise

CORPUS = Path(__file__).resolve().parent / "corpus"
ROUND_EXAMPLES = 2000  # inputs per hypothesis round; the budget is checked between rounds


@dataclass(slots=True)
class FuzzTally:
    tried: int = 0
    kept: int = 0
    crashes: dict[str, str] = field(default_factory=dict)  # input sha1 -> the exception, as printed
    features: set[str] = field(default_factory=set)


def corpus_inputs(corpus: Path) -> list[bytes]:
    """Every input kept so far (seeds, found, crashes), in a stable order."""
    return [path.read_bytes() for path in sorted(corpus.glob("*/*.bin"))]


def save(corpus: Path, kind: str, data: bytes) -> str:
    name = hashlib.sha1(data).hexdigest()
    folder = corpus / kind
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.bin").write_bytes(data)
    return name


def fuzz_round(corpus: Path, tally: FuzzTally, examples: int) -> None:
    seeds = corpus_inputs(corpus)
    for data in seeds:
        try_input(corpus, tally, data, keep=False)

    # No shrinking and no database: a crash is kept as found (the corpus is the database), and every round
    # goes on past it, so one crash does not eat the budget.
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(module_output(seeds))
    def one(data: bytes) -> None:
        tally.tried += 1
        try_input(corpus, tally, data, keep=True)

    one()


def try_input(corpus: Path, tally: FuzzTally, data: bytes, *, keep: bool) -> None:
    """Run the target on `data`: a crash is saved and counted; with `keep`, an input that shows a new
    outcome joins the corpus."""
    try:
        features = exercise(data)
    except Exception:
        name = save(corpus, "crashes", data)
        if name not in tally.crashes:
            tally.crashes[name] = traceback.format_exc()
        return
    if not features <= tally.features:
        tally.features |= features
        if keep:
            tally.kept += 1
            save(corpus, "found", data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz.run_at_reader", description=__doc__.split("\n")[0])
    parser.add_argument("--budget-s", type=float, default=60.0, help="how long to fuzz (default 60 s)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus directory")
    parser.add_argument(
        "--round-examples", type=int, default=ROUND_EXAMPLES, help="inputs between two looks at the clock"
    )
    args = parser.parse_args(argv)
    tally = FuzzTally()
    deadline_s = time.monotonic() + args.budget_s
    while time.monotonic() < deadline_s:
        fuzz_round(args.corpus, tally, args.round_examples)
    for name, printed in tally.crashes.items():
        print(f"crash {args.corpus / 'crashes' / name}.bin:\n{printed}", file=sys.stderr)
    print(
        f"fuzz at_reader: {tally.tried} inputs tried in {args.budget_s:g} s, {tally.kept} kept in the corpus "
        f"({len(tally.features)} reader outcomes seen), {len(tally.crashes)} crashes"
    )
    return 1 if tally.crashes else 0


if __name__ == "__main__":
    sys.exit(main())

"""glue layer: `miot export`, runs as Hive-partitioned Parquet (issue 7 item 1; the work is in
harness.results.export).

    miot export RUN_DIR... --to DIR

Writes the runs under DIR, replacing the parts of a run exported before, and prints one line per run saying
what it wrote. A directory that is not a run, a file of a newer schema or an unreadable file is one error line
naming it, exit 2, and nothing is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_export(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "export",
        help="write runs as Hive-partitioned Parquet (DuckDB, Spark, Trino read it as it is)",
        description="Write runs as Hive-partitioned Parquet; exporting a run again replaces its files.",
    )
    parser.add_argument("runs", type=Path, nargs="+", metavar="RUN_DIR", help="run directories")
    parser.add_argument("--to", type=Path, required=True, metavar="DIR", help="export directory")
    parser.set_defaults(command=export)


def export(args: argparse.Namespace) -> int:
    from harness.results.export import export_runs

    for done in export_runs(args.runs, args.to):
        rows = ", ".join(f"{table} {count}" for table, count in done.rows.items())
        state = f" (interrupted, {done.unfinished_cases} unfinished case(s))" if done.is_interrupted else ""
        print(f"miot export: {done.run_id}{state}: {len(done.parts)} file(s); rows: {rows}")
    print(f"miot export: {len(args.runs)} run(s) in {args.to}")
    return 0

"""glue layer: `miot compare`, the regression gate (issue 7 item 3; the work is in harness.report.compare).

    miot compare BASELINE CURRENT [options]
    miot compare --baseline RUN [RUN ...] --current RUN [RUN ...] [options]
      --tolerance METRIC=VALUE   per metric, repeatable: "10%" of the baseline, or a number in its unit
      --tolerance-default VALUE  for metrics without their own (default 5%)
      --tolerance-file FILE      TOML: default = "5%", [metric] rtt_p95_ms = "10%" (harness.report.tolerance)
      --alpha P  --resamples N  --seed N   significance level, bootstrap resamples, bootstrap seed
      -o FILE.html               also write the table as a self-contained HTML page

Several runs on one side are pooled (iterations of one case, repeated runs of one plan). Prints the table
and, last, the metrics that regressed. Exit 0 without a significant regression beyond tolerance, 1 with
one, 2 on bad input (a directory that is not a run, a bad tolerance, runs that share no metric).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.errors import UserError


def add_compare(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from harness.report.compare import DEFAULT_ALPHA, DEFAULT_RESAMPLES, DEFAULT_SEED

    parser = commands.add_parser(
        "compare",
        help="compare current runs with baseline runs, metric by metric; exit 1 on a regression",
        description="Per metric: change, bootstrap CI, a significance test, and a verdict against a "
        "tolerance. Exit 0: no significant regression beyond tolerance; 1: one (named last); 2: bad input.",
    )
    parser.add_argument("runs", nargs="*", type=Path, metavar="RUN", help="BASELINE CURRENT (two run dirs)")
    parser.add_argument("--baseline", nargs="+", type=Path, default=[], metavar="RUN", help="baseline runs")
    parser.add_argument("--current", nargs="+", type=Path, default=[], metavar="RUN", help="current runs")
    parser.add_argument(
        "--tolerance",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help='allowed worsening of one metric: "10%%" of the baseline or a number in its unit',
    )
    parser.add_argument("--tolerance-default", default=None, metavar="VALUE", help="default 5%%")
    parser.add_argument("--tolerance-file", type=Path, default=None, metavar="FILE", help="TOML tolerances")
    parser.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help="significance level (0.05)")
    parser.add_argument("--resamples", type=int, default=DEFAULT_RESAMPLES, help="bootstrap resamples")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="bootstrap seed")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="FILE.html", help="HTML page")
    parser.set_defaults(command=compare)


def compare(args: argparse.Namespace) -> int:
    from harness.report.compare import CompareSettings, compare_runs
    from harness.report.compare_table import (
        comparison_page_html,
        comparison_table_text,
        describe_settings,
        verdict_line,
    )
    from harness.report.tolerance import load_tolerances
    from harness.results import write_bytes_atomic
    from harness.results.files import writable_output

    baseline, current = compared_runs(args)
    _check_numbers(args)
    settings = CompareSettings(
        tolerances=load_tolerances(args.tolerance_file, args.tolerance, args.tolerance_default),
        alpha=args.alpha,
        resamples=args.resamples,
        seed=args.seed,
    )
    comparison = compare_runs(baseline, current, settings)
    if not comparison.rows:
        raise UserError("miot compare: the baseline and current runs share no (case, module, metric)")
    settings_text = describe_settings(comparison, baseline_runs=len(baseline), current_runs=len(current))
    print(f"miot compare: {settings_text}")
    print(comparison_table_text(comparison))
    for side, keys in (("baseline", comparison.only_in_baseline), ("current", comparison.only_in_current)):
        if keys:
            print(f"miot compare: only in the {side}: {', '.join(str(k) for k in keys)}")
    if args.output is not None:
        writable_output(args.output, "miot compare")
        page = comparison_page_html(comparison, title="miot compare", settings_text=settings_text)
        write_bytes_atomic(args.output, page.encode("utf-8"))
        print(f"miot compare: table written to {args.output}")
    print(f"miot compare: {verdict_line(comparison)}")
    return 1 if comparison.regressions else 0


def compared_runs(args: argparse.Namespace) -> tuple[list[Path], list[Path]]:
    """BASELINE CURRENT, or --baseline ... --current ...; UserError for anything else."""
    if args.runs:
        if args.baseline or args.current or len(args.runs) != 2:
            raise UserError(
                "miot compare: give BASELINE CURRENT (two run directories), or --baseline RUN... "
                f"--current RUN...; got {len(args.runs)} positional run(s)"
            )
        return [args.runs[0]], [args.runs[1]]
    if not args.baseline or not args.current:
        raise UserError("miot compare: give BASELINE CURRENT, or both --baseline RUN... and --current RUN...")
    return list(args.baseline), list(args.current)


def _check_numbers(args: argparse.Namespace) -> None:
    if not 0 < args.alpha < 1:
        raise UserError(f"miot compare: --alpha {args.alpha:g}: expected a level between 0 and 1, e.g. 0.05")
    if args.resamples < 100:
        raise UserError(f"miot compare: --resamples {args.resamples}: expected at least 100")

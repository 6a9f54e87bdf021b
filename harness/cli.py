"""glue layer: the `miot` command.

    miot run [--rig R] [--plan P] [--results DIR] [--run-id ID] [-- PYTEST_ARGS...]
    miot rig check [--rig R]

`miot run` is pytest on testplans/ with those options, defaulting to the virtual rig and the smoke plan. It
checks the rig and plan first, so bad input is reported as one line per problem naming the file and field,
with exit code 2 and no traceback. Exit codes otherwise are pytest's: 0 all passed, 1 some failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from harness.errors import InputError, UserError
from harness.plan import load_plan, plan_rig_problems
from harness.results import RunDirectory, new_run_id
from harness.rig import Rig, load_rig

EXIT_USER_ERROR = 2
_PYTEST_USAGE_ERROR = 4
DEFAULT_RIG = Path("fixtures/rigs/virtual.toml")
DEFAULT_PLAN = Path("testplans/smoke.toml")
DEFAULT_RESULTS = Path("results")
TESTPLANS = Path("testplans")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        code: int = args.command(args)
    except UserError as error:
        for line in str(error).splitlines():
            print(f"miot: error: {line}", file=sys.stderr)
        return EXIT_USER_ERROR
    return code


def run(args: argparse.Namespace) -> int:
    """Check the inputs, then hand over to pytest on testplans/."""
    rig = checked_rig(args.rig)
    plan = load_plan(args.plan)
    if not args.testplans.is_dir():
        raise UserError(f"no test plan directory {args.testplans}: run miot from the checkout")
    from harness.pytest_plugin.cases import plan_problems, procedures_in

    if problems := [*plan_rig_problems(plan, rig), *plan_problems(plan, procedures_in(args.testplans))]:
        raise InputError(problems)
    run_id = args.run_id or new_run_id()
    import pytest  # only now: pytest's start-up is not needed to report bad input

    code = int(
        pytest.main(
            [
                str(args.testplans),
                f"--rig={args.rig}",
                f"--plan={args.plan}",
                f"--results={args.results}",
                f"--run-id={run_id}",
                f"--rootdir={Path.cwd()}",
                *args.pytest_args,
            ]
        )
    )
    if code == _PYTEST_USAGE_ERROR:
        return EXIT_USER_ERROR
    run_dir = RunDirectory(root=args.results, run_id=run_id)
    if run_dir.report_html.exists():
        print(f"miot: report: {run_dir.report_html}")
    return code


def rig_check(args: argparse.Namespace) -> int:
    rig = checked_rig(args.rig)
    print(f"miot: {args.rig}: rig {rig.name!r} is valid ({len(rig.modules)} module(s))")
    return 0


def checked_rig(path: Path) -> Rig:
    """Load a rig and check what can be checked without opening anything: port URLs and dialect names."""
    from harness.dialects import rig_connection_problems

    rig = load_rig(path)
    if problems := rig_connection_problems(rig):
        raise InputError(problems)
    return rig


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="miot", description="Network tests of cellular IoT modules.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run_parser = commands.add_parser("run", help="run a test plan on a rig (pytest on testplans/)")
    _add_rig(run_parser)
    run_parser.add_argument(
        "--plan", type=Path, default=DEFAULT_PLAN, help=f"plan file (default {DEFAULT_PLAN})"
    )
    run_parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results root directory")
    run_parser.add_argument("--run-id", default=None, help="run id (default: a new timestamped id)")
    run_parser.add_argument("--testplans", type=Path, default=TESTPLANS, help=argparse.SUPPRESS)
    run_parser.add_argument("pytest_args", nargs="*", help="passed to pytest after `--`")
    run_parser.set_defaults(command=run)

    rig_parser = commands.add_parser("rig", help="rig files")
    rig_commands = rig_parser.add_subparsers(required=True, metavar="ACTION")
    check_parser = rig_commands.add_parser("check", help="validate a rig file without opening its ports")
    _add_rig(check_parser)
    check_parser.set_defaults(command=rig_check)
    return parser


def _add_rig(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rig", type=Path, default=DEFAULT_RIG, help=f"rig file (default {DEFAULT_RIG})")

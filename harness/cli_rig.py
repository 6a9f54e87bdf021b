"""glue layer: rig files on the command line: the check every command makes before it starts
(`checked_rig`), and `miot rig check` (issue 8 item 1; the probes are harness.rig_check's, the table
harness.rig_check_table's).

    miot rig check [RIG] [--rig RIG] [--results DIR] [--timeout-s S]

Validates the rig (a bad one is one error line per problem, exit 2), then probes every module (port, AT,
dialect, identity with the IMEI hashed with the results root's key as reports hash it, SIM, ICCID,
registration, signal), every power analyzer and the test server, and prints one table of what answered and
what did not: exit 0 when everything answered, 1 when something did not or a module's port is in use.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from harness.errors import InputError, UserError
from harness.rig import Rig, load_rig, rig_power_problems

DEFAULT_RIG = Path("fixtures/rigs/virtual.toml")
DEFAULT_RESULTS = Path("results")


def add_rig_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from harness.rig_probe import DEFAULT_TIMEOUT_S

    rig_parser = commands.add_parser("rig", help="rig files")
    rig_commands = rig_parser.add_subparsers(required=True, metavar="ACTION")
    check_parser = rig_commands.add_parser(
        "check",
        help="validate a rig file, probe its modules, power analyzers and server; one table of what answered",
    )
    check_parser.add_argument("rig_file", nargs="?", type=Path, metavar="RIG", help="rig file (as --rig)")
    add_rig_argument(check_parser)
    check_parser.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        help="results root whose identifier key hashes the IMEI, as in its reports (default results)",
    )
    check_parser.add_argument(
        "--timeout-s",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"how long each answer is waited for (default {DEFAULT_TIMEOUT_S:g})",
    )
    check_parser.set_defaults(command=rig_check)


def add_rig_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rig", type=Path, default=None, help=f"rig file (default {DEFAULT_RIG})")


def rig_path(args: argparse.Namespace, *, default: Path | None = None) -> Path:
    """The rig a command names: RIG or --rig (both only when they agree), else `default` (a plan's own
    rig), else DEFAULT_RIG."""
    given = getattr(args, "rig_file", None)
    if given is not None and args.rig is not None and given != args.rig:
        raise UserError(f"two rigs given: {given} and --rig {args.rig}; give one")
    return given or args.rig or default or DEFAULT_RIG


def rig_check(args: argparse.Namespace) -> int:
    """Probe everything the rig names; exit 1 when something did not answer."""
    from harness.results import load_id_key
    from harness.rig_check import probe_rig
    from harness.rig_check_table import check_table
    from harness.rig_probe import ProbeSettings, ProbeStatus

    if args.timeout_s <= 0:
        raise UserError(f"miot rig check: --timeout-s must be above 0, got {args.timeout_s:g}")
    path = rig_path(args)
    rig = checked_rig(path)
    print(f"miot: {path}: rig {rig.name!r} is valid ({len(rig.modules)} module(s))")
    try:
        id_key = load_id_key(args.results)
    except (ValueError, OSError) as error:
        raise UserError(f"miot rig check: identifier key: {error}") from None
    settings = ProbeSettings(
        id_key=id_key, environ=os.environ, timeout_s=args.timeout_s, registration_wait_s=args.timeout_s
    )
    rows = probe_rig(rig, settings)
    print(check_table(rows))
    unmeasured = [module_id for module_id in rig.module_ids if rig.power_channel(module_id) is None]
    if unmeasured:
        print(f"miot: no current measured for {', '.join(unmeasured)}")
    return 0 if all(row.status is ProbeStatus.OK for row in rows) else 1


def checked_rig(path: Path) -> Rig:
    """Load a rig and check what can be checked without opening anything: port URLs, dialect names and
    power analyzers with their options."""
    from harness.dialects import rig_connection_problems
    from harness.power import analyzer_problems

    rig = load_rig(path)
    if problems := rig_connection_problems(rig) + rig_power_problems(rig, analyzer_problems):
        raise InputError(problems)
    return rig

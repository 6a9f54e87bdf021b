"""glue layer: the `miot` command.

    miot run [--rig R] [--plan P] [--results DIR] [--run-id ID] [-- PYTEST_ARGS...]
    miot rig check [RIG] [--rig R] [--results DIR] [--timeout-s S]                   (harness.cli_rig)
    miot sim prepare [RIG] [--rig R] --module ID (--cold | --warm) [--dry-run]       (harness.cli_sim)
    miot report RUN_DIR... -o report.html [--lang en|zh]
    miot virtual <model> [--tcp PORT] [--rfc2217 PORT] [--<option> VALUE ...]
    miot server [--listen HOST:PORT] [--token-env NAME] [--public]
                [--capture-dir DIR] [--capture-interface IF]
    miot compare BASELINE CURRENT | --baseline RUN... --current RUN...  [options]   (harness.cli_compare)
    miot export RUN_DIR... --to DIR                                                    (harness.cli_export)

`miot run` is pytest on testplans/ with those options, defaulting to the virtual rig and the smoke plan. It
checks the rig and plan first, so bad input is reported as one line per problem naming the file and field,
with exit code 2 and no traceback. Exit codes otherwise are pytest's: 0 all passed, 1 some failed.

`miot report` writes the cross-run network-capability report of the given run directories (harness.report
.cross_run_report): one self-contained HTML file. A directory that is not a run is one error line, exit 2.

`miot virtual` starts one virtual module by hand, for a terminal program or an AT library: every
`--<option> VALUE` is an option of its virtual:// URL (`--ce 1 --rsrp -112`, `--delay-ms 20`). It prints the
tty to open, the TCP URLs and the equivalent virtual:// URL, and runs until Ctrl-C (exit 0) or until the
module ends by itself (exit 1). It is glue: the module runs in its own process, as for `virtual://`.

`miot server` runs the test server (harness.server) for other hosts: sessions opened over the control
channel on --listen (default 127.0.0.1:7780), authenticated with the token in the environment variable
--token-env (default MIOT_SERVER_TOKEN; never printed). Loopback and 198.18.0.0/15 are allowed; any other
address needs --public. It runs until Ctrl-C or SIGTERM (exit 0).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from harness.cli_compare import add_compare
from harness.cli_export import add_export
from harness.cli_rig import DEFAULT_RESULTS, add_rig_argument, add_rig_commands, checked_rig, rig_path
from harness.cli_sim import add_sim_commands
from harness.errors import InputError, UserError, VirtualModuleError
from harness.plan import Plan, load_plan, plan_rig_problems
from harness.probe import HEADERS_SNAPLEN_BYTES
from harness.results import RunDirectory, new_run_id
from harness.rig import Rig

if TYPE_CHECKING:
    from harness.virtual.process import VirtualModuleProcess

EXIT_USER_ERROR = 2
_PYTEST_USAGE_ERROR = 4
DEFAULT_PLAN = Path("testplans/smoke.toml")
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
    plan = load_plan(args.plan)
    rig_file = rig_path(args, default=plan.rig)
    rig = checked_rig(rig_file)
    if not args.testplans.is_dir():
        raise UserError(f"no test plan directory {args.testplans}: run miot from the checkout")
    from harness.pytest_plugin.cases import plan_problems, procedures_in

    if problems := [*plan_rig_problems(plan, rig), *plan_problems(plan, procedures_in(args.testplans))]:
        raise InputError(problems)
    run_id = args.run_id or new_run_id()
    parallel = _parallel_args(plan, rig) if args.parallel else []
    import pytest  # only now: pytest's start-up is not needed to report bad input

    code = int(
        pytest.main(
            [
                str(args.testplans),
                f"--rig={rig_file}",
                f"--plan={args.plan}",
                f"--results={args.results}",
                f"--run-id={run_id}",
                f"--rootdir={Path.cwd()}",
                *([f"--identifiers={args.identifiers}"] if args.identifiers else []),
                *parallel,
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


def _parallel_args(plan: Plan, rig: Rig) -> list[str]:
    """pytest-xdist options for one worker per module the plan uses; a module's cases stay on its worker
    (each carries its module's xdist_group: harness.pytest_plugin.workers)."""
    used = {module.id for case in plan.cases for module in case.select(rig.modules)}
    return ["-n", str(len(used)), "--dist", "loadgroup"] if len(used) > 1 else []


def report(args: argparse.Namespace) -> int:
    """Aggregate the runs into one HTML report."""
    from harness.report.cross_run_report import write_cross_run_report
    from harness.report.labels import check_lang
    from harness.results.files import writable_output

    try:
        lang = check_lang(args.lang)
    except ValueError as error:
        raise UserError(f"miot report: {error}") from None
    output = writable_output(args.output, "miot report")
    written = write_cross_run_report(args.run_dirs, output, lang=lang, baseline_dirs=args.baseline)
    print(f"miot: report: {written}")
    return 0


def virtual(args: argparse.Namespace) -> int:
    """Start a virtual module, say where to reach it, and run it until Ctrl-C."""
    from harness.virtual.__main__ import add_tcp_arguments
    from harness.virtual.options import parse_virtual_url
    from harness.virtual.process import TcpPorts, start_virtual_module

    tcp_parser = argparse.ArgumentParser(prog="miot virtual", add_help=False, allow_abbrev=False)
    add_tcp_arguments(tcp_parser)
    tcp, option_words = tcp_parser.parse_known_args(args.options)
    url = virtual_url(args.model, option_words)
    parse_virtual_url(url)  # UrlError (one line, exit 2) before anything starts
    try:
        module = start_virtual_module(url, tcp_ports=TcpPorts(socket_port=tcp.tcp, rfc2217_port=tcp.rfc2217))
    except VirtualModuleError as error:
        print(f"miot: error: {error}", file=sys.stderr)
        return 1
    ended: str | None = None
    try:
        module.go()
        _print_module(module)
        status = module.wait()
        ended = f"miot virtual: the module ended (exit status {status}); stderr: {module.stderr_tail()}"
    except KeyboardInterrupt:
        pass
    finally:
        module.stop()
    if ended is not None:
        print(ended, file=sys.stderr)
        return 1
    print("miot virtual: stopped", flush=True)
    return 0


def server(args: argparse.Namespace) -> int:
    """Serve test sessions on the control channel until Ctrl-C or SIGTERM."""
    from harness.server.addresses import bind_problem, parse_listen
    from harness.server.client import token_from_environment
    from harness.server.listener import ControlListener
    from harness.server.local import LocalServer
    from harness.server.session import ServerError

    try:
        host, port = parse_listen(args.listen)
    except ValueError as error:
        raise UserError(f"miot server: --listen: {error}") from None
    if (problem := bind_problem(host, is_public_allowed=args.public)) is not None:
        raise UserError(f"miot server: --listen: {problem}")
    try:
        token = token_from_environment(args.token_env)
    except ServerError as error:
        raise UserError(f"miot server: {error}") from None
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        sessions = LocalServer(
            host=host,
            capture_dir=args.capture_dir,
            capture_interface=args.capture_interface,
            capture_snaplen_bytes=HEADERS_SNAPLEN_BYTES if args.capture_payload == "headers" else None,
            is_public_allowed=args.public,
        )
        with ControlListener(sessions, host=host, port=port, token=token) as listener:
            bound_host, bound_port = listener.address
            print(
                f"miot server: listening on {bound_host}:{bound_port} (token from ${args.token_env})",
                flush=True,
            )
            try:
                while not stopping.wait(timeout=0.5):
                    pass
            except KeyboardInterrupt:
                pass
        sessions.close()
    except ServerError as error:
        print(f"miot: error: {error}", file=sys.stderr)
        return 1
    print("miot server: stopped", flush=True)
    return 0


def virtual_url(model: str, option_words: Sequence[str]) -> str:
    """virtual://<model>?<options> from `--name VALUE` / `--name=VALUE` words (dashes in names become
    underscores); UserError for a word that is neither."""
    pairs: list[tuple[str, str]] = []
    words = list(option_words)
    while words:
        word = words.pop(0)
        name, has_value, value = word.removeprefix("--").partition("=")
        if not word.startswith("--") or not name:
            raise UserError(f"miot virtual: expected --<option> VALUE, got {word!r}")
        if not has_value:
            if not words:
                raise UserError(f"miot virtual: option --{name} needs a value")
            value = words.pop(0)
        pairs.append((name.replace("-", "_"), value))
    query = urlencode(pairs)
    return f"virtual://{model}?{query}" if query else f"virtual://{model}"


def _print_module(module: VirtualModuleProcess) -> None:
    lines = [
        f"miot virtual: pid {module.pid} runs until Ctrl-C",
        f"  tty:      {module.tty_path}",
        *([f"  socket:   {module.socket_url}"] if module.socket_url else []),
        *([f"  rfc2217:  {module.rfc2217_url}"] if module.rfc2217_url else []),
        f"  url:      {module.url}",
        f"  terminal: python -m serial.tools.miniterm {module.tty_path} 115200",
    ]
    print("\n".join(lines), flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="miot", description="Network tests of cellular IoT modules.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run_parser = commands.add_parser("run", help="run a test plan on a rig (pytest on testplans/)")
    add_rig_argument(run_parser)
    run_parser.add_argument(
        "--plan", type=Path, default=DEFAULT_PLAN, help=f"plan file (default {DEFAULT_PLAN})"
    )
    run_parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results root directory")
    run_parser.add_argument("--run-id", default=None, help="run id (default: a new timestamped id)")
    run_parser.add_argument(
        "--parallel",
        action="store_true",
        help="one worker process per module, modules side by side (pytest-xdist); a module's cases stay "
        "on its worker, in plan order",
    )
    run_parser.add_argument(
        "--identifiers",
        choices=("hashed", "clear"),
        default=None,
        help="IMEI, IMSI and ICCID in the run's files: hashed with the lab's key (default; env "
        "MIOT_IDENTIFIERS), or also in clear for the lab's internal use (run.json records which)",
    )
    run_parser.add_argument("--testplans", type=Path, default=TESTPLANS, help=argparse.SUPPRESS)
    run_parser.add_argument("pytest_args", nargs="*", help="passed to pytest after `--`")
    run_parser.set_defaults(command=run)

    add_rig_commands(commands)
    add_sim_commands(commands)

    virtual_parser = commands.add_parser(
        "virtual",
        help="start a virtual module by hand (for a terminal program or an AT library)",
        description="Start a virtual module; print its tty, TCP URLs and virtual:// URL; run until Ctrl-C.",
        epilog="e.g. miot virtual bc660k --ce 1 --rsrp -112 --tcp 7000 --rfc2217 7001",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    virtual_parser.add_argument("model", help="virtual model, e.g. bc660k")
    virtual_parser.add_argument(
        "options",
        nargs=argparse.REMAINDER,
        metavar="--<option> VALUE",
        help="--tcp PORT: raw bytes on that TCP port of 127.0.0.1 (socket://, 0: any free port); "
        "--rfc2217 PORT: RFC 2217 on that port (rfc2217://); any other: an option of the virtual:// URL",
    )
    virtual_parser.set_defaults(command=virtual)
    _add_server(commands)
    _add_report(commands)
    add_compare(commands)
    add_export(commands)
    return parser


def _add_report(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report_parser = commands.add_parser(
        "report",
        help="write the cross-run network-capability report of run directories (one HTML file)",
        description="Aggregate runs by module, firmware, operator, RAT, site and coverage class into "
        "indicator tables with pass/fail counts, with figures; one self-contained HTML file.",
    )
    report_parser.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR", help="results/<run_id>")
    report_parser.add_argument("-o", "--output", type=Path, required=True, help="HTML file to write")
    report_parser.add_argument("--lang", default="en", help="en or zh (default en)")
    report_parser.add_argument(
        "--baseline",
        nargs="+",
        type=Path,
        default=[],
        metavar="RUN",
        help="also compare the runs with these baseline runs, as `miot compare` does (default settings)",
    )
    report_parser.set_defaults(command=report)


def _add_server(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from harness.server.control import DEFAULT_PORT, TOKEN_ENV

    server_parser = commands.add_parser(
        "server",
        help="run the test server for other hosts (sessions over an authenticated control channel)",
        description="Serve test sessions (reflector, sinks, sources, iperf3) until Ctrl-C or SIGTERM.",
    )
    server_parser.add_argument(
        "--listen",
        default=f"127.0.0.1:{DEFAULT_PORT}",
        metavar="HOST:PORT",
        help=f"control channel address (default 127.0.0.1:{DEFAULT_PORT}); sessions bind the same host",
    )
    server_parser.add_argument(
        "--token-env",
        default=TOKEN_ENV,
        metavar="NAME",
        help=f"environment variable holding the token (default {TOKEN_ENV})",
    )
    server_parser.add_argument("--capture-dir", type=Path, default=None, help="where session pcaps go")
    server_parser.add_argument("--capture-interface", default=None, help="interface to capture on")
    server_parser.add_argument(
        "--capture-payload",
        choices=("whole", "headers"),
        default="whole",
        help=f"keep whole packets (default), or their headers and probe header only ({HEADERS_SNAPLEN_BYTES} "
        "bytes each), as a rig's [capture] payload",
    )
    server_parser.add_argument(
        "--public", action="store_true", help="allow an address outside 127.0.0.0/8 and 198.18.0.0/15"
    )
    server_parser.set_defaults(command=server)

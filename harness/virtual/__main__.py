"""virtual layer: the process entry of a virtual module:
`python -m harness.virtual [--handshake] [--tcp PORT] [--rfc2217 PORT] <url>`.

Without --handshake (a person): prints the tty path to open, then one URL per TCP port, boots at once and
runs until interrupted. With --handshake (the `virtual://` transport, `miot virtual`): see
harness.virtual.process. --tcp and --rfc2217 also serve the module on that port of 127.0.0.1 (raw bytes,
RFC 2217; 0 picks a free port): see harness.virtual.network_port.
"""

from __future__ import annotations

import argparse
import sys

from harness.errors import UrlError
from harness.virtual.process import TcpPorts, serve

EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.virtual", description=__doc__)
    parser.add_argument("url", help="virtual://<model>?<options>, e.g. virtual://bc660k?ce=1")
    parser.add_argument("--handshake", action="store_true", help="wait for GO on stdin (used by the harness)")
    add_tcp_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve(
            args.url,
            has_handshake=args.handshake,
            tcp_ports=TcpPorts(socket_port=args.tcp, rfc2217_port=args.rfc2217),
        )
    except UrlError as exc:
        print(f"miot virtual: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a TCP port in use, or not ours to take
        print(f"miot virtual: cannot listen on 127.0.0.1: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 0


def add_tcp_arguments(parser: argparse.ArgumentParser) -> None:
    """--tcp and --rfc2217, shared with `miot virtual`."""
    parser.add_argument(
        "--tcp", type=_port_number, default=None, metavar="PORT",
        help="also serve raw bytes on this TCP port of 127.0.0.1 (socket://; 0: any free port)",
    )  # fmt: skip
    parser.add_argument(
        "--rfc2217", type=_port_number, default=None, metavar="PORT",
        help="also serve RFC 2217 on this TCP port of 127.0.0.1 (rfc2217://; 0: any free port)",
    )  # fmt: skip


def _port_number(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a TCP port is 0..65535, got {text!r}")
    return int(text)


if __name__ == "__main__":
    sys.exit(main())

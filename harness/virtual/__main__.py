"""virtual layer: the process entry of a virtual module: `python -m harness.virtual [--handshake] <url>`.

Without --handshake (a person, or `miot virtual`): prints the tty path to open, boots at once and runs until
interrupted. With --handshake (the `virtual://` transport): see harness.virtual.process.
"""

from __future__ import annotations

import argparse
import sys

from harness.errors import UrlError
from harness.virtual.process import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.virtual", description=__doc__)
    parser.add_argument("url", help="virtual://<model>?<options>, e.g. virtual://bc660k?ce=1")
    parser.add_argument("--handshake", action="store_true", help="wait for GO on stdin (used by the harness)")
    args = parser.parse_args(argv)
    try:
        return serve(args.url, has_handshake=args.handshake)
    except UrlError as exc:
        print(f"miot virtual: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())

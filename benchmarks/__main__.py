"""Run every benchmark module (benchmarks/bench_*.py) in turn and print its table."""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys

import benchmarks


def main() -> int:
    print(f"interpreter: {sys.executable} (Python {platform.python_version()}, {platform.machine()})")
    for info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"benchmarks.{info.name}")
            print()
            module.main()
    return 0


raise SystemExit(main())

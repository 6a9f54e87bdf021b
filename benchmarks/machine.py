"""What docs/performance.md says about the machine a run measured: CPU model, cores, memory, kernel,
interpreter and the version of every reference tool, read from the machine itself (/proc, the tools'
own version options), never typed by hand."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# (shown name, command printing a version on its first line); a missing tool is shown as missing
TOOL_VERSIONS = (
    ("iperf3", ("iperf3", "--version")),
    ("irtt", ("irtt", "version")),
    ("ping", ("ping", "-V")),
    ("tcpdump", ("tcpdump", "--version")),
    ("tshark", ("tshark", "--version")),
)
PYTHON_PACKAGES = ("pyserial", "numpy", "pandas", "pyarrow", "scapy", "duckdb")


@dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    cpu_model: str
    cores: int
    memory_gib: float
    kernel: str
    python: str
    tools: tuple[tuple[str, str], ...]
    packages: tuple[tuple[str, str], ...]


def describe_machine(proc: Path = Path("/proc")) -> Machine:
    return Machine(
        cpu_model=cpu_model(_read(proc / "cpuinfo")),
        cores=os.cpu_count() or 0,
        memory_gib=memory_kib(_read(proc / "meminfo")) / 2**20,
        kernel=f"{platform.system()} {platform.release()}",
        python=f"{platform.python_version()} ({sys.executable})",
        tools=tuple((name, tool_version(command)) for name, command in TOOL_VERSIONS),
        packages=tuple((name, _package_version(name)) for name in PYTHON_PACKAGES),
    )


def cpu_model(cpuinfo: str) -> str:
    """The first `model name` of /proc/cpuinfo (x86), else `Model`/`Hardware` (Arm), else unknown."""
    for key in ("model name", "Model", "Hardware"):
        for line in cpuinfo.splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return "unknown"


def memory_kib(meminfo: str) -> int:
    for line in meminfo.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def tool_version(command: tuple[str, ...]) -> str:
    if shutil.which(command[0]) is None and not Path("/usr/sbin", command[0]).exists():
        return "missing"
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unknown ({error})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def markdown_lines(machine: Machine) -> list[str]:
    tools = "; ".join(f"{name}: {version}" for name, version in machine.tools)
    packages = ", ".join(f"{name} {version}" for name, version in machine.packages)
    return [
        f"- CPU: {machine.cpu_model}, {machine.cores} cores",
        f"- memory: {machine.memory_gib:.1f} GiB",
        f"- kernel: {machine.kernel}",
        f"- Python: {machine.python}; {packages}",
        f"- tools: {tools}",
    ]


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""

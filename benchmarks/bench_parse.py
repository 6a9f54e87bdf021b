"""Parse throughput: harness.at.responses.parse over a mixed set of realistic lines, in lines per second.

Compared on the same lines, blocks interleaved so that CPU speed swings hit all alike (this-machine.md):
- `parse(line)`: the typed reader (prefix lookup, field split, validation, conversions);
- `split_line(line)`: the field splitter alone (quotes, parentheses), the part of parse that is tokenising;
- `partition/split`: `line.partition(":")[2].split(",")`, what a throwaway parser does (no quotes, no checks),
  the floor a Python parser cannot go below.
The mixed set is answers and URCs from the BC660K and RM520N manuals and cellular-iot.md (lines parse()
knows), plus lines a session also meets that it does not know (OK, vendor URCs, echoes), one in four as on a
real link. Per-group rows show where the time goes.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

from benchmarks.bench_table import BenchFigure
from harness.at.fields import split_line
from harness.at.responses import parse
from harness.errors import ParseError

ROUNDS = 7
LINES_PER_BLOCK = 6_000

GROUPS: dict[str, tuple[str, ...]] = {
    "registration": (
        '+CEREG: 2,"E485","093F9E11",7',
        '+CEREG: 1,"0001","01A2D002",7,,,"00100110","11100000"',
        '+CEREG: 4,5,"54DB","0F6B0578",7,,,"00100100","01000111"',
        "+CEREG: 1",
        '+CGREG: 2,1,"D5D5","8054BBF",2,"0"',
        '+C5GREG: 2,1,"690E0F","9013B004",11,4,"01.000000"',
    ),
    "signal": ("+CESQ: 99,99,255,255,25,61", "+CSQ: 22,0", "+CSQ: 99,99"),
    "operators": (
        '+COPS: 0,2,"46000", 9',
        '+COPS: (2,"CHINA MOBILE","CMCC","46000",9),(3,"CHINA UNICOMM","CUCC","46001",9),,(0-4),(0-2)',
    ),
    "packet domain": (
        '+CGDCONT: 0 ,"IP","CMNBIOT","100.81.144.240"',
        '+CGDCONT: 1,"IP","oai","0.0.0.0",0,0,0,0,,,,,,,,,"",,,,0',
        "+CGACT: 1,1",
        '+CGPADDR: 0,"100.68.114.220"',
        "+CSCON: 1",
    ),
    "power saving": (
        '+CPSMS: 1,,,"01000011","01000011"',
        '+CEDRXS: 5,"0011"',
        '+CEDRXRDP: 5,"0011","0011","0011"',
    ),
    "identity, errors": (
        "+CPIN: READY",
        "+QCCID: 89860446091891372008",
        "+CGSN: 866818039921444",
        "+CCLK: 20/11/03,06:25:06+32",
        "+CME ERROR: 10",
        "+CME ERROR: SIM not inserted",
    ),
    "not parsed": (
        "OK",
        '+QIURC: "recv",0,4',
        "AT+CEREG?",
        '+QENG: 0,3688,11,121,"05C4EF33",-72,-8,-64,14,8,"4C10",0,-128,3',
        "SEND OK",
        "Quectel_BC660K-GL",
        "RDY",
    ),
}


def mixed_lines() -> list[str]:
    """Known lines three to one against unknown ones, interleaved."""
    known = [line for name, lines in GROUPS.items() if name != "not parsed" for line in lines]
    unknown = GROUPS["not parsed"]
    mixed: list[str] = []
    for index, line in enumerate(known):
        mixed.append(line)
        if index % 3 == 2:
            mixed.append(unknown[(index // 3) % len(unknown)])
    return mixed


def parse_or_refuse(line: str) -> object:
    try:
        return parse(line)
    except ParseError as exc:
        return exc


def split_or_refuse(line: str) -> object:
    try:
        return split_line(line)
    except ValueError as exc:
        return exc


def naive(line: str) -> object:
    return line.partition(":")[2].split(",")


def lines_per_s(fn: Callable[[str], object], lines: Sequence[str]) -> float:
    block = [lines[i % len(lines)] for i in range(LINES_PER_BLOCK)]
    start = time.perf_counter()
    for line in block:
        fn(line)
    return LINES_PER_BLOCK / (time.perf_counter() - start)


def check_the_set_parses() -> None:
    """The benchmark measures real work only if every known line reads without error."""
    for name, lines in GROUPS.items():
        for line in lines:
            value = parse(line)
            if (value is None) != (name == "not parsed"):
                raise AssertionError(f"{line!r} read as {value!r} in group {name!r}")


def main() -> list[BenchFigure]:
    check_the_set_parses()
    lines = mixed_lines()
    methods: dict[str, Callable[[str], object]] = {
        "parse(line)": parse_or_refuse,
        "split_line(line)": split_or_refuse,
        'partition(":")/split(",")': naive,
    }
    results: dict[str, list[float]] = {name: [] for name in methods}
    groups: dict[str, list[float]] = {name: [] for name in GROUPS}
    for _ in range(ROUNDS):
        for name, fn in methods.items():
            results[name].append(lines_per_s(fn, lines))
        for name, group in GROUPS.items():
            groups[name].append(lines_per_s(parse_or_refuse, group))
    medians = {name: statistics.median(rates) for name, rates in results.items()}
    print(f"AT line parsing, {len(lines)} mixed lines, {ROUNDS} rounds x {LINES_PER_BLOCK} lines per method")
    print(f"{'method':32} {'median lines/s':>15} {'min lines/s':>12} {'us/line':>8}")
    for name, rates in results.items():
        print(f"{name:32} {medians[name]:15,.0f} {min(rates):12,.0f} {1e6 / medians[name]:8.2f}")
    parse_rate, split_rate = medians["parse(line)"], medians["split_line(line)"]
    floor_rate = medians['partition(":")/split(",")']
    print(f"time per line, parse / split_line: {split_rate / parse_rate:.2f}")
    print(f"time per line, parse / partition-split floor: {floor_rate / parse_rate:.2f}")
    print()
    print(f"{'parse() by group':32} {'median lines/s':>15} {'us/line':>8}")
    for name, rates in groups.items():
        median = statistics.median(rates)
        print(f"{name:32} {median:15,.0f} {1e6 / median:8.2f}")
    return [
        BenchFigure(
            figure="AT line parsing (mixed lines)",
            harness=f"{parse_rate:,.0f} lines/s",
            reference_tool='partition(":")/split(",")',
            reference=f"{floor_rate:,.0f} lines/s",
            ratio=floor_rate / parse_rate,
            goal="- (context)",
            met=None,
            note="ratio: time per line, parse() over the no-checks floor",
        )
    ]

"""benchmarks/bench_table.py: the one table as the terminal and docs/performance.md show it."""

from __future__ import annotations

from benchmarks.bench_table import COLUMNS, BenchFigure, render_markdown, render_text, skipped


def figure(**changes: object) -> BenchFigure:
    values: dict[str, object] = {
        "figure": "AT exchange round trip",
        "harness": "98 us",
        "reference_tool": "pyserial",
        "reference": "62 us",
        "ratio": 1.5123,
        "goal": "<= 1.5x",
        "met": False,
        "note": "",
    }
    values.update(changes)
    return BenchFigure(**values)  # type: ignore[arg-type]


def test_text_table_aligns_columns_and_shows_met_as_words() -> None:
    rows = [
        figure(),
        figure(figure="x", met=True, ratio=None),
        skipped("y", reference_tool="t", goal="g", note="n"),
    ]
    lines = render_text(rows).splitlines()
    assert [cell.strip() for cell in lines[0].split("|")] == list(COLUMNS)
    assert set(lines[1]) <= {"-", "+"}
    table = lines[2:5]
    assert len({line.index("|") for line in lines[:5] if "|" in line}) == 1  # the first column is padded
    assert [cell.strip() for cell in table[0].split("|")] == [
        "AT exchange round trip", "98 us", "pyserial", "62 us", "1.51", "<= 1.5x", "NO",
    ]  # fmt: skip
    assert table[1].split("|")[4].strip() == "-"
    assert table[1].split("|")[6].strip() == "yes"
    assert table[2].split("|")[6].strip() == "-"


def test_text_table_numbers_notes_by_row() -> None:
    rows = [figure(note=""), figure(figure="second", note="tshark missing")]
    assert render_text(rows).splitlines()[-1] == "note 2: second: tshark missing"


def test_markdown_table_has_a_note_column_and_escapes_pipes() -> None:
    text = render_markdown([figure(reference_tool="a|b", note="line\nbreak")])
    header, rule, row = text.splitlines()
    assert header == "| figure | harness | reference tool | reference | ratio | goal | met | note |"
    assert rule == "|---|---|---|---|---|---|---|---|"
    assert "a\\|b" in row
    assert "line break" in row
    assert row.count(" | ") == 7  # escaped pipes do not split cells


def test_skipped_row_is_never_judged() -> None:
    row = skipped("throughput", reference_tool="iperf3", goal="within 1 %", note="no root")
    assert (row.harness, row.reference, row.ratio, row.met, row.note) == ("-", "-", None, None, "no root")

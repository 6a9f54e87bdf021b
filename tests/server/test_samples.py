"""Sample tables keep typed rows up to their own cap and the server-wide budget, and count the rest."""

from __future__ import annotations

from harness.server.samples import COLUMNS, RowBudget, SampleTable


def test_rows_come_back_as_the_documented_table() -> None:
    table = SampleTable(max_rows=10, budget=RowBudget(100))
    start = table.opened_ns
    table.add(now_ns=start + 1_500_000_000, payload_bytes=100, seq=7, sent_ns=42)
    table.add(now_ns=start + 2_000_000_000, payload_bytes=5, flow=2)
    frame = table.frame()
    assert tuple(frame.columns) == COLUMNS
    assert frame["t_s"].tolist() == [1.5, 2.0]
    assert frame["seq"].tolist() == [7, -1]
    assert frame["sent_ns"].tolist() == [42, 0]
    assert frame["flow"].tolist() == [0, 2]
    assert (frame["wall_ns"].diff().iloc[1]) == 500_000_000


def test_rows_over_the_session_cap_are_counted_not_kept() -> None:
    table = SampleTable(max_rows=3, budget=RowBudget(100))
    for _ in range(5):
        table.add(now_ns=table.opened_ns, payload_bytes=1)
    assert (table.kept, table.dropped) == (3, 2)


def test_sessions_share_one_budget_and_a_released_table_returns_its_rows() -> None:
    budget = RowBudget(5)
    first = SampleTable(max_rows=100, budget=budget)
    second = SampleTable(max_rows=100, budget=budget)
    for _ in range(4):
        first.add(now_ns=first.opened_ns, payload_bytes=1)
    for _ in range(3):
        second.add(now_ns=second.opened_ns, payload_bytes=1)
    assert first.kept + second.kept <= 5
    assert (first.kept + first.dropped, second.kept + second.dropped) == (4, 3)
    assert second.dropped > 0
    first.release()
    assert first.kept == 0
    second.add(now_ns=second.opened_ns, payload_bytes=1)
    assert second.kept == 1 + (3 - second.dropped)


def test_a_zero_cap_keeps_nothing() -> None:
    table = SampleTable(max_rows=0, budget=RowBudget(100))
    table.add(now_ns=0, payload_bytes=1)
    assert (table.kept, table.dropped, len(table.frame())) == (0, 1, 0)

"""harness.rig_check_table: one aligned table, a row per probe, '-' for an empty cell, a port in use named."""

from __future__ import annotations

from harness.rig_check_table import check_table
from harness.rig_probe import ProbeRow


def test_columns_line_up_and_every_row_is_shown() -> None:
    rows = [
        ProbeRow(kind="module", id="nb-ce0", answered=("dialect quectel_nbiot", "SIM ready")),
        ProbeRow(kind="server", id="remote", failed=("token: not set", "second; reason")),
        ProbeRow(kind="module", id="redcap-1", held_by="run nightly (module redcap-1, ci@lab pid 7) since X"),
    ]

    lines = check_table(rows).splitlines()

    assert lines == [
        "kind    id       | status | answered                         | did not answer",
        "module  nb-ce0   | ok     | dialect quectel_nbiot, SIM ready | -",
        "server  remote   | failed | -                                | token: not set; second; reason",
        "module  redcap-1 | in use | -                                | not probed: in use by run nightly "
        "(module redcap-1, ci@lab pid 7) since X",
    ]

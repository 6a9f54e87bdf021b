"""server layer: the per-packet (UDP) or per-read/write (TCP) samples a session keeps, with bounded memory.

Rows live in typed arrays (about 32 bytes a row), never in per-packet Python objects. Two caps keep a flood
from exhausting the server: each session keeps at most its `max_samples` rows, and all sessions of one
server draw rows from one `RowBudget` (DEFAULT_BUDGET_ROWS, about 128 MB). Rows over either cap are counted
as `samples_dropped`, never silently lost.

The table the traffic layer reads (DESIGN: every samples file starts with `t_s`):
    t_s            seconds since the session opened (monotonic clock)
    wall_ns        server wall clock of the receipt or send (time.time_ns scale; derived from t_s and
                   the wall clock at open, so both clocks agree within the session)
    payload_bytes  payload of the datagram, or bytes of one read/write on a TCP connection
    seq            probe sequence number (harness.probe header) or -1 where the payload has none
    sent_ns        the probe's client_tx_ns (received) or the server's own send stamp (sent); 0 if none
    flow           TCP connection number within the session (0 for UDP)
"""

from __future__ import annotations

import threading
import time
from array import array

import numpy as np
import pandas as pd

DEFAULT_BUDGET_ROWS = 4_000_000
_BLOCK_ROWS = 4096  # rows a table takes from the budget at once, so the budget's lock is rarely touched
COLUMNS = ("t_s", "wall_ns", "payload_bytes", "seq", "sent_ns", "flow")


class RowBudget:
    """Rows every session of one server may keep in total; tables take blocks and give them back."""

    def __init__(self, rows: int = DEFAULT_BUDGET_ROWS) -> None:
        self._left = rows
        self._lock = threading.Lock()

    @property
    def rows_left(self) -> int:
        with self._lock:
            return self._left

    def take(self, rows: int) -> int:
        """Up to `rows` rows; fewer (maybe 0) when the budget runs low."""
        with self._lock:
            granted = min(rows, self._left)
            self._left -= granted
            return granted

    def give_back(self, rows: int) -> None:
        with self._lock:
            self._left += rows


class SampleTable:
    """Rows appended by one session's worker thread, read as a DataFrame by anyone."""

    def __init__(self, *, max_rows: int, budget: RowBudget) -> None:
        self._max_rows = max_rows
        self._budget = budget
        self._granted = 0
        self._opened_ns = time.monotonic_ns()
        self._opened_wall_ns = time.time_ns()
        self._t_ns = array("q")
        self._payload = array("l")
        self._seq = array("q")
        self._sent_ns = array("q")
        self._flow = array("l")
        self._dropped = 0
        self._lock = threading.Lock()

    @property
    def opened_ns(self) -> int:
        """The monotonic instant t_s counts from."""
        return self._opened_ns

    def add(self, *, now_ns: int, payload_bytes: int, seq: int = -1, sent_ns: int = 0, flow: int = 0) -> None:
        """One row at monotonic instant `now_ns`, or one more dropped row when a cap is reached."""
        with self._lock:
            if len(self._t_ns) >= self._granted and not self._grow():
                self._dropped += 1
                return
            self._t_ns.append(now_ns - self._opened_ns)
            self._payload.append(payload_bytes)
            self._seq.append(seq)
            self._sent_ns.append(sent_ns)
            self._flow.append(flow)

    def _grow(self) -> bool:
        wanted = min(_BLOCK_ROWS, self._max_rows - self._granted)
        granted = self._budget.take(wanted) if wanted > 0 else 0
        self._granted += granted
        return granted > 0

    @property
    def kept(self) -> int:
        with self._lock:
            return len(self._t_ns)

    @property
    def dropped(self) -> int:
        with self._lock:
            return self._dropped

    def frame(self) -> pd.DataFrame:
        with self._lock:
            t_ns = np.frombuffer(self._t_ns, dtype=np.int64).copy()
            columns = {
                "t_s": t_ns / 1e9,
                "wall_ns": t_ns + self._opened_wall_ns,
                "payload_bytes": np.array(self._payload, dtype=np.int64),
                "seq": np.frombuffer(self._seq, dtype=np.int64).copy(),
                "sent_ns": np.frombuffer(self._sent_ns, dtype=np.int64).copy(),
                "flow": np.array(self._flow, dtype=np.int64),
            }
        return pd.DataFrame(columns, columns=list(COLUMNS))

    def release(self) -> None:
        """Forget the rows and return their budget (the session is discarded)."""
        with self._lock:
            self._budget.give_back(self._granted)
            self._granted = 0
            for column in (self._t_ns, self._payload, self._seq, self._sent_ns, self._flow):
                del column[:]

"""traffic layer: every engine's samples on the module's AT session clock, so the radio readings taken during
a test join them (issue 6 item 8; harness.results.radio.join_radio).

The radio sampler (harness.traffic.radio_sampler) stamps its readings with ATSession.now_s(): seconds since
the module's session opened, on the host's monotonic clock. Engines count their `t_s` from their own start
(DESIGN: every samples file starts with it), so each also writes SESSION_CLOCK_COLUMN, right after `t_s`:
the row's instant on the session clock. Which instant is the engine's to say, and its docstring says it: a
send is when its command was written (ModuleSocket.send), a received datagram when the harness learned of it
(Datagram.t_s), an interval of a goodput series or an iperf3 report its end, an attempt (attach, connect,
ping request) its start.

Engines that run on the host (iperf3, a host socket on the data interface) have no AT session of their own:
the caller hands them the module's clock (session_clock_of). A server's rows are moved onto it from their
wall-clock stamps (wall_ns_on_session_clock).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from harness.dialects.modem import Modem
from harness.traffic.registration_watch import reporting_modem

SESSION_CLOCK_COLUMN = "session_t_s"

SessionClock = Callable[[], float]


def session_clock_of(modem: Modem) -> SessionClock:
    """The module's AT session clock (ModemError for a dialect that exposes no AT session)."""
    return reporting_modem(modem).session.now_s


def with_session_clock(samples: pd.DataFrame, session_t_s: Any) -> pd.DataFrame:
    """`samples` with SESSION_CLOCK_COLUMN (float seconds, one per row) second, after `t_s`."""
    values = np.asarray(session_t_s, dtype=np.float64).reshape(-1)
    if len(values) != len(samples):
        raise ValueError(f"{len(values)} session times for {len(samples)} sample rows")
    frame = samples.drop(columns=SESSION_CLOCK_COLUMN, errors="ignore")
    frame.insert(min(1, len(frame.columns)), SESSION_CLOCK_COLUMN, values)
    return frame


def wall_ns_on_session_clock(wall_ns: pd.Series, clock: SessionClock) -> np.ndarray:
    """Wall-clock stamps (time.time_ns scale: a server's `wall_ns`) on the session clock: exact when the
    stamps come from this host's wall clock (a local or namespaced server), off by the two clocks' offset
    for a remote one, as one-way delays are."""
    session_s, now_ns = clock(), time.time_ns()
    return session_s + (wall_ns.to_numpy(dtype=np.int64) - now_ns) / 1e9

"""traffic layer: the radio conditions a module reports, read at a fixed interval while a test runs (issue 6
item 8; DESIGN "What a run writes": radio.parquet).

Each reading is Modem.radio_snapshot() (AT+QENG, +QCSQ/+QENG servingcell, +MUESTATS or +CESQ by dialect),
stamped with the AT session's clock (`t_s`, the clock of ATResponse.started_s, URCs, ModuleSocket.send and
the transcript), so readings line up with the engines' session-time columns and with at.log. The session
serialises commands, so the sampler's reads slot in between an engine's (each delays the engine's next
command by one exchange).

A read that fails (timeout, ERROR, a port lost) becomes a row whose `read_error` says why; the case goes on.
A module asleep in PSM is not woken: where the dialect names a PSM report (harness.dialects.psm_reports)
the sampler listens to it without switching it on, and while the module has reported PSM entry it writes a
row saying so instead of reading. A module whose report is off gives no such notice, so a case that puts
the module to sleep, or needs its UART quiet, turns sampling off (harness.pytest_plugin's
`radio_sampling` marker).

Background work as STYLE 5 has it: a context manager that starts the worker, and on exit stops it, joins it
and re-raises anything other than a failed read in the caller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

import numpy as np
import pandas as pd

from harness.at import Urc
from harness.dialects.modem import Modem, RadioSnapshot
from harness.errors import HarnessError
from harness.traffic.modem_state_watch import psm_report_of
from harness.traffic.registration_watch import reporting_modem

RADIO_COLUMNS = (
    "t_s",
    "read_ms",
    "rsrp_dbm",
    "rsrq_db",
    "sinr_db",
    "ce_level",
    "cell_id",
    "pci",
    "earfcn",
    "band",
    "read_error",
)
_FLOATS = ("t_s", "read_ms", "rsrp_dbm", "rsrq_db", "sinr_db")
_INTEGERS = ("ce_level", "pci", "earfcn", "band")
ASLEEP = "not read: the module reported PSM entry (reading would wake it)"


class RadioSampler:
    """`with RadioSampler(modem, every_s=1.0) as sampler:` reads the module's radio every `every_s` (the
    first read at once) until the block ends; `sampler.readings()` is a frame of RADIO_COLUMNS so far."""

    def __init__(self, modem: Modem, *, every_s: float) -> None:
        if not every_s > 0:
            raise ValueError(f"every_s must be above 0, got {every_s!r}")
        self._modem = modem
        self._session = reporting_modem(modem).session
        self._psm_report = psm_report_of(modem)
        self._every_s = every_s
        self._rows: list[dict[str, object]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._is_asleep = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="radio-sampler", daemon=True)
        self._unsubscribe: Callable[[], None] = _no_subscription

    def __enter__(self) -> RadioSampler:
        if self._psm_report is not None:
            self._unsubscribe = self._session.subscribe(self._psm_report.prefix, self._on_psm_report)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._unsubscribe()
        if self._error is not None and exc is None:
            raise self._error

    def readings(self) -> pd.DataFrame:
        with self._lock:
            rows = list(self._rows)
        return readings_frame(rows)

    def _run(self) -> None:
        start_s = time.monotonic()
        tick = 0
        try:
            while not self._stop.is_set():
                row = self._read()
                with self._lock:
                    self._rows.append(row)
                tick += 1
                # a fixed schedule: a slow read does not shift the later ones
                self._stop.wait(max(0.0, start_s + tick * self._every_s - time.monotonic()))
        except BaseException as error:  # handed to the caller in __exit__ (STYLE 5)
            self._error = error

    def _read(self) -> dict[str, object]:
        t_s = self._session.now_s()
        if self._is_asleep:
            return {"t_s": t_s, "read_error": ASLEEP}
        try:
            snapshot = self._modem.radio_snapshot()
        except HarnessError as error:
            first_line = str(error).splitlines()[0] if str(error) else ""
            failure = f"{type(error).__name__}: {first_line}"
            return {"t_s": t_s, "read_ms": self._ms_since(t_s), "read_error": failure}
        return {"t_s": t_s, "read_ms": self._ms_since(t_s), **_snapshot_fields(snapshot)}

    def _ms_since(self, t_s: float) -> float:
        return (self._session.now_s() - t_s) * 1000.0

    def _on_psm_report(self, urc: Urc) -> None:  # the session's reader thread: only record
        assert self._psm_report is not None
        is_entry = self._psm_report.entry_of(urc.line)
        if is_entry is not None:
            self._is_asleep = is_entry


def _no_subscription() -> None:
    pass


def _snapshot_fields(snapshot: RadioSnapshot) -> dict[str, object]:
    return {
        "rsrp_dbm": snapshot.rsrp_dbm,
        "rsrq_db": snapshot.rsrq_db,
        "sinr_db": snapshot.sinr_db,
        "ce_level": snapshot.ce_level,
        "cell_id": snapshot.cell_id,
        "pci": snapshot.pci,
        "earfcn": snapshot.earfcn,
        "band": snapshot.band,
    }


def readings_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows of readings as a frame of RADIO_COLUMNS, typed the same whether a column has values or not
    (floats NaN, integers nullable, texts None), so every radio.parquet reads alike."""
    columns: dict[str, object] = {}
    for name in RADIO_COLUMNS:
        values = [row.get(name) for row in rows]
        if name in _FLOATS:
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        elif name in _INTEGERS:
            columns[name] = pd.Series(values, dtype="Int64")
        else:
            columns[name] = pd.Series(values, dtype="string")
    return pd.DataFrame(columns)

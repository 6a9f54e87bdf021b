"""power layer (DESIGN "Layers": above sim_card, below capture): current measurement.

analyzer         the PowerAnalyzer protocol, AnalyzerIdentity, record_current (start, wait, stop, join),
                 markers of test events on the trace's time base
analyzers        backends found by name: analyzer_<name>.py, opened with the module's port; probed by
                 `miot rig check`
analyzer_ppk2, analyzer_otii, analyzer_scpi  the instruments (ppk2_wire, otii_link, scpi_transport: their
                 protocols; raw_samples: raw samples averaged into trace rows)
analyzer_virtual the virtual rail: a virtual module's states rendered into current (rail_history: its polls)
module_currents  the table of module currents per state, with sources
rail_model       states -> current (boxcars); current_steps: boxcars -> averaged samples
trace_analysis   mean current, charge, energy, PSM entry, the sleep-current window

The virtual rail has one source of truth, the module: its control op "status" gives the model and RAT, the
timer scale and paging cycle it runs, its TX power and eDRX timing with the start of its paging time windows;
"timeline" gives its states and every packet's air use as its link model booked it (RRC set-up and uplink
at the TX power then in use, downlink). The rail recomputes none of these: a long uplink stream draws
transmit current for exactly its air time, and a change of RSRP changes the transmit current of the packets
sent after it. Host-path traffic (the RedCap and Cat-1 data interface) is not booked per packet: it holds a
connection at receive current only.
"""

from harness.power.analyzer import (
    CURRENT_COLUMN,
    TIME_COLUMN,
    VOLTAGE_COLUMN,
    AnalyzerIdentity,
    CurrentRecording,
    Marker,
    PowerAnalyzer,
    check_trace,
    markers_of,
    record_current,
    with_markers,
)
from harness.power.analyzers import analyzer_problems, known_analyzers, open_analyzer, probe_analyzer
from harness.power.trace_analysis import (
    Window,
    charge_uc,
    energy_mj,
    find_floor_exit_s,
    find_psm_entry_s,
    marker_window,
    mean_current_ua,
    sleep_current_ua,
    sleep_window,
)

__all__ = [
    "CURRENT_COLUMN",
    "TIME_COLUMN",
    "VOLTAGE_COLUMN",
    "AnalyzerIdentity",
    "CurrentRecording",
    "Marker",
    "PowerAnalyzer",
    "Window",
    "analyzer_problems",
    "charge_uc",
    "check_trace",
    "energy_mj",
    "find_floor_exit_s",
    "find_psm_entry_s",
    "known_analyzers",
    "marker_window",
    "markers_of",
    "mean_current_ua",
    "open_analyzer",
    "probe_analyzer",
    "record_current",
    "sleep_current_ua",
    "sleep_window",
    "with_markers",
]

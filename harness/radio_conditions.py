"""inputs layer: the radio conditions a plan case may hold, by the names a RadioControl takes
(harness.transport.radio_control): an attenuator or channel emulator in a lab, the control channel of a
virtual module. Here so that a plan file is checked before anything runs, and so that the plan and the
transport layer share one list.
"""

from __future__ import annotations

# name -> what it is, for messages; units as the names say (dBm, dB, ms, kbit/s, %, s).
CONDITIONS: dict[str, str] = {
    "ce": "coverage-enhancement level (0, 1, 2)",
    "rsrp": "RSRP, dBm",
    "rsrq_db": "RSRQ, dB",
    "sinr_db": "SINR, dB",
    "delay_ms": "one-way delay added by the link, ms",
    "jitter_ms": "delay variation added by the link, ms",
    "ul_kbps": "uplink rate, kbit/s",
    "dl_kbps": "downlink rate, kbit/s",
    "loss_pct": "packet loss, %",
    "rrc_setup_ms": "RRC connection set-up time, ms",
    "inactivity_s": "the network's RRC inactivity timer, s",
}


def condition_name_problem(name: str) -> str | None:
    """Why `name` is not a condition a case may set, or None."""
    if name in CONDITIONS:
        return None
    return f"unknown radio condition {name!r} (known: {', '.join(CONDITIONS)})"

"""report layer: which indicator family a metric belongs to, the one place that says so.

The families and their order are ../shared/reference/indicators.md §5: access (§5.1), latency (§5.2),
throughput (§5.3), uplink small-data reporting (§5.4), power saving (§5.5), coverage (§5.6), stability
(§5.7), and network friendliness (GSMA TS.34, §3.1: harness.results.friendliness) after power saving. A
metric is matched by its name (DESIGN "Inputs": `[ul_|dl_]<quantity>[_<statistic>]_<unit>`),
first pattern wins, so the more specific families come first in FAMILY_PATTERNS. A metric no pattern
knows goes to `other`: a report never drops a number silently (STYLE 7).

Where a metric could sit in two families, the choice is ours:
- TCP connect time and connect success are access (the time until a data session can carry traffic,
  like §5.1 `data_ready_time`), not latency;
- `ul_`/`dl_` loss, jitter and one-way delay come from a stream and are throughput; plain `loss_pct` and
  `jitter_ms` come from the echo probes and are latency;
- eDRX/PSM reachability of the downlink is power saving (it checks what the sleep schedule allows);
- RRC connections per report (§5.4) and attach attempts per hour (§5.1) are network friendliness: they are
  TS.34's signalling checks, and `attach_attempts_per_hour` must win over access's `attach_`.
"""

from __future__ import annotations

import re

FAMILIES: tuple[str, ...] = (
    "access",
    "latency",
    "throughput",
    "uplink",
    "power_save",
    "friendliness",
    "coverage",
    "stability",
    "other",
)

_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "friendliness",
        r"(attach_attempts_per_hour|pdn_activations_per_hour|retry_backoff_violation|retry_wait_growth"
        r"|first_retry_delay|rrc_connections_per_report|dns_lookups_per_report|release_assistance"
        r"|report_release_delay|power_saving_requested|psm_active_time_granted|report_offset_spread)_",
    ),
    (
        "coverage",
        r"(rsrp|rsrq|sinr|ce_level|class_[a-z0-9_]+|radio_read_failures|coupling_loss"
        r"|max_coupling_loss|ce_level_mismatch|tx_power)_",
    ),
    (
        "stability",
        r"(registration_loss|session_drop|uptime|tau_success|cell_reselection|module_reset"
        r"|port_loss)_",
    ),
    (
        "access",
        r"(reboot_)?attach_|data_ready_time_|rrc_setup_time_|reject_backoff_|connect_success_"
        r"|tcp_connect_time_",
    ),
    (
        "uplink",
        r"(delivery_ratio|accepted_not_delivered|retries_per_report|overhead_per_report"
        r"|schedule_mismatch|reports_from_[a-z]+)_|ul_(report|burst)_latency_",
    ),
    (
        "power_save",
        r"(sleep_current|idle_current|charge_per_report|energy_per_report|battery_life"
        r"|psm_[a-z_]*|rrc_release_time|granted_edrx|dl_reach[a-z_]*|dl_psm_held|dl_out_ptw[a-z_]*)_",
    ),
    ("throughput", r"(ul|dl)_|tcp_retrans_"),
    ("latency", r"(ping_)?(rtt|loss|jitter)_|rtt_[a-z]+_|first_packet_"),
)
FAMILY_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (family, re.compile(f"^(?:{pattern})")) for family, pattern in _PATTERNS
)


def family_of(metric: str) -> str:
    """The family of a metric name (module docstring); `other` when no pattern knows it."""
    for family, pattern in FAMILY_PATTERNS:
        if pattern.match(metric):
            return family
    return "other"

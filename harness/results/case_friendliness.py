"""results layer: the network-friendliness indicators of one case directory (tests/<test_id>/), read from its
evidence as any run leaves it: at.log (harness.results.transcript_activity) and the server captures
(capture-server*.pcap, harness.capture.pcap_table) for DNS queries (UDP to port 53, RFC 1035 §4.2.1). The
computation is harness.results.friendliness.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harness.capture import pcap_table
from harness.metrics import MetricValue
from harness.results.friendliness import friendliness_metrics
from harness.results.transcript_activity import TranscriptActivity, read_activity

AT_LOG = "at.log"
SERVER_CAPTURES = "capture-server*.pcap"
DNS_PORT = 53


def case_activity(test_dir: Path) -> TranscriptActivity | None:
    """The activity in the case's at.log; None when the case wrote none."""
    path = Path(test_dir) / AT_LOG
    return read_activity(path) if path.exists() else None


def dns_query_count(table: pd.DataFrame) -> int:
    """DNS queries in a pcap table: UDP datagrams to port 53."""
    is_query = ((table["proto"] == "udp") & (table["dport"] == DNS_PORT)).fillna(False).astype(bool)
    return int(is_query.sum())


def case_dns_queries(test_dir: Path) -> int:
    return sum(dns_query_count(pcap_table(p)) for p in sorted(Path(test_dir).glob(SERVER_CAPTURES)))


def case_friendliness(test_dir: Path, *, t3346_s: float | None = None) -> dict[str, MetricValue]:
    """Every per-case friendliness indicator of a case directory; {} when it has no transcript."""
    activity = case_activity(test_dir)
    if activity is None:
        return {}
    return friendliness_metrics(activity, dns_queries=case_dns_queries(test_dir), t3346_s=t3346_s)

"""capture layer: packet capture at named capture points, and pcap -> pandas (DESIGN "capture").

scapy stays inside this package and harness.server (STYLE "Sizes"), so its dynamic types stop here.
"""

from harness.capture.flow_metrics import ClockOffsetMethod, FlowMetrics, flow_metrics, flow_rates
from harness.capture.live import CaptureRecord, CaptureSpec, capture, capture_problem
from harness.capture.pcap_table import COLUMNS, pcap_table

__all__ = [
    "COLUMNS",
    "CaptureRecord",
    "CaptureSpec",
    "ClockOffsetMethod",
    "FlowMetrics",
    "capture",
    "capture_problem",
    "flow_metrics",
    "flow_rates",
    "pcap_table",
]

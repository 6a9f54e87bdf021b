"""capture layer: whether a pcap kept enough of each packet for the probe header (harness.probe) that
uplink delivery and one-way delay read from it.

A capture cut short (tcpdump -s, rig `[capture] payload = "headers"` or `snaplen_bytes`) still counts every
packet and its length on the wire (pcap_table reads the IP total length), so counts, sizes and rates hold.
The probe's sequence number and send time sit after the IP and UDP headers: with fewer bytes kept, a probe
cannot be told from other data and would look lost. The rig never cuts below HEADERS_SNAPLEN_BYTES; a pcap
from elsewhere (another server, an older capture) is checked here and refused by name.
"""

from __future__ import annotations

from pathlib import Path

from harness.capture.pcap_table import read_file_header
from harness.probe import HEADER_BYTES as PROBE_HEADER_BYTES

_IPV4_HEADER_BYTES = 20  # without options (RFC 791 §3.1); a packet with options needs more
_UDP_HEADER_BYTES = 8


def probe_cut_problem(path: Path) -> str | None:
    """Why the probe headers in `path` cannot be read (its snap length cuts them), or None."""
    header = read_file_header(path)
    if header.link_header_bytes is None:
        return f"{path}: link type {header.linktype} is not one the pcap reader decodes"
    needed = header.link_header_bytes + _IPV4_HEADER_BYTES + _UDP_HEADER_BYTES + PROBE_HEADER_BYTES
    if header.snaplen_bytes >= needed:
        return None
    return (
        f"{path} keeps {header.snaplen_bytes} bytes of each packet (its snap length), fewer than the "
        f"{needed} a probe header needs on link type {header.linktype}: probes cannot be read from it "
        "(sequence numbers, send times, delivery, one-way delay); packet counts and rates still can"
    )

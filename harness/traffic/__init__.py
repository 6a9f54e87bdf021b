"""traffic layer: engines that load the link and measure it (DESIGN "traffic").

For now udp_echo via="module"; udp_stream, tcp_bulk (iperf3), ping and via="host" come with issue 5.
"""

from harness.traffic.udp_echo import UdpEchoResult, UdpEchoSpec, run_udp_echo, summarize

__all__ = ["UdpEchoResult", "UdpEchoSpec", "run_udp_echo", "summarize"]

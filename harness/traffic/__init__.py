"""traffic layer: engines that load the link and measure it (DESIGN "traffic").

via="module" (the module's own IP stack over AT sockets): udp_echo (latency probes), udp_stream (paced
uplink into a sink, downlink from a source), tcp_connect (TCP connect time), ping (the module's own).
via="host" (the module's data interface): iperf3_client (UDP and TCP, both directions). Throughput and
uplink runs carry a cross_check of the endpoint's figures against the capture's.
"""

from harness.traffic.cross_check import CaptureFigures, CrossCheck, EndpointFigures
from harness.traffic.direction import Direction
from harness.traffic.iperf3_client import HostPath, Iperf3Result, Iperf3Spec, Transport, run_iperf3
from harness.traffic.tcp_connect import TcpConnectResult, TcpConnectSpec, run_tcp_connect
from harness.traffic.udp_echo import UdpEchoResult, UdpEchoSpec, run_udp_echo, summarize
from harness.traffic.udp_stream import UdpStreamResult, UdpStreamSpec, run_udp_stream

__all__ = [
    "CaptureFigures",
    "CrossCheck",
    "Direction",
    "EndpointFigures",
    "HostPath",
    "Iperf3Result",
    "Iperf3Spec",
    "TcpConnectResult",
    "TcpConnectSpec",
    "Transport",
    "UdpEchoResult",
    "UdpEchoSpec",
    "UdpStreamResult",
    "UdpStreamSpec",
    "run_iperf3",
    "run_tcp_connect",
    "run_udp_echo",
    "run_udp_stream",
    "summarize",
]

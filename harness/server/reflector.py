"""server layer: the UDP echo reflector session.

It answers the harness's probe payloads (harness.probe) with the server's receive and send wall-clock stamps
written in place, so one probe yields the round trip and, with a known clock offset, both one-way delays.
Anything that is not a fresh probe is dropped, and a reply is never longer than the datagram that caused
it: the reflector cannot be used as an amplifier (sent_bytes <= received_bytes, always).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, replace

from harness.probe import decode_probe, stamp_reflection
from harness.server.samples import RowBudget
from harness.server.session import SessionParams
from harness.server.worker import BATCH_PACKETS, RECEIVE_BYTES, SessionWorker


@dataclass(frozen=True, slots=True, kw_only=True)
class ReflectorStats:
    """The reflector's counters under their probe names (received, reflected, dropped datagrams)."""

    received: int
    reflected: int
    dropped: int


class UdpReflector(SessionWorker):
    """A UDP echo reflector on its own thread: `with UdpReflector(host="127.0.0.1") as r: r.address`.
    `port` is a shortcut for `params.port`."""

    name = "udp-reflector"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        params: SessionParams | None = None,
        budget: RowBudget | None = None,
    ) -> None:
        params = params or SessionParams()
        super().__init__(
            host=host, params=params if port is None else replace(params, port=port), budget=budget
        )

    def stats(self) -> ReflectorStats:
        counters = self.counters()
        return ReflectorStats(
            received=counters.received_packets,
            reflected=counters.sent_packets,
            dropped=counters.dropped_packets,
        )

    def _bind(self) -> int:
        sock = self._bind_socket(socket.SOCK_DGRAM)
        self._watch(sock, self._answer)
        return int(sock.getsockname()[1])

    def _answer(self, sock: socket.socket) -> None:
        for _ in range(BATCH_PACKETS):
            try:
                payload, peer = sock.recvfrom(RECEIVE_BYTES)
            except BlockingIOError:
                return
            received_ns, received_mono_ns = time.time_ns(), time.monotonic_ns()
            header = decode_probe(payload)
            # An already reflected probe is dropped too: two reflectors must never bounce one between them.
            if header is None or header.is_reflected:
                self._count(received_packets=1, received_bytes=len(payload), dropped_packets=1)
                self.samples.add(now_ns=received_mono_ns, payload_bytes=len(payload))
                continue
            # The echo leaves before any bookkeeping: whatever the reflector does first adds to every round
            # trip it serves (counting and the sample row cost more than the echo itself here).
            reply = stamp_reflection(
                payload, header=header, server_rx_ns=received_ns, server_tx_ns=time.time_ns()
            )
            try:
                sent = sock.sendto(reply, peer)
            except OSError:  # a full send buffer or an unreachable peer loses this echo, as a network would
                sent = -1
            self.samples.add(
                now_ns=received_mono_ns,
                payload_bytes=len(payload),
                seq=header.seq,
                sent_ns=header.client_tx_ns,
            )
            if sent < 0:
                self._count(received_packets=1, received_bytes=len(payload), dropped_packets=1)
            else:
                self._count(received_packets=1, received_bytes=len(payload), sent_packets=1, sent_bytes=sent)

"""server layer: UDP and TCP sink sessions, where uplink traffic lands and is counted.

A sink never sends. Every datagram (UDP) or every read (TCP) is counted and becomes one sample row; a UDP
payload that carries the harness's probe header (harness.probe) also gives its seq and send stamp, so the
traffic layer can compute loss, duplicates, reordering and one-way delay from the sink's table alone.
A TCP sink accepts at most MAX_CONNECTIONS connections at once; more are closed at once and counted as
dropped.
"""

from __future__ import annotations

import socket
import time

from harness.probe import decode_probe
from harness.server.worker import BATCH_PACKETS, RECEIVE_BYTES, SessionWorker

MAX_CONNECTIONS = 8
_LISTEN_BACKLOG = 8


class UdpSink(SessionWorker):
    name = "udp-sink"

    def _bind(self) -> int:
        sock = self._bind_socket(socket.SOCK_DGRAM)
        self._watch(sock, self._receive)
        return int(sock.getsockname()[1])

    def _receive(self, sock: socket.socket) -> None:
        for _ in range(BATCH_PACKETS):
            try:
                payload = sock.recv(RECEIVE_BYTES)
            except BlockingIOError:
                return
            now_ns = time.monotonic_ns()
            self._count(received_packets=1, received_bytes=len(payload))
            header = decode_probe(payload)
            if header is None:
                self.samples.add(now_ns=now_ns, payload_bytes=len(payload))
            else:
                self.samples.add(
                    now_ns=now_ns, payload_bytes=len(payload), seq=header.seq, sent_ns=header.client_tx_ns
                )


class TcpSink(SessionWorker):
    name = "tcp-sink"

    def _bind(self) -> int:
        listener = self._bind_socket(socket.SOCK_STREAM)
        listener.listen(_LISTEN_BACKLOG)
        self._watch(listener, self._accept)
        self._buffer = bytearray(RECEIVE_BYTES)
        self._flows: dict[socket.socket, int] = {}
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return
        if len(self._flows) >= MAX_CONNECTIONS:
            connection.close()
            self._count(dropped_packets=1)
            return
        self._flows[self._own(connection)] = self.counters().connections
        self._count(connections=1)
        self._watch(connection, self._read)

    def _read(self, connection: socket.socket) -> None:
        try:
            size = connection.recv_into(self._buffer)
        except BlockingIOError:
            return
        except ConnectionError:
            size = 0  # a reset ends the flow like a close; what arrived before it is counted
        if size == 0:
            self._flows.pop(connection, None)
            self._forget(connection)
            return
        self._count(received_packets=1, received_bytes=size)
        self.samples.add(now_ns=time.monotonic_ns(), payload_bytes=size, flow=self._flows[connection])

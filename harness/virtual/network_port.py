"""virtual layer: a virtual module's serial line, also served on a TCP port of 127.0.0.1 (raw or RFC 2217).

A remote rig puts ser2net in front of a real module (DESIGN "Real parts"); these ports do the same for a
virtual one, so `socket://127.0.0.1:<port>` (raw bytes) and `rfc2217://127.0.0.1:<port>` (Telnet with the
COM-PORT-OPTION, rfc2217_codec) reach the module as pyserial reaches a remote rig, and a terminal program or
an AT library can use them too. Loopback only (DESIGN "Network rules").

SerialLine is the module's one serial line. What the module writes goes to its own port (usb_port: a pty,
there unless a fault made it vanish) and to the network client that holds the line; what either sends goes
to the module. One network client at a time, like a serial port: while one is connected, a connection to
either TCP port is accepted and closed at once, and the next client may connect once the first has gone.
When the module's port vanishes, the client is dropped and new ones are turned away until it is back, as
ser2net loses a device that re-enumerates.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol

from harness.virtual.event_loop import EventLoop, OutputQueue
from harness.virtual.rfc2217_codec import Decoded, Rfc2217Codec
from harness.virtual.usb_port import UsbPort

LOOPBACK = "127.0.0.1"
READ_BYTES = 4096
# Judgement: as much output as the pty keeps for a client that stopped reading (pty_port).
MAX_PENDING_BYTES = 1 << 20
LISTEN_BACKLOG = 4


class WireProtocol(StrEnum):
    """How bytes travel on a TCP port; the value is pyserial's URL scheme for it."""

    RAW = "socket"
    RFC2217 = "rfc2217"

    def url(self, port_number: int) -> str:
        return f"{self.value}://{LOOPBACK}:{port_number}"


class WireCodec(Protocol):
    """Bytes between a TCP client and the serial line."""

    def greeting(self) -> bytes:
        """What to send when a client connects."""

    def decode(self, chunk: bytes) -> Decoded:
        """Bytes from the client -> serial data for the module and answers for the client."""

    def encode(self, data: bytes) -> bytes:
        """The module's output -> bytes for the client."""


class RawCodec:
    def greeting(self) -> bytes:
        return b""

    def decode(self, chunk: bytes) -> Decoded:
        return Decoded(data=chunk)

    def encode(self, data: bytes) -> bytes:
        return data


def new_codec(protocol: WireProtocol) -> WireCodec:
    return Rfc2217Codec() if protocol is WireProtocol.RFC2217 else RawCodec()


class SerialLine:
    """The module's serial line: output to its port and the network client, input from both to `on_input`."""

    def __init__(self, port: UsbPort) -> None:
        self._port = port
        self._client: NetworkClient | None = None
        self.on_input: Callable[[bytes], None] = _discard
        port.on_input = self.feed
        port.presence_watchers.append(self._presence_changed)

    @property
    def is_present(self) -> bool:
        return self._port.is_present

    @property
    def client(self) -> NetworkClient | None:
        return self._client

    def write(self, data: bytes) -> None:
        self._port.write(data)
        if self._client is not None:
            self._client.write(data)

    def feed(self, data: bytes) -> None:
        self.on_input(data)

    def take(self, client: NetworkClient) -> bool:
        """Give the line to `client`; False while another client holds it."""
        if self._client is not None:
            return False
        self._client = client
        return True

    def release(self, client: NetworkClient) -> None:
        if self._client is client:
            self._client = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _presence_changed(self, is_present: bool) -> None:
        if not is_present:
            self.close()


class NetworkClient:
    """One TCP connection holding the line."""

    def __init__(self, loop: EventLoop, sock: socket.socket, *, codec: WireCodec, line: SerialLine) -> None:
        self._loop = loop
        self._sock = sock
        self._codec = codec
        self._line = line
        self._fd = sock.fileno()
        self._is_closed = False
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # an AT line is small: send it now
        self._output = OutputQueue(
            loop, self._fd, write_some=sock.send, max_pending_bytes=MAX_PENDING_BYTES, on_error=self._lost
        )
        loop.add_reader(self._fd, self._read)

    def start(self) -> None:
        self._output.write(self._codec.greeting())

    def write(self, data: bytes) -> None:
        self._output.write(self._codec.encode(data))

    def close(self) -> None:
        if self._is_closed:
            return
        self._is_closed = True
        self._loop.remove_reader(self._fd)
        self._output.clear()
        self._sock.close()
        self._line.release(self)

    def _read(self) -> None:
        try:
            chunk = self._sock.recv(READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""  # reset by the peer: gone, like a clean close
        if not chunk:
            self.close()
            return
        decoded = self._codec.decode(chunk)
        if decoded.is_output_purged:
            self._output.clear()
        self._output.write(decoded.answer)
        if decoded.data:
            self._line.feed(decoded.data)

    def _lost(self, error: OSError) -> None:
        del error  # a client that went away while we wrote to it: nothing to report, the line is free
        self.close()


class NetworkPort:
    """A TCP listener on 127.0.0.1 that hands the serial line to one client at a time."""

    def __init__(
        self, loop: EventLoop, line: SerialLine, *, protocol: WireProtocol, port_number: int = 0
    ) -> None:
        """Listen on `port_number` (0: any free port); OSError when it cannot (the port is in use)."""
        self._loop = loop
        self._line = line
        self.protocol = protocol
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # a port given by hand can be used again at once after a restart (TIME_WAIT)
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind((LOOPBACK, port_number))
            self._listener.listen(LISTEN_BACKLOG)
        except OSError:
            self._listener.close()
            raise
        self._listener.setblocking(False)
        self.port_number: int = self._listener.getsockname()[1]
        loop.add_reader(self._listener.fileno(), self._accept)

    @property
    def url(self) -> str:
        return self.protocol.url(self.port_number)

    def close(self) -> None:
        self._loop.remove_reader(self._listener.fileno())
        self._listener.close()

    def _accept(self) -> None:
        try:
            sock, _ = self._listener.accept()
        except (BlockingIOError, ConnectionAbortedError):
            return
        if self._line.client is not None or not self._line.is_present:
            with contextlib.suppress(OSError):
                sock.close()
            return
        client = NetworkClient(self._loop, sock, codec=new_codec(self.protocol), line=self._line)
        self._line.take(client)
        client.start()


def _discard(data: bytes) -> None:
    del data

"""virtual layer: the relay process of a virtual module's data interface, `python -m
harness.virtual.data_interface_relay '<json spec>'`, started by data_interface.start_data_interface (which
describes the layout and the line protocol). Stdlib only; needs root.

It builds the namespaces (data_interface_topology) and moves frames between the router's two interfaces
through data_interface_delay.DelayLine. One AF_PACKET socket per interface, bound to IPv4 (ETH_P_IP) only:
no IPv6 or ARP chatter crosses, and the relay never reads back what it sent (a protocol-bound packet socket
sees no outgoing frames; packet(7)). PACKET_VNET_HDR gives each frame a virtio_net_hdr carrying the state of
its checksum: a veth hands frames on with the checksum still to be filled in (CHECKSUM_PARTIAL), and the
header passed back on send lets the kernel finish it, so no ethtool is needed (linux/virtio_net.h; QEMU's
tap backend does the same). Sends are non-blocking with a send buffer larger than tbf's queue: what tbf
cannot queue is refused (ENOBUFS) and counted, never waited for. select(2) rather than epoll: its timeout
has microseconds, epoll's milliseconds.

It ends, removing every namespace and link it made, at the end of its input (the parent's orderly stop, or
the parent gone), on SIGTERM or SIGINT, or when its parent changes (a forked copy may hold the pipe open).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import struct
import sys
import time
from dataclasses import asdict, dataclass, field
from types import FrameType
from typing import Any

from harness import netns
from harness.errors import NeedsNetAdmin, NetnsError
from harness.virtual.data_interface_delay import DelayLine, Direction, Impairment
from harness.virtual.data_interface_topology import CORE_SIDE, UE_SIDE, DataInterfaceInfo, build, shape
from harness.virtual.link import LinkProfile

ETH_P_IP = 0x0800  # linux/if_ether.h
SOL_PACKET = 263  # linux/socket.h
PACKET_STATISTICS = 6  # linux/if_packet.h; struct tpacket_stats {u32 tp_packets, tp_drops}, reset on read
PACKET_VNET_HDR = 15
SO_SNDBUFFORCE = 32  # asm-generic/socket.h (root may exceed wmem_max/rmem_max)
SO_RCVBUFFORCE = 33
VNET_HDR_BYTES = 10  # struct virtio_net_hdr without num_buffers
MAX_FRAME_BYTES = 65_536 + VNET_HDR_BYTES
# 8 MiB each way: above tbf's queue at a RedCap peak rate (226.9 Mbit/s * 100 ms = 2.8 MB, in skbs of about
# 1.5x their data), so tbf, not the socket, is where frames beyond the rate are dropped.
SOCKET_BUFFER_BYTES = 8 * 1024 * 1024
MAX_BATCH_FRAMES = 256  # frames read from one socket per wake-up, so neither direction starves the other
PARENT_CHECK_S = 1.0


class Stop(Exception):
    """SIGTERM, SIGINT or the parent gone: leave the loop and clean up."""


@dataclass(slots=True)
class SendCounters:
    refused_frames: int = 0
    sent_frames: int = 0
    sent_bytes: int = 0
    socket_dropped_frames: int = 0


@dataclass(slots=True)
class Ports:
    """The relay's packet socket on each router interface: frames of `ul` arrive on the UE side."""

    ue: socket.socket
    core: socket.socket
    counters: dict[Direction, SendCounters] = field(
        default_factory=lambda: {direction: SendCounters() for direction in Direction}
    )

    def receiving(self, direction: Direction) -> socket.socket:
        return self.ue if direction is Direction.UL else self.core

    def sending(self, direction: Direction) -> socket.socket:
        return self.core if direction is Direction.UL else self.ue

    def close(self) -> None:
        self.ue.close()
        self.core.close()


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    profile = LinkProfile(**spec["profile"])
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signal_number, _raise_stop)
    try:
        with netns.Topology() as topology:
            info = build(
                topology,
                profile,
                slot=spec["slot"],
                queue_ms=spec["queue_ms"],
                is_carrier_on=spec["is_carrier_on"],
            )
            ports = open_ports(info)
            try:
                emit({"event": "ready", "info": asdict(info)})
                Relay(info=info, ports=ports, profile=profile, spec=spec).run()
            finally:
                ports.close()
    except Stop:
        return 0
    except NetnsError as exc:
        kind = "needs_net_admin" if isinstance(exc, NeedsNetAdmin) else "netns"
        with contextlib.suppress(Stop):  # a parent that is gone needs no explanation
            emit({"event": "failed", "kind": kind, "message": str(exc)})
        return 1
    return 0


def open_ports(info: DataInterfaceInfo) -> Ports:
    return Ports(ue=_open_port(info, UE_SIDE), core=_open_port(info, CORE_SIDE))


def _open_port(info: DataInterfaceInfo, device: str) -> socket.socket:
    sock = netns.open_socket_in(
        info.router_namespace, socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP)
    )
    try:
        sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, SOCKET_BUFFER_BYTES)
        sock.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, SOCKET_BUFFER_BYTES)
        sock.bind((device, ETH_P_IP))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class Relay:
    def __init__(
        self, *, info: DataInterfaceInfo, ports: Ports, profile: LinkProfile, spec: dict[str, Any]
    ) -> None:
        self._info = info
        self._ports = ports
        self._queue_ms: float = spec["queue_ms"]
        self._is_rrc_reported: bool = spec["is_rrc_reported"]
        self._line: DelayLine[bytes] = DelayLine(impairment_of(profile), seed=spec["seed"])
        self._is_running = True
        self._is_connected_reported = False
        self._parent_pid = os.getppid()
        self._next_parent_check_s = time.monotonic() + PARENT_CHECK_S
        self._control = b""

    def run(self) -> None:
        stdin = sys.stdin.fileno()
        watched = {self._ports.ue.fileno(): Direction.UL, self._ports.core.fileno(): Direction.DL}
        while self._is_running:
            now_s = time.monotonic()
            self._send_due(now_s)
            self._housekeep(now_s)
            readable, _, _ = select.select([*watched, stdin], [], [], self._timeout_s(now_s))
            for fd in readable:
                if fd == stdin:
                    self._read_control(stdin)
                else:
                    self._receive(watched[fd])

    def _timeout_s(self, now_s: float) -> float:
        wakes = [self._next_parent_check_s, self._line.next_due_s(), self._line.next_change_s(now_s)]
        return max(0.0, min(w for w in wakes if w is not None) - now_s)

    def _receive(self, direction: Direction) -> None:
        sock = self._ports.receiving(direction)
        admit = self._line.admit
        now_s = time.monotonic()
        for _ in range(MAX_BATCH_FRAMES):
            try:
                frame = sock.recv(MAX_FRAME_BYTES)
            except OSError:  # EAGAIN: all read; ENETDOWN, reported once when the carrier goes: nothing either
                return
            admit(direction, frame, len(frame) - VNET_HDR_BYTES, now_s)

    def _send_due(self, now_s: float) -> None:
        for direction in Direction:
            frames = self._line.pop_due(direction, now_s)
            if not frames:
                continue
            sock = self._ports.sending(direction)
            counters = self._ports.counters[direction]
            for frame in frames:
                try:
                    sock.send(frame)
                except OSError:  # ENOBUFS: tbf's queue is full; EAGAIN: the socket's; ENETDOWN: no carrier
                    counters.refused_frames += 1
                    continue
                counters.sent_frames += 1
                counters.sent_bytes += len(frame) - VNET_HDR_BYTES

    def _housekeep(self, now_s: float) -> None:
        if self._is_rrc_reported and self._line.is_connected(now_s) != self._is_connected_reported:
            self._is_connected_reported = not self._is_connected_reported
            emit({"event": "rrc", "is_connected": self._is_connected_reported, "at_s": now_s})
        if now_s >= self._next_parent_check_s:
            self._next_parent_check_s = now_s + PARENT_CHECK_S
            if os.getppid() != self._parent_pid:
                self._is_running = False

    def _read_control(self, fd: int) -> None:
        chunk = os.read(fd, 65536)
        if not chunk:
            self._is_running = False
            return
        *lines, self._control = (self._control + chunk).split(b"\n")
        for line in lines:
            request = json.loads(line)
            try:
                emit({"event": "reply", "id": request["id"], **self._answer(request)})
            except NetnsError as exc:
                emit({"event": "failed", "kind": "netns", "message": str(exc)})

    def _answer(self, request: dict[str, Any]) -> dict[str, Any]:
        match request["op"]:
            case "profile":
                profile = LinkProfile(**request["profile"])
                shape(self._info, profile, queue_ms=self._queue_ms)
                self._line.impairment = impairment_of(profile)
                return {}
            case "carrier":
                netns.set_link(UE_SIDE, namespace=self._info.router_namespace, is_up=bool(request["is_up"]))
                return {}
            case "stats":
                return {direction.value: self._stats(direction) for direction in Direction}
            case op:
                raise NetnsError(f"the data interface relay has no request {op!r}")

    def _stats(self, direction: Direction) -> dict[str, Any]:
        line = self._line.counters(direction)
        counters = self._ports.counters[direction]
        # the socket's counters restart on every read: keep the running total
        _, dropped = struct.unpack(
            "II", self._ports.receiving(direction).getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        )
        counters.socket_dropped_frames += dropped
        device = CORE_SIDE if direction is Direction.UL else UE_SIDE
        return {
            "received_frames": line.admitted_frames,
            "received_bytes": line.admitted_bytes,
            "socket_dropped_frames": counters.socket_dropped_frames,
            "lost_frames": line.lost_frames,
            "overflow_frames": line.overflow_frames,
            "refused_frames": counters.refused_frames,
            "sent_frames": counters.sent_frames,
            "sent_bytes": counters.sent_bytes,
            "shaper": asdict(netns.read_tbf(device, namespace=self._info.router_namespace)),
        }


def impairment_of(profile: LinkProfile) -> Impairment:
    return Impairment(
        delay_ms=profile.delay_ms,
        jitter_ms=profile.jitter_ms,
        loss_pct=profile.loss_pct,
        rrc_setup_ms=profile.rrc_setup_ms,
        inactivity_s=profile.inactivity_s,
    )


def emit(message: dict[str, Any]) -> None:
    """One line to the parent, unbuffered; a parent that is gone means stop."""
    try:
        os.write(sys.stdout.fileno(), json.dumps(message).encode() + b"\n")
    except BrokenPipeError:
        raise Stop from None


def _raise_stop(signal_number: int, frame: FrameType | None) -> None:
    raise Stop


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

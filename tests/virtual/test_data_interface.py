"""harness.virtual.data_interface: the host-visible data interface of a virtual RedCap/Cat-1 module, used as
the harness uses it: an interface in this namespace, the test server in the network namespace, UDP between
them. Needs root; skipped with the reason otherwise. Timing bounds are wide: other tests load the machine."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import statistics
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from types import TracebackType

import pytest

from harness import netns
from harness.errors import NeedsNetAdmin, NetnsError, VirtualModuleError
from harness.virtual.data_interface import (
    DataInterface,
    DataInterfaceInfo,
    DataInterfaceOptions,
    start_data_interface,
)
from harness.virtual.link import LinkProfile

ROOT_REASON = netns.missing_net_admin()
needs_root = pytest.mark.skipif(ROOT_REASON is not None, reason=f"data interface tests: {ROOT_REASON}")

FAST = LinkProfile(
    delay_ms=15.0,
    jitter_ms=4.0,
    ul_kbps=50_000.0,
    dl_kbps=50_000.0,
    loss_pct=0.0,
    rrc_setup_ms=0.0,
    inactivity_s=60.0,
)
SO_TIMESTAMPNS = 35  # asm-generic/socket.h: the kernel's receive time of each datagram, as a timespec
FRAME_OVERHEAD_BYTES = 42  # Ethernet 14 + IPv4 20 + UDP 8: what tbf counts beyond the payload
WAIT_S = 5.0  # any single wait; a loaded machine is slow, a broken one fails instead of hanging
SLACK_MS = 25.0  # scheduling delay a loaded 2-core machine may add to an RTT
PROBES = 20


class EchoServer:
    """A UDP echo server in a namespace, on a thread; its errors are raised when the block ends."""

    def __init__(self, namespace: str, address: str) -> None:
        self.sock = netns.open_socket_in(namespace, socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 0))
        self.sock.settimeout(0.05)
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, name="echo")

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(WAIT_S)
        self.sock.close()
        assert not self._thread.is_alive(), "the echo server did not stop"
        if self._errors and error is None:
            raise self._errors[0]

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                try:
                    data, peer = self.sock.recvfrom(65_536)
                except TimeoutError:
                    continue
                self.received.append(data)
                self.sock.sendto(data, peer)
        except BaseException as exc:
            self._errors.append(exc)


class Receiver:
    """Counts datagrams in a namespace with the kernel's receive time of each (a thread reading late under
    load does not change the measured rate)."""

    def __init__(self, namespace: str | None, address: str) -> None:
        family, kind = socket.AF_INET, socket.SOCK_DGRAM
        self.sock = (
            socket.socket(family, kind)
            if namespace is None
            else netns.open_socket_in(namespace, family, kind)
        )
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.sock.bind((address, 0))
        self.sock.settimeout(0.3)
        self.arrivals_ns: list[int] = []

    def drain(self, sender_done: threading.Event) -> None:
        """Read until the sender is done and nothing arrived for 0.3 s."""
        with self.sock:
            while True:
                try:
                    _, ancillary, _, _ = self.sock.recvmsg(2048, socket.CMSG_SPACE(16))
                except TimeoutError:
                    if sender_done.is_set():
                        return
                    continue
                seconds, nanoseconds = struct.unpack("qq", ancillary[0][2][:16])
                self.arrivals_ns.append(seconds * 1_000_000_000 + nanoseconds)

    def frame_rate_kbps(self, payload_bytes: int, *, skip_s: float) -> float:
        """Whole-frame rate, as tbf counts it, from `skip_s` after the first arrival to the last."""
        start_ns = self.arrivals_ns[0] + skip_s * 1e9
        counted = [t for t in self.arrivals_ns if t >= start_ns]
        span_s = (counted[-1] - counted[0]) / 1e9
        return (len(counted) - 1) * (payload_bytes + FRAME_OVERHEAD_BYTES) * 8 / span_s / 1000


def blast(sock: socket.socket, target: tuple[str, int], *, rate_kbps: float, duration_s: float) -> int:
    """Send 1400-byte datagrams at about `rate_kbps` for `duration_s`; how many were sent."""
    payload = bytes(1400)
    interval_s = (len(payload) + FRAME_OVERHEAD_BYTES) * 8 / (rate_kbps * 1000)
    start_s = time.monotonic()
    sent = 0
    while (now_s := time.monotonic()) < start_s + duration_s:
        while sent * interval_s <= now_s - start_s:
            sock.sendto(payload, target)
            sent += 1
        time.sleep(0.001)
    return sent


def client_for(info: DataInterfaceInfo) -> socket.socket:
    """A UDP socket in this namespace bound to the data interface's address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((info.host_address, 0))
    sock.settimeout(WAIT_S)
    return sock


def echo_rtts_ms(client: socket.socket, server: EchoServer, *, count: int, spacing_s: float) -> list[float]:
    rtts_ms = []
    for sequence in range(count):
        sent_s = time.perf_counter()
        client.sendto(sequence.to_bytes(4, "big") + bytes(60), server.sock.getsockname())
        reply, _ = client.recvfrom(2048)
        rtts_ms.append((time.perf_counter() - sent_s) * 1000)
        assert int.from_bytes(reply[:4], "big") == sequence
        time.sleep(spacing_s)
    return rtts_ms


def is_gone(info: DataInterfaceInfo) -> bool:
    return not (
        netns.namespace_exists(info.router_namespace)
        or netns.namespace_exists(info.network_namespace)
        or netns.link_exists(info.host_interface)
    )


@pytest.fixture
def interface() -> Iterator[DataInterface]:
    with start_data_interface(FAST) as started:
        yield started
    assert is_gone(started.info)


def test_without_the_capability_nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "_effective_capabilities", lambda: 0)
    monkeypatch.setattr(subprocess, "Popen", None)  # starting anything would fail differently
    with pytest.raises(NeedsNetAdmin, match=r"needs root \(CAP_NET_ADMIN"):
        start_data_interface(FAST)


# --- as root ---------------------------------------------------------------------------------------------


@needs_root
def test_an_echo_across_the_interface_shows_the_configured_delay_in_order(interface: DataInterface) -> None:
    info = interface.info
    with EchoServer(info.network_namespace, info.server_address) as server, client_for(info) as client:
        rtts_ms = echo_rtts_ms(client, server, count=PROBES, spacing_s=0.01)
    low_ms = 2 * FAST.delay_ms  # both directions, the jitter at 0
    high_ms = low_ms + 2 * FAST.jitter_ms
    assert min(rtts_ms) >= low_ms - 0.5, rtts_ms  # the relay never sends early (0.5 ms: clock reading)
    assert low_ms <= statistics.median(rtts_ms) <= high_ms + SLACK_MS, rtts_ms
    assert [int.from_bytes(d[:4], "big") for d in server.received] == list(range(PROBES))
    stats = interface.read_stats()
    assert stats.ul.sent_frames == stats.dl.sent_frames == PROBES
    assert stats.ul.sent_bytes == PROBES * (64 + FRAME_OVERHEAD_BYTES)


@needs_root
@pytest.mark.parametrize("direction", ["ul", "dl"])
def test_a_udp_blast_is_cut_to_the_tbf_rate_by_dropping(direction: str) -> None:
    # Twice the rate for 1 s into a 300 ms queue: the queue is full after 0.3 s and stays full, so a sender
    # held up by a loaded machine for less than that leaves the link busy; the rate is taken from 0.3 s on
    # (the last 0.3 s are the queue draining at the rate). Roughly 35 % of the datagrams are dropped.
    rate_kbps = 20_000.0
    profile = dataclasses.replace(FAST, ul_kbps=rate_kbps, dl_kbps=rate_kbps, delay_ms=2.0, jitter_ms=0.0)
    with start_data_interface(profile, DataInterfaceOptions(queue_ms=300.0)) as interface:
        info = interface.info
        if direction == "ul":
            receiver = Receiver(info.network_namespace, info.server_address)
            sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sender.bind((info.host_address, 0))
        else:
            receiver = Receiver(None, info.host_address)
            sender = netns.open_socket_in(info.network_namespace, socket.AF_INET, socket.SOCK_DGRAM)
        sender_done = threading.Event()
        draining = threading.Thread(target=receiver.drain, args=(sender_done,))
        draining.start()
        with sender:
            try:
                sent = blast(sender, receiver.sock.getsockname(), rate_kbps=2 * rate_kbps, duration_s=1.0)
            finally:
                sender_done.set()
                draining.join(WAIT_S + 2)
        stats = getattr(interface.read_stats(), direction)
    assert not draining.is_alive()
    seen = f"sent {sent}, received {len(receiver.arrivals_ns)}, {stats}"
    assert 0.95 <= receiver.frame_rate_kbps(1400, skip_s=0.3) / rate_kbps <= 1.03, seen
    assert stats.received_frames == sent, seen  # the relay read everything the sender sent ...
    assert stats.shaper.dropped_packets > 0.2 * sent, seen  # ... and tbf dropped the excess
    assert stats.refused_frames == stats.shaper.dropped_packets, seen
    assert len(receiver.arrivals_ns) == stats.shaper.sent_packets, seen


@needs_root
def test_frames_are_lost_at_the_profiles_rate() -> None:
    with start_data_interface(
        dataclasses.replace(FAST, loss_pct=30.0, delay_ms=1.0, jitter_ms=0.0)
    ) as interface:
        info = interface.info
        receiver = Receiver(info.network_namespace, info.server_address)
        with client_for(info) as client:
            for _ in range(600):
                client.sendto(bytes(100), receiver.sock.getsockname())
        done = threading.Event()
        done.set()
        receiver.drain(done)
        stats = interface.read_stats()
    # 30 % of 600: 420 arrive on average, sd ≈ 11; the bounds are more than 5 sd away
    assert 360 <= len(receiver.arrivals_ns) <= 480
    assert stats.ul.lost_frames + len(receiver.arrivals_ns) == 600


@needs_root
def test_without_a_data_call_the_interface_has_no_carrier() -> None:
    with start_data_interface(FAST, DataInterfaceOptions(is_carrier_on=False)) as interface:
        info = interface.info
        assert "NO-CARRIER" in link_flags(info.host_interface)
        with EchoServer(info.network_namespace, info.server_address) as server, client_for(info) as client:
            client.settimeout(0.5)
            client.sendto(b"lost", server.sock.getsockname())
            with pytest.raises(TimeoutError):
                client.recvfrom(100)
            interface.set_carrier(True)
            assert "NO-CARRIER" not in link_flags(info.host_interface)
            client.settimeout(WAIT_S)
            assert echo_rtts_ms(client, server, count=1, spacing_s=0)
            interface.set_carrier(False)
            assert "NO-CARRIER" in link_flags(info.host_interface)


def link_flags(name: str) -> str:
    shown = subprocess.run(["ip", "link", "show", "dev", name], capture_output=True, text=True, timeout=20)
    return shown.stdout.split(">")[0]


@needs_root
def test_a_new_profile_applies_to_the_next_packets(interface: DataInterface) -> None:
    info = interface.info
    with EchoServer(info.network_namespace, info.server_address) as server, client_for(info) as client:
        before_ms = statistics.median(echo_rtts_ms(client, server, count=5, spacing_s=0.01))
        interface.set_profile(dataclasses.replace(FAST, delay_ms=60.0, jitter_ms=0.0))
        after_ms = echo_rtts_ms(client, server, count=5, spacing_s=0.01)
    assert before_ms < 2 * 60.0
    assert min(after_ms) >= 2 * 60.0 - 0.5
    with pytest.raises(NetnsError, match="positive rate"):
        interface.set_profile(dataclasses.replace(FAST, ul_kbps=0.0))
    assert interface.read_stats().ul.sent_frames == 10  # a refused profile leaves the relay running


@needs_root
def test_rrc_set_up_delays_the_first_packet_and_changes_are_reported() -> None:
    profile = dataclasses.replace(FAST, delay_ms=5.0, jitter_ms=0.0, rrc_setup_ms=150.0, inactivity_s=0.4)
    with start_data_interface(profile, DataInterfaceOptions(is_rrc_reported=True)) as interface:
        info = interface.info
        with EchoServer(info.network_namespace, info.server_address) as server, client_for(info) as client:
            first_ms, second_ms = echo_rtts_ms(client, server, count=2, spacing_s=0.0)
        changes = []
        deadline_s = time.monotonic() + WAIT_S
        while len(changes) < 2 and time.monotonic() < deadline_s:
            changes += interface.read_events()
            time.sleep(0.02)
    assert first_ms >= 150.0 + 2 * 5.0 - 0.5
    assert second_ms < 150.0  # connected: no set-up
    assert [change.is_connected for change in changes] == [True, False]
    assert changes[1].at_s - changes[0].at_s >= 0.4


@needs_root
def test_two_interfaces_get_two_slots_and_a_taken_slot_is_refused(interface: DataInterface) -> None:
    with start_data_interface(FAST) as second:
        assert second.info.slot != interface.info.slot
        assert second.info.host_address != interface.info.host_address
        with pytest.raises(NetnsError, match=f"no free data interface: slot {second.info.slot}"):
            start_data_interface(FAST, DataInterfaceOptions(slot=second.info.slot))
    assert is_gone(second.info)
    assert not is_gone(interface.info)  # the refused start did not touch the slot's owner


def start_and_fail(started: list[DataInterface]) -> None:
    with start_data_interface(FAST) as interface:
        started.append(interface)
        raise ZeroDivisionError


@needs_root
def test_everything_is_removed_when_the_block_fails() -> None:
    started: list[DataInterface] = []
    with pytest.raises(ZeroDivisionError):
        start_and_fail(started)
    assert is_gone(started[0].info)


def kill_inside(started: list[DataInterface]) -> None:
    with start_data_interface(FAST) as interface:
        started.append(interface)
        os.kill(interface.pid, signal.SIGKILL)


@needs_root
def test_a_relay_that_died_is_an_error_when_the_block_ends() -> None:
    started: list[DataInterface] = []
    with pytest.raises(VirtualModuleError, match=f"ended with {-signal.SIGKILL}"):
        kill_inside(started)
    assert is_gone(started[0].info)


@needs_root
def test_a_killed_relay_is_cleaned_up_after() -> None:
    interface = start_data_interface(FAST)
    os.kill(interface.pid, signal.SIGKILL)
    assert interface.stop() == -signal.SIGKILL
    assert is_gone(interface.info)
    with pytest.raises(VirtualModuleError, match="stopped"):
        interface.read_stats()

"""virtual layer: the host-visible data interface of a virtual RedCap or Cat-1 module (DESIGN via="host"),
like the ECM/RNDIS interface (usb0, enx...) a real RM520N or ML307R presents (cellular-iot.md §3.3 [S29]).

One interface per module, slot N (0-255), built from network namespaces (harness.netns):

    caller's ns             router ns miot-rN                            network ns miot-nN
    miot-dN 198.19.N.1/24 - miot-ue <- relay: delay, jitter, loss, RRC -> miot-core - miot-srv 198.19.N.2/24
                            tbf: dl_kbps on miot-ue's egress, ul_kbps on miot-core's   (the test server)

The relay is a process (data_interface_relay) that moves IPv4 frames between the two router interfaces
through data_interface_delay.DelayLine, then into tbf, which drops what exceeds the profile's rate: a
bottleneck between two veth pairs, never on a sender's own interface (../shared/reference/this-machine.md,
"Pitfalls"). The host sees the interface without carrier while no data call is connected, as with a real
ECM function. Slots, addresses and how they are built: data_interface_topology.

Split between the two sides: the relay process owns everything that needs root. It claims a free slot,
builds the namespaces, runs, and removes them all when it ends (end of its input, SIGTERM, its parent
gone). `start_data_interface()` (this module) starts it and returns a handle, from any process: the virtual
module's (stdlib only, single-threaded: requests take one `tc` call, 5-30 ms, and RRC changes arrive on
`fileno()` for its event loop) or the harness's (tests, benchmarks, a rig without modules). Protocol: JSON
lines; the relay's stdout says `ready` (with the layout), `rrc` changes, one `reply` per request, or `failed`;
its stdin takes `profile`, `carrier` and `stats` requests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from harness import netns
from harness.errors import NeedsNetAdmin, NetnsError, VirtualModuleError
from harness.virtual.data_interface_topology import DataInterfaceInfo
from harness.virtual.link import LinkProfile
from harness.virtual.process import child_environment

# Building the namespaces takes 20-40 `ip`/`tc` calls, 0.2-1 s; the deadline is for a loaded machine.
DEFAULT_START_TIMEOUT_S = 30.0
DEFAULT_REQUEST_TIMEOUT_S = 20.0
STOP_GRACE_S = 5.0
STDERR_TAIL_LINES = 5
RELAY_MODULE = "harness.virtual.data_interface_relay"


@dataclass(frozen=True, slots=True, kw_only=True)
class DataInterfaceOptions:
    """How to start one: a fixed `slot` (None: the first free one), the relay's random `seed`, the tbf queue
    in milliseconds at the profile's rate, the carrier at start (the data call), and whether the relay
    reports RRC changes (only a reader of `read_events()` wants them: unread, they would fill the pipe)."""

    slot: int | None = None
    seed: int = 1
    queue_ms: float = 100.0  # judgement: a cellular bearer buffers generously (bufferbloat)
    is_carrier_on: bool = True
    is_rrc_reported: bool = False
    interpreter: str = sys.executable  # the relay is stdlib only: any Python 3.11 will do


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectionStats:
    """One direction through the relay (ul: host to network). Bytes are whole Ethernet frames."""

    received_frames: int
    received_bytes: int
    socket_dropped_frames: int  # dropped by the kernel before the relay read them (receive buffer full)
    lost_frames: int  # the profile's loss
    overflow_frames: int  # the delay line was full
    refused_frames: int  # tbf's queue was full, or no carrier
    sent_frames: int
    sent_bytes: int
    shaper: netns.TbfStats


@dataclass(frozen=True, slots=True, kw_only=True)
class DataPathStats:
    ul: DirectionStats
    dl: DirectionStats


@dataclass(frozen=True, slots=True, kw_only=True)
class RrcChange:
    is_connected: bool
    at_s: float  # time.monotonic() of the relay (the same clock as this host's)


def _profile_message(profile: LinkProfile) -> dict[str, Any]:
    return dataclasses.asdict(profile)


def _read_stats_message(message: dict[str, Any]) -> DataPathStats:
    def direction(fields: dict[str, Any]) -> DirectionStats:
        return DirectionStats(**{**fields, "shaper": netns.TbfStats(**fields["shaper"])})

    return DataPathStats(ul=direction(message["ul"]), dl=direction(message["dl"]))


class DataInterface:
    """A running data interface: its layout (`info`), requests to its relay, and `stop()` at the end."""

    def __init__(self, *, popen: subprocess.Popen[bytes], stderr_file: IO[bytes]) -> None:
        self._popen = popen
        self._stderr_file = stderr_file
        assert popen.stdout is not None
        self._fd = popen.stdout.fileno()
        os.set_blocking(self._fd, False)
        self._received = b""
        self._events: list[dict[str, Any]] = []
        self._info: DataInterfaceInfo | None = None
        self._request_ids = itertools.count(1)
        self._stderr_tail = ""
        self._is_output_ended = False

    def __enter__(self) -> DataInterface:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        status = self.stop()
        if status != 0 and error is None:
            raise VirtualModuleError(
                f"data interface relay pid {self.pid} ended with {status}; stderr: {self.stderr_tail()}"
            )

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def info(self) -> DataInterfaceInfo:
        if self._info is None:
            raise VirtualModuleError(f"the data interface relay (pid {self.pid}) is not ready yet")
        return self._info

    @property
    def has_ended(self) -> bool:
        """The relay's output has ended (it stopped or crashed): nothing more comes on `fileno()`."""
        return self._is_output_ended

    def fileno(self) -> int:
        """Readable when the relay wrote something: an event loop then calls read_events()."""
        return self._fd

    def set_profile(self, profile: LinkProfile, *, timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S) -> None:
        """New figures from now on: rates (tbf, whose queue restarts empty), delay, jitter, loss, RRC."""
        self._request({"op": "profile", "profile": _profile_message(profile)}, timeout_s)

    def set_carrier(self, is_up: bool, *, timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S) -> None:
        """The data call: without it the host's interface has no carrier and frames are refused."""
        self._request({"op": "carrier", "is_up": is_up}, timeout_s)

    def read_stats(self, *, timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S) -> DataPathStats:
        return _read_stats_message(self._request({"op": "stats"}, timeout_s))

    def read_events(self) -> list[RrcChange]:
        """RRC changes received so far (never blocks)."""
        self._receive(deadline_s=None)
        changes = [
            RrcChange(is_connected=e["is_connected"], at_s=e["at_s"])
            for e in self._events
            if e["event"] == "rrc"
        ]
        self._events = [e for e in self._events if e["event"] != "rrc"]
        return changes

    def stop(self, *, grace_s: float = STOP_GRACE_S) -> int:
        """End the relay, which removes its namespaces; exit status (negative: the signal that ended it).
        A relay that had to be killed cannot clean up: its objects are removed from here."""
        try:
            # end of input is the relay's orderly stop (an error: it is gone already); its output closed
            # too, a relay blocked writing to it stops at once instead of after the grace period
            for pipe in (self._popen.stdin, self._popen.stdout):
                if pipe is not None and not pipe.closed:
                    with contextlib.suppress(OSError):
                        pipe.close()
            status: int | None = None
            for escalate in (self._popen.terminate, self._popen.kill):
                try:
                    status = self._popen.wait(grace_s)
                    break
                except subprocess.TimeoutExpired:
                    escalate()
            if status is None:
                status = self._popen.wait()
            if status != 0 and self._info is not None:
                remove_leftovers(self._info)
            return status
        finally:
            self._stderr_tail = self.stderr_tail()
            self._stderr_file.close()

    def stderr_tail(self) -> str:
        """The last lines the relay wrote to stderr (a traceback when it crashed), joined by ' | '."""
        if self._stderr_file.closed:
            return self._stderr_tail
        self._stderr_file.seek(0)
        lines = self._stderr_file.read().decode(errors="replace").strip().splitlines()
        return " | ".join(lines[-STDERR_TAIL_LINES:])

    def _wait_ready(self, timeout_s: float) -> None:
        message = self._await({"event": "ready"}, time.monotonic() + timeout_s)
        self._info = DataInterfaceInfo(**message["info"])

    def _request(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Send a request and wait for its reply (by id: a late reply to one that timed out never
        answers the next)."""
        if self._popen.stdin is None or self._popen.stdin.closed:
            raise VirtualModuleError(f"the data interface relay (pid {self.pid}) is stopped")
        request_id = next(self._request_ids)
        try:
            self._popen.stdin.write(json.dumps({**request, "id": request_id}).encode() + b"\n")
            self._popen.stdin.flush()
        except OSError as exc:
            raise self._ended(f"cannot send {request['op']!r} ({exc})") from None
        return self._await({"event": "reply", "id": request_id}, time.monotonic() + timeout_s)

    def _await(self, wanted: dict[str, Any], deadline_s: float) -> dict[str, Any]:
        """The first message with the `wanted` fields; others met on the way stay (RRC changes for
        read_events())."""
        while True:
            for index, message in enumerate(self._events):
                if all(message.get(key) == value for key, value in wanted.items()):
                    return self._events.pop(index)
            if not self._receive(deadline_s=deadline_s):
                raise self._ended(f"no {wanted} from the relay")

    def _receive(self, *, deadline_s: float | None) -> bool:
        """Read what the relay wrote (waiting until `deadline_s` for something when given); False at the
        end of its output or the deadline."""
        if self._popen.stdout is None or self._popen.stdout.closed:
            return False
        if deadline_s is not None:
            with selectors.DefaultSelector() as selector:
                selector.register(self._fd, selectors.EVENT_READ)
                if not selector.select(max(0.0, deadline_s - time.monotonic())):
                    return False
        try:
            chunk = os.read(self._fd, 65536)
        except BlockingIOError:
            return True
        if not chunk:
            self._is_output_ended = True
            return False
        *lines, self._received = (self._received + chunk).split(b"\n")
        messages = [json.loads(line) for line in lines]
        self._events += [m for m in messages if m.get("event") != "failed"]
        for message in messages:
            if message.get("event") == "failed":
                failure = NeedsNetAdmin if message.get("kind") == "needs_net_admin" else NetnsError
                raise failure(message.get("message", "the data interface relay failed"))
        return True

    def _ended(self, what: str) -> VirtualModuleError:
        state = "running" if self._popen.poll() is None else f"ended with {self._popen.returncode}"
        return VirtualModuleError(
            f"data interface relay pid {self.pid} ({state}): {what}; stderr: {self.stderr_tail()}"
        )


def start_data_interface(
    profile: LinkProfile,
    options: DataInterfaceOptions = DataInterfaceOptions(),  # frozen: one shared default is safe
    *,
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
) -> DataInterface:
    """Start the relay for a module with `profile`, wait until its interface exists and return it.
    NeedsNetAdmin without root, NetnsError when the namespaces cannot be built (no free slot...)."""
    netns.require_net_admin()
    spec = {
        "slot": options.slot,
        "seed": options.seed,
        "queue_ms": options.queue_ms,
        "is_carrier_on": options.is_carrier_on,
        "is_rrc_reported": options.is_rrc_reported,
        "profile": _profile_message(profile),
    }
    # open for the relay's lifetime (its traceback, should it crash); DataInterface.stop() closes it
    stderr_file = tempfile.TemporaryFile()  # noqa: SIM115
    popen = subprocess.Popen(
        [options.interpreter, "-m", RELAY_MODULE, json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr_file,
        close_fds=True,
        start_new_session=True,  # Ctrl-C in a terminal hits the harness; the relay then reads end of input
        env=child_environment(),
    )
    interface = DataInterface(popen=popen, stderr_file=stderr_file)
    try:
        interface._wait_ready(start_timeout_s)
    except BaseException:
        interface.stop()
        raise
    return interface


def remove_leftovers(info: DataInterfaceInfo) -> None:
    """Remove what a relay that could not clean up left behind (it was killed): the host's interface (and
    with it the router's end) and both namespaces. Their names are claimed by the relay only, so nothing
    another process uses is touched."""
    netns.delete_link(info.host_interface)
    netns.delete_namespace(info.router_namespace)
    netns.delete_namespace(info.network_namespace)

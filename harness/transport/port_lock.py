"""transport layer: one run at a time per module port, by a file lock on the rig host (issue 8 item 3).

Two runs (two CI jobs, a lab user and a nightly plan) must never drive the same module. Each run takes an
exclusive `flock` on a file named after the module's port before it opens it, and writes who holds it
(run id, user, host, pid, start time) into the file. flock rather than a pid file: the kernel drops the
lock when its holder dies, however it dies, so a killed run never leaves a stale lock behind; the holder
text is only read to name the holder in the message of a run that finds the port taken.

The lock key is the port, not the rig's module id: two rig files may name one device differently. A
device path is resolved through its symlinks (/dev/serial/by-id/... and /dev/ttyUSB2 are one port);
`rfc2217://` and `socket://` URLs are keyed by host and port. A virtual module is a process of its run
alone, so its URL needs no lock (`lock_key` gives None).

The lock directory is MIOT_LOCK_DIR, else /run/lock/miot when it can be made, else <tmp>/miot-locks.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import getpass
import hashlib
import json
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from harness.errors import HarnessError

LOCK_DIR_ENV = "MIOT_LOCK_DIR"
SYSTEM_LOCK_DIR = Path("/run/lock/miot")
POLL_S = 0.2
_UNLOCKED_SCHEMES = frozenset({"virtual", "loop", "replay"})
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class PortLocked(HarnessError):
    """The module's port is held by another run (after waiting as long as asked); `holder` is who holds it,
    None when it wrote no holder yet."""

    def __init__(self, message: str, *, holder: Holder | None) -> None:
        super().__init__(message)
        self.holder = holder


@dataclass(frozen=True, slots=True, kw_only=True)
class Holder:
    """Who holds a port: written into the lock file, read back by a run that finds it taken."""

    run_id: str
    module_id: str
    user: str
    host: str
    pid: int
    started_utc: str

    def describe(self) -> str:
        return (
            f"run {self.run_id} (module {self.module_id}, {self.user}@{self.host} pid {self.pid}) "
            f"since {self.started_utc}"
        )


def this_holder(run_id: str, module_id: str, now: datetime | None = None) -> Holder:
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return Holder(
        run_id=run_id,
        module_id=module_id,
        user=getpass.getuser(),
        host=socket.gethostname(),
        pid=os.getpid(),
        started_utc=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def lock_key(url: str) -> str | None:
    """The port a URL drives, as one text (None for ports only this run can reach)."""
    parts = urlsplit(url)
    scheme = parts.scheme if "://" in url else ""
    if scheme in _UNLOCKED_SCHEMES:
        return None
    if scheme in ("", "file"):
        path = parts.path if scheme else url
        return os.path.realpath(path)
    if scheme == "spy":
        return lock_key(url.replace("spy://", "", 1))
    return f"{scheme}://{parts.hostname}:{parts.port}"


def lock_directory(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    if environ.get(LOCK_DIR_ENV):
        return Path(environ[LOCK_DIR_ENV])
    with contextlib.suppress(OSError):
        SYSTEM_LOCK_DIR.mkdir(parents=True, exist_ok=True)
        if os.access(SYSTEM_LOCK_DIR, os.W_OK):
            return SYSTEM_LOCK_DIR
    return Path(tempfile.gettempdir()) / "miot-locks"


def lock_path(directory: Path, key: str) -> Path:
    """A readable, collision-free file name for a key: its safe characters and a short hash."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return directory / f"{_SAFE.sub('_', key).strip('_')[-60:]}-{digest}.lock"


@contextlib.contextmanager
def hold_port(
    url: str, holder: Holder, *, wait_s: float = 0.0, directory: Path | None = None
) -> Iterator[None]:
    """Hold the lock of `url`'s port for the block. A port held by another run is waited for up to
    `wait_s` seconds; then PortLocked names the port, the holder and how long this run waited."""
    key = lock_key(url)
    if key is None:
        yield
        return
    path = lock_path(directory or lock_directory(), key)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, path, key, holder, wait_s)
        _write_holder(fd, holder)
        yield
    finally:
        os.close(fd)  # also releases the flock


def _acquire(fd: int, path: Path, key: str, holder: Holder, wait_s: float) -> None:
    deadline_s = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline_s:
                other = read_holder(path)
                held_by = other.describe() if other else "another process (no holder written yet)"
                raise PortLocked(
                    f"module {holder.module_id}: port {key} is in use by {held_by}; waited {wait_s:g} s "
                    f"(lock file {path})",
                    holder=other,
                ) from None
            time.sleep(POLL_S)


def _write_holder(fd: int, holder: Holder) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(dataclasses.asdict(holder)).encode() + b"\n", 0)


def read_holder(path: Path) -> Holder | None:
    """The holder written in a lock file; None when it is empty or unreadable (a holder mid-write)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return Holder(**{f.name: document[f.name] for f in dataclasses.fields(Holder)})
    except (OSError, ValueError, KeyError, TypeError):
        return None

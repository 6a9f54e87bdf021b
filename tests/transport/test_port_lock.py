"""harness.transport.port_lock: one run per module port; a second run waits or fails naming the holder."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.transport.port_lock import (
    Holder,
    PortLocked,
    hold_port,
    lock_directory,
    lock_key,
    lock_path,
    read_holder,
    this_holder,
)

MOMENT = datetime(2026, 11, 26, 2, 10, tzinfo=UTC)


def holder(run_id: str, module_id: str = "nb-1") -> Holder:
    return this_holder(run_id, module_id, now=MOMENT)


def test_a_device_is_keyed_by_its_real_path(tmp_path: Path) -> None:
    device = tmp_path / "ttyUSB2"
    device.touch()
    by_id = tmp_path / "usb-Quectel_BC660K-if00"
    by_id.symlink_to(device)
    assert lock_key(str(by_id)) == lock_key(str(device)) == str(device)
    assert lock_key(f"spy://{device}") == str(device)


def test_network_ports_are_keyed_by_host_and_port_and_virtual_ones_need_no_lock() -> None:
    assert lock_key("rfc2217://10.0.0.5:7001?ign_set_control") == "rfc2217://10.0.0.5:7001"
    assert lock_key("socket://10.0.0.5:7001") == "socket://10.0.0.5:7001"
    assert lock_key("virtual://bc660k?ce=1") is None
    assert lock_key("loop://") is None


@given(st.text(min_size=1, max_size=200))
def test_lock_file_names_are_plain_and_distinct(key: str) -> None:
    path = lock_path(Path("/locks"), key)
    assert path.parent == Path("/locks")
    assert "/" not in path.name
    assert path.name.endswith(".lock")
    assert lock_path(Path("/locks"), key + "x") != path


def test_the_lock_directory_comes_from_the_environment_first(tmp_path: Path) -> None:
    assert lock_directory({"MIOT_LOCK_DIR": str(tmp_path)}) == tmp_path


def test_a_held_port_names_its_holder_and_start_time(tmp_path: Path) -> None:
    url = "rfc2217://10.0.0.5:7001"
    with (
        hold_port(url, holder("run-a"), directory=tmp_path),
        pytest.raises(PortLocked) as raised,
        hold_port(url, holder("run-b", "nb-x"), directory=tmp_path),
    ):
        pass
    message = str(raised.value)
    assert message.startswith(
        "module nb-x: port rfc2217://10.0.0.5:7001 is in use by run run-a (module nb-1,"
    )
    assert f"pid {os.getpid()}) since 2026-11-26T02:10:00Z; waited 0 s" in message


def test_a_waiting_run_gets_the_port_once_the_holder_lets_go(tmp_path: Path) -> None:
    url = "socket://10.0.0.5:7002"
    released = threading.Event()

    def hold_briefly() -> None:
        with hold_port(url, holder("run-a"), directory=tmp_path):
            released.wait(5.0)

    thread = threading.Thread(target=hold_briefly)
    thread.start()
    time.sleep(0.3)
    threading.Timer(0.5, released.set).start()
    start_s = time.monotonic()
    with hold_port(url, holder("run-b"), wait_s=10.0, directory=tmp_path):
        waited_s = time.monotonic() - start_s
        written = read_holder(lock_path(tmp_path, lock_key(url) or ""))
    thread.join()
    assert 0.2 < waited_s < 5.0
    assert written is not None
    assert written.run_id == "run-b"


def _hold_and_die(url: str, directory: str, ready: object) -> None:
    with hold_port(url, this_holder("killed", "nb-1"), directory=Path(directory)):
        ready.set()  # type: ignore[attr-defined]
        time.sleep(60)


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    url = "socket://10.0.0.5:7003"
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    process = context.Process(target=_hold_and_die, args=(url, str(tmp_path), ready))
    process.start()
    try:
        assert ready.wait(10.0)
        with pytest.raises(PortLocked, match="run killed"), hold_port(url, holder("b"), directory=tmp_path):
            pass
    finally:
        process.kill()
        process.join()
    with hold_port(url, holder("after-kill"), directory=tmp_path):
        pass


def test_a_virtual_module_is_never_locked(tmp_path: Path) -> None:
    url = "virtual://bc660k"
    with hold_port(url, holder("a"), directory=tmp_path), hold_port(url, holder("b"), directory=tmp_path):
        assert list(tmp_path.iterdir()) == []

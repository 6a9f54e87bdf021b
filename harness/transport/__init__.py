"""transport layer: a serial port is a URL (STYLE 2); `open_port(url)` opens it.

`open_port` is pyserial's `serial_for_url`, so device paths, `rfc2217://`, `socket://`, `loop://`, `spy://`
work as pyserial defines them, plus the harness's own schemes. Those are found the pyserial way: one module
`harness/transport/protocol_<scheme>.py` each, with this package on `serial.protocol_handler_packages`
(STYLE 3: a new scheme is a new module, no switchboard). A scheme module may also offer
`check_url(url) -> str | None`, used by `check_url` here. Every problem with a URL becomes one UrlError line.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import serial
import serial.urlhandler

from harness.errors import UrlError
from harness.virtual.option_reader import shown_url as shown_url  # a port URL as messages may show it

PACKAGE = "harness.transport"
PROTOCOL_PREFIX = "protocol_"
DEFAULT_BAUDRATE = 115200
REOPEN_RETRY_S = 0.5


def open_port(url: str, **kw: Any) -> serial.SerialBase:
    """Open the port a URL names; keyword arguments go to pyserial (baudrate 115200 unless given)."""
    problem = check_url(url)
    if problem is not None:
        raise UrlError(problem)
    register_schemes()
    kw.setdefault("baudrate", DEFAULT_BAUDRATE)
    try:
        return serial.serial_for_url(url, **kw)
    except serial.SerialException as exc:
        raise UrlError(f"cannot open {shown_url(url)}: {exc}") from exc


def check_url(url: str) -> str | None:
    """What is wrong with a port URL, in one line, or None; opens and starts nothing."""
    if "://" not in url:
        return None if os.path.exists(url) else f"device path {url} does not exist"
    scheme = url.split("://", 1)[0].lower()
    if scheme in _schemes_in(Path(serial.urlhandler.__file__).parent):
        return None
    if scheme not in _schemes_in(Path(__file__).parent):
        return f"unknown scheme {scheme!r} in {shown_url(url)} (known: {', '.join(known_schemes())})"
    handler = importlib.import_module(f"{PACKAGE}.{PROTOCOL_PREFIX}{scheme}")
    check: Callable[[str], str | None] | None = getattr(handler, "check_url", None)
    return None if check is None else check(url)


def known_schemes() -> tuple[str, ...]:
    """Every URL scheme open_port accepts: pyserial's and ours."""
    schemes = _schemes_in(Path(serial.urlhandler.__file__).parent) | _schemes_in(Path(__file__).parent)
    return tuple(sorted(schemes))


def register_schemes() -> None:
    """Put this package on pyserial's handler search list (idempotent)."""
    if PACKAGE not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append(PACKAGE)


def _schemes_in(directory: Path) -> frozenset[str]:
    return frozenset(
        info.name.removeprefix(PROTOCOL_PREFIX)
        for info in pkgutil.iter_modules([str(directory)])
        if info.name.startswith(PROTOCOL_PREFIX)
    )


register_schemes()


def reopen_port(port: serial.SerialBase, url: str, *, timeout_s: float) -> serial.SerialBase:
    """A module's port again after it vanished or was power-cycled: a virtual port finds its module's new
    tty (`reopen`); any other is closed and opened again by URL, retried until it opens (a USB device
    re-enumerates, a ser2net link comes back) or `timeout_s` passes, when the last UrlError is raised."""
    reopen = getattr(port, "reopen", None)
    if callable(reopen):
        reopen(timeout_s=timeout_s)
        return port
    baudrate = port.baudrate
    port.close()
    deadline_s = time.monotonic() + timeout_s
    while True:
        try:
            return open_port(url, baudrate=baudrate)
        except UrlError:
            if time.monotonic() >= deadline_s:
                raise
            time.sleep(REOPEN_RETRY_S)

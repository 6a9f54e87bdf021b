"""power layer: a Qoitech Otii Arc or Ace through the Otii desktop app's TCP server (rig: `analyzer = "otii"`,
`resource` "host[:port]", port 1905 by default), over harness.power.otii_link.

Opening connects, logs in when `[power.options] user` is given (the password from the environment variable
that `password_env` names, never from the rig, never logged), picks the device (`device`: its name; the
first Arc/Ace when none is named), uses the active project (a new one when none is open), enables the
main current channel "mc" and, when the rig gives `supply_v`, sets the main output to it and switches it on.
The Otii records on its own; stop() ends the recording and reads channel "mc" of the last recording in
chunks of at most 40 000 values (the client's chunk size), in A from the recording's start at its
`interval`, averaged to the asked rate (harness.power.raw_samples). The trace's t_s = 0 is the middle of
the start request's round trip: markers stamped on the host clock line up to within that round trip.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import serial

from harness.errors import HarnessError
from harness.power.analyzer import AnalyzerIdentity
from harness.power.otii_link import DEFAULT_PORT, OtiiLink
from harness.power.raw_samples import averaged_trace
from harness.rig import ENV_NAME_PATTERN, Power, PowerChannel

NAME = "otii"
CHANNEL = "mc"  # main current, A
CHUNK_VALUES = 40_000
DEVICE_TYPES = ("Arc", "Ace")
DEFAULT_TIMEOUT_S = 10.0
RESOURCE = re.compile(r"(?P<host>[^:\s]+)(:(?P<port>\d{1,5}))?")
_TEXT_OPTIONS = ("device", "user", "password_env")
_UA_PER_A = 1e6


@dataclass(frozen=True, slots=True, kw_only=True)
class OtiiDevice:
    device_id: str
    name: str
    kind: str
    project_id: int


def option_problems(power: Power) -> list[tuple[str, str]]:
    found = []
    for name, value in power.options.items():
        where = f"options.{name}"
        if name == "timeout_s":
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value <= 600:
                found.append((where, f"expected a number above 0 and at most 600, got {value!r}"))
        elif name not in _TEXT_OPTIONS:
            known = ", ".join((*_TEXT_OPTIONS, "timeout_s"))
            found.append((where, f"unknown option of the otii analyzer (known: {known})"))
        elif not isinstance(value, str) or not value:
            found.append((where, f"expected a non-empty string, got {value!r}"))
    password_env = power.options.get("password_env")
    if isinstance(password_env, str) and not re.fullmatch(ENV_NAME_PATTERN, password_env):
        found.append(("options.password_env", "expected the NAME of an environment variable, not a password"))
    if ("user" in power.options) != ("password_env" in power.options):
        found.append(("options.user", "user and password_env go together (the login needs both)"))
    if not RESOURCE.fullmatch(power.resource):
        found.append(("resource", f"expected host[:port] of the Otii TCP server, got {power.resource!r}"))
    return found


def open_analyzer(channel: PowerChannel, *, port: serial.SerialBase | None) -> OtiiAnalyzer:
    """The device on the Otii server, set up to record; HarnessError naming the server when it fails."""
    power = channel.power
    match = RESOURCE.fullmatch(power.resource)
    if match is None:
        raise HarnessError(f"Otii {power.resource!r}: not host[:port]")
    timeout = power.options.get("timeout_s", DEFAULT_TIMEOUT_S)
    timeout_s = float(timeout) if isinstance(timeout, int | float) else DEFAULT_TIMEOUT_S
    link = OtiiLink(match["host"], int(match["port"] or DEFAULT_PORT), timeout_s=timeout_s)
    try:
        _log_in(link, power.options)
        device = _device(link, power.options.get("device"))
        link.request(
            "arc_enable_channel", {"device_id": device.device_id, "channel": CHANNEL, "enable": True}
        )
        if power.supply_v is not None:
            link.request("arc_set_main_voltage", {"device_id": device.device_id, "value": power.supply_v})
            link.request("arc_set_main", {"device_id": device.device_id, "enable": True})
    except BaseException:
        link.close()
        raise
    identity = AnalyzerIdentity(
        analyzer=NAME,
        model=f"Qoitech Otii {device.kind}",
        serial=f"{device.name} ({device.device_id})",
        channel=channel.channel,
        max_current_ua=None,
        supply_v=power.supply_v,
    )
    return OtiiAnalyzer(link=link, device=device, identity=identity, sample_rate_hz=power.sample_rate_hz)


def _log_in(link: OtiiLink, options: Mapping[str, object]) -> None:
    user, variable = options.get("user"), options.get("password_env")
    if user is None or not isinstance(variable, str):
        return
    password = os.environ.get(variable)
    if password is None:
        raise HarnessError(
            f"Otii {link.where}: the environment variable {variable} (password_env) is not set"
        )
    link.request("otii_login", {"username": user, "password": password})


def _device(link: OtiiLink, wanted: object) -> OtiiDevice:
    devices = link.request("otii_get_devices", {"timeout": 1}).get("devices") or []
    usable = [d for d in devices if isinstance(d, dict) and d.get("type") in DEVICE_TYPES]
    picked = [d for d in usable if wanted is None or d.get("name") == wanted]
    if not picked:
        names = ", ".join(str(d.get("name")) for d in usable) or "none"
        wanted_text = "an Arc or Ace" if wanted is None else f"a device named {wanted!r}"
        raise HarnessError(f"Otii {link.where}: {wanted_text} is not connected (devices: {names})")
    project_id = int(link.request("otii_get_active_project").get("project_id", -1))
    if project_id == -1:
        project_id = int(link.request("otii_create_project")["project_id"])
    chosen = picked[0]
    return OtiiDevice(
        device_id=str(chosen["device_id"]),
        name=str(chosen.get("name")),
        kind=str(chosen["type"]),
        project_id=project_id,
    )


class OtiiAnalyzer:
    """A PowerAnalyzer over one Otii device (module docstring)."""

    def __init__(
        self, *, link: OtiiLink, device: OtiiDevice, identity: AnalyzerIdentity, sample_rate_hz: float
    ) -> None:
        self._link, self._device, self._identity = link, device, identity
        self._sample_rate_hz = self._rate_hz = sample_rate_hz
        self._is_running = False

    @property
    def identity(self) -> AnalyzerIdentity:
        return self._identity

    def start(self, *, sample_rate_hz: float | None = None) -> float:
        if self._is_running:
            raise HarnessError(f"Otii {self._link.where} is recording already: stop() it first")
        if sample_rate_hz is not None and not sample_rate_hz > 0:
            raise ValueError(f"sample_rate_hz must be above 0, got {sample_rate_hz!r}")
        self._rate_hz = sample_rate_hz or self._sample_rate_hz
        sent_s = time.monotonic()
        self._link.request("project_start_recording", {"project_id": self._device.project_id})
        self._is_running = True
        return (sent_s + time.monotonic()) / 2

    def stop(self) -> pd.DataFrame:
        if not self._is_running:
            raise HarnessError(f"Otii {self._link.where} is not recording: start() it first")
        self._is_running = False
        self._link.request("project_stop_recording", {"project_id": self._device.project_id})
        last = self._link.request("project_get_last_recording", {"project_id": self._device.project_id})
        where = {
            "recording_id": last.get("recording_id"),
            "device_id": self._device.device_id,
            "channel": CHANNEL,
        }
        count = int(self._link.request("recording_get_channel_data_count", where)["count"])
        first_t_s, interval_s, values = 0.0, 0.0, list[object]()
        for index in range(0, count, CHUNK_VALUES):
            chunk = self._link.request(
                "recording_get_channel_data",
                {**where, "index": index, "count": min(CHUNK_VALUES, count - index)},
            )
            if index == 0:
                first_t_s, interval_s = self._number(chunk, "timestamp"), self._number(chunk, "interval")
            values.append(chunk.get("values"))
        if count == 0 or interval_s <= 0:
            raise HarnessError(f"Otii {self._link.where}: the recording holds no {CHANNEL} data")
        try:
            current_ua = np.concatenate([np.asarray(part, dtype=np.float64) for part in values]) * _UA_PER_A
        except (TypeError, ValueError) as error:
            raise HarnessError(
                f"Otii {self._link.where}: {CHANNEL} values that are not numbers: {error}"
            ) from None
        return averaged_trace(
            current_ua,
            raw_rate_hz=1 / interval_s,
            sample_rate_hz=self._rate_hz,
            supply_v=self._identity.supply_v,
            first_t_s=first_t_s,
        )

    def _number(self, data: Mapping[str, Any], key: str) -> float:
        value = data.get(key)
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise HarnessError(
                f"Otii {self._link.where}: channel data without a numeric {key!r}: {value!r:.40}"
            )
        return float(value)

    def close(self) -> None:
        try:
            if self._is_running:
                self._is_running = False
                self._link.request("project_stop_recording", {"project_id": self._device.project_id})
        finally:
            self._link.close()

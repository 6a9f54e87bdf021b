"""inputs layer: the rig file, *where* things are (DESIGN "Inputs"; fixtures/rigs/*.toml, README there).

A rig names its modules (port URL, baud rate, dialect, RAT, test SIM, reset method, host data interface:
harness.rig_data_interface), the test server (local, or remote
with the NAME of the environment variable holding its token), the capture point, the site, and its power
analyzers. Secrets (SIM PIN, server token) never appear in a rig: only the names of the environment
variables that hold them.

Power analyzers are a top-level `[[power]]` list, each naming its backend (`analyzer`, a module
harness/power/analyzer_<name>.py), where it is (`resource`), and which module is on which of its channels
(`channels = { nb-ce0 = 1 }`). One list serves both kinds of lab: one analyzer per module (one table each,
one channel) and one instrument with several channels (one table, several modules), and an instrument is
described once however many modules it measures. Backend settings go in `[power.options]`, checked by the
backend.

Checked here: the file's shape and values, unique module and analyzer ids, remote-server completeness, that
a device path exists, and that analyzer channels name modules of the rig, each module on one channel at
most. Checked by the layers that own the vocabulary, through callbacks the CLI passes in (this layer
must not import them): URL schemes and virtual-module options (`rig_port_problems` with
harness.transport.check_url), dialect names (`rig_dialect_problems`) and analyzer backends with their
options (`rig_power_problems` with harness.power.analyzer_problems), so that a new dialect, scheme or
analyzer is a new module there, never an edit here (STYLE 3).

Value rules from outside: PLMN = MCC (3 digits) + MNC (2 or 3 digits), 3GPP TS 23.003 §2.2; APN network
identifier = dot-separated labels of letters, digits and hyphens, at most 100 octets, TS 23.003 §9.1
(both recalled, not in ../shared/reference); ICCID 19-20 digits, ITU-T E.118 (the brief's rule).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from harness.errors import InputError, Problem
from harness.probe import HEADERS_SNAPLEN_BYTES
from harness.rat import Rat
from harness.rig_data_interface import HostDataInterface
from harness.table_builder import FieldPath, build, join
from harness.toml_reader import read_toml

ID_PATTERN = r"[a-z0-9][a-z0-9_.-]*"
NAME_PATTERN = r"\S(.*\S)?"
ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
DIALECT_PATTERN = r"[a-z][a-z0-9_]*"
ANALYZER_PATTERN = r"[a-z][a-z0-9_]*"
# An operator name is kept for reports only, never sent to a module; still no control characters, quotes,
# ';' or a backslash in it, so that it can never become one (issue 9 item 4).
_NAME_EDGE = r'[^\s\x00-\x1f\x7f";\\]'
PLMN_OR_NAME_PATTERN = rf'\d{{5,6}}|(?!\d+$){_NAME_EDGE}([^\x00-\x1f\x7f";\\]*{_NAME_EDGE})?'
APN_PATTERN = r"(?=.{0,100}$)([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*)?"
ICCID_PATTERN = r"\d{19,20}"
# A host name (RFC 1123 letters, digits, '-', '.', and the '_' some lab DNS has) or an IPv4/IPv6 literal: the
# server's host reaches AT commands (a module's socket open and ping), so nothing that could end a quoted
# argument or a command gets in (issue 9 item 4).
HOST_PATTERN = r"[A-Za-z0-9.:_-]{0,253}"
AUTO_DIALECT = "auto"
LOCAL_HOST = "127.0.0.1"
REPLAY_SCHEME = "replay://"
DEFAULT_BAUDRATE = 115200


def env_name_field(secret: str) -> Any:
    """An optional field holding the NAME of an environment variable; the value is never echoed, because
    a user who gets it wrong has probably written the secret itself."""
    doc = f"the NAME of the environment variable holding the {secret}, never the {secret} itself"
    return field(default=None, metadata={"pattern": ENV_NAME_PATTERN, "redact": True, "doc": doc})


class ServerMode(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"


class CapturePoint(StrEnum):
    SERVER = "server"
    HOST = "host"
    OFF = "off"


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    name: str = field(metadata={"pattern": NAME_PATTERN})
    lat: float | None = field(default=None, metadata={"min": -90, "max": 90})
    lon: float | None = field(default=None, metadata={"min": -180, "max": 180})

    def problems(self) -> list[str]:
        if (self.lat is None) != (self.lon is None):
            return ["lat and lon go together: give both or neither"]
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """The test server. Local: started by the harness on `host` (loopback unless set), `port` 0 = any free
    port. Remote: an already running `miot server`, reached with the token read from `token_env`."""

    mode: ServerMode = ServerMode.LOCAL
    host: str = field(
        default="", metadata={"pattern": HOST_PATTERN, "doc": "a host name or an IP address (192.0.2.1)"}
    )
    port: int = field(default=0, metadata={"min": 0, "max": 65535})
    token_env: str | None = env_name_field("token")

    def __post_init__(self) -> None:
        # An empty host must stay visible to problems() for a remote server; a local one means loopback.
        if self.mode is ServerMode.LOCAL and not self.host:
            object.__setattr__(self, "host", LOCAL_HOST)

    def problems(self) -> list[tuple[str, str]]:
        if self.mode is not ServerMode.REMOTE:
            return []
        found = []
        if not self.host:
            found.append(("host", "a remote server needs host"))
        if self.port == 0:
            found.append(("port", "a remote server needs a port (1-65535); 0 (any free port) is for local"))
        if self.token_env is None:
            found.append(
                ("token_env", "a remote server needs token_env, the NAME of the variable with its token")
            )
        return found


class CapturePayload(StrEnum):
    """How much of each packet a capture keeps: all of it, or its headers (HEADERS_SNAPLEN_BYTES)."""

    WHOLE = "whole"
    HEADERS = "headers"


# tcpdump's default and largest snap length (tcpdump(1) -s: 262144 bytes)
MAX_SNAPLEN_BYTES = 262_144


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    """Where packets are captured, and how much of each: `payload = "headers"` keeps the headers and the
    harness's probe header only (harness.probe.HEADERS_SNAPLEN_BYTES), so a pcap carries no user data;
    `snaplen_bytes` sets the cut itself, never below that (the probe header is what the analysis reads)."""

    point: CapturePoint = CapturePoint.SERVER
    interface: str | None = field(default=None, metadata={"pattern": r"\S+"})
    payload: CapturePayload = CapturePayload.WHOLE
    snaplen_bytes: int | None = field(
        default=None,
        metadata={
            "min": HEADERS_SNAPLEN_BYTES,
            "max": MAX_SNAPLEN_BYTES,
            "doc": f"bytes kept of each packet, {HEADERS_SNAPLEN_BYTES} (headers) to {MAX_SNAPLEN_BYTES}",
        },
    )

    def problems(self) -> list[tuple[str, str]]:
        if self.snaplen_bytes is not None and self.payload is CapturePayload.HEADERS:
            return [("snaplen_bytes", 'give snaplen_bytes or payload = "headers", not both')]
        return []

    @property
    def kept_bytes(self) -> int | None:
        """The snap length captures use (tcpdump -s); None keeps whole packets."""
        if self.payload is CapturePayload.HEADERS:
            return HEADERS_SNAPLEN_BYTES
        return self.snaplen_bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Sim:
    """The test SIM a module holds: what the harness expects and configures (no secret values)."""

    operator: str | None = field(
        default=None,
        metadata={
            "pattern": PLMN_OR_NAME_PATTERN,
            "doc": "a PLMN of 5 or 6 digits (MCC+MNC) or an operator name",
        },
    )
    apn: str = field(default="", metadata={"pattern": APN_PATTERN, "doc": "an APN such as iot.test"})
    iccid: str | None = field(default=None, metadata={"pattern": ICCID_PATTERN, "doc": "19 or 20 digits"})
    pin_env: str | None = env_name_field("PIN")
    slot: int | None = field(default=None, metadata={"min": 0})
    # a test SIM the lab may change: harness.sim_card writes (cold preparation) only where this is true
    writable: bool = field(
        default=False, metadata={"doc": "true or false (true only for a test SIM the harness may write)"}
    )


class ResetMethod(StrEnum):
    AT = "at"  # AT+CFUN=1,1 through the module's own port (27.007 §8.2 <rst>=1)
    COMMAND = "command"  # a program on the rig host: a relay or USB power switch (e.g. uhubctl)
    NONE = "none"  # never reset: a module that hangs stays down for the rest of the run


@dataclass(frozen=True, slots=True, kw_only=True)
class Reset:
    """How a module that hung, rebooted or vanished mid-case is brought back (issue 8 item 4). `command` is
    an argv run without a shell, so no value in it is ever interpreted; `timeout_s` bounds the command and,
    after it, the wait for the port to come back and answer AT."""

    method: ResetMethod = ResetMethod.AT
    command: tuple[str, ...] = field(default=(), metadata={"pattern": r"\S(.*\S)?"})
    timeout_s: float = field(default=60.0, metadata={"min": 1, "max": 3600})

    def problems(self) -> list[tuple[str, str]]:
        if self.method is ResetMethod.COMMAND and not self.command:
            return [("command", 'method "command" needs command, the argv to run, e.g. ["uhubctl", ...]')]
        if self.method is not ResetMethod.COMMAND and self.command:
            return [("command", f'command is run only with method = "command", not "{self.method}"')]
        return []


SLOT_PLACEHOLDER = "{slot}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SimSwitch:
    """`[module.sim_switch]`: a program on the rig host that puts the SIM of a slot in front of the module (a
    SIM multiplexer, a relay board), for modules that cannot switch slots themselves. `command` is an argv
    run without a shell, with `{slot}` in any argument replaced by the slot number; `timeout_s` bounds it,
    as harness.rig.Reset's command."""

    command: tuple[str, ...] = field(metadata={"pattern": r"\S(.*\S)?", "min_items": 1})
    timeout_s: float = field(default=30.0, metadata={"min": 1, "max": 600})

    def problems(self) -> list[tuple[str, str]]:
        if not any(SLOT_PLACEHOLDER in argument for argument in self.command):
            return [("command", f"no argument holds {SLOT_PLACEHOLDER}: the command cannot tell slots apart")]
        return []

    def argv(self, slot: int) -> tuple[str, ...]:
        return tuple(argument.replace(SLOT_PLACEHOLDER, str(slot)) for argument in self.command)


@dataclass(frozen=True, slots=True, kw_only=True)
class Module:
    """One module of the rig. Its test SIM is `[module.sim]`, or, for per-operator runs, several
    `[[module.sims]]` (one per operator, each in its slot) switched by the module's own AT command or by
    `[module.sim_switch]` (harness.sim_card.rotation)."""

    id: str = field(metadata={"pattern": ID_PATTERN})
    port: str = field(metadata={"pattern": r"\S+", "doc": "a port URL or a device path"})
    rat: Rat
    baudrate: int = field(default=DEFAULT_BAUDRATE, metadata={"min": 1})
    dialect: str = field(default=AUTO_DIALECT, metadata={"pattern": DIALECT_PATTERN})
    sim: Sim | None = None
    sims: tuple[Sim, ...] = field(default=(), metadata={"unique": "operator"})
    sim_switch: SimSwitch | None = None
    reset: Reset = field(default_factory=Reset)
    data: HostDataInterface | None = None  # `[module.data]`: a real module's host data interface

    def problems(self) -> list[tuple[str | FieldPath, str]]:
        found: list[tuple[str | FieldPath, str]] = []
        if self.port.startswith("/") and not os.path.exists(self.port):
            found.append(("port", f"{self.port} does not exist"))
        if self.sim is not None and self.sims:
            found.append(("sims", "give [module.sim] or [[module.sims]], not both"))
        for i, sim in enumerate(self.sims):
            if sim.operator is None:
                found.append((("sims", i, "operator"), "each of several SIMs names its operator"))
            if sim.slot is None and len(self.sims) > 1:
                found.append((("sims", i, "slot"), "each of several SIMs names the slot it is in"))
        slots = [sim.slot for sim in self.sims if sim.slot is not None]
        for i, sim in enumerate(self.sims):
            if sim.slot is not None and slots.count(sim.slot) > 1 and slots.index(sim.slot) < i:
                found.append((("sims", i, "slot"), f"slot {sim.slot} holds another SIM of this module"))
        if self.sim_switch is not None and len(self.all_sims) < 2:
            found.append(("sim_switch", "a SIM switch needs two or more [[module.sims]] to switch between"))
        return found

    @property
    def all_sims(self) -> tuple[Sim, ...]:
        """The SIMs the module can use: its `[[module.sims]]`, or its one `[module.sim]`."""
        return self.sims or ((self.sim,) if self.sim is not None else ())

    def sim_for(self, operator: str) -> Sim | None:
        """The module's SIM of this operator, None when it has none."""
        return next((sim for sim in self.all_sims if sim.operator == operator), None)

    @property
    def first_sim(self) -> Sim | None:
        """The SIM the module is brought up with."""
        return self.all_sims[0] if self.all_sims else None


def _module_id_problem(key: str) -> str | None:
    return None if re.fullmatch(ID_PATTERN, key) else f"expected a module id matching {ID_PATTERN}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Power:
    """One power analyzer (`[[power]]`): its backend, where it is, the supply it gives, and the channel each
    module it measures is wired to. `sample_rate_hz` is the rate tests record at unless they ask for
    another; `supply_v` None means the backend's own (a virtual rail's nominal, a real analyzer's setting)."""

    id: str = field(metadata={"pattern": ID_PATTERN})
    analyzer: str = field(
        metadata={"pattern": ANALYZER_PATTERN, "doc": "an analyzer name such as virtual (a backend module)"}
    )
    resource: str = field(
        default="",
        metadata={"pattern": r"\S*", "doc": "where it is: serial number, VISA resource or host:port"},
    )
    channels: Mapping[str, int] = field(metadata={"min": 1, "min_items": 1, "key_check": _module_id_problem})
    supply_v: float | None = field(default=None, metadata={"above": 0, "max": 60})
    sample_rate_hz: float = field(default=1000.0, metadata={"above": 0, "max": 10_000_000})
    options: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class PowerChannel:
    """Where one module's current is measured: the analyzer's table and the channel the module is on."""

    power: Power
    channel: int
    module_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rig:
    """A loaded rig, with the file's path (as given) and sha256 for provenance."""

    name: str
    description: str
    modules: tuple[Module, ...]
    server: Server
    capture: Capture
    site: Site | None
    path: Path
    sha256: str
    power: tuple[Power, ...] = ()

    @property
    def module_ids(self) -> tuple[str, ...]:
        return tuple(module.id for module in self.modules)

    def module(self, module_id: str) -> Module:
        """The module with this id; KeyError naming the ids the rig has."""
        for module in self.modules:
            if module.id == module_id:
                return module
        raise KeyError(f"rig {self.path} has no module {module_id!r} (it has {', '.join(self.module_ids)})")

    def power_channel(self, module_id: str) -> PowerChannel | None:
        """The analyzer channel a module is on, or None when the rig measures no current for it."""
        for power in self.power:
            channel = power.channels.get(module_id)
            if channel is not None:
                return PowerChannel(power=power, channel=channel, module_id=module_id)
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading:
    """The `[rig]` or `[plan]` table that names a file."""

    name: str = field(metadata={"pattern": NAME_PATTERN})
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class _RigFile:
    """The file's layout: one table per TOML section, `[[module]]` as an array of tables."""

    rig: Heading
    site: Site | None = None
    server: Server = Server()
    capture: Capture = Capture()
    module: tuple[Module, ...] = field(
        metadata={"min_items": 1, "unique": "id", "doc": "one or more [[module]] tables"}
    )
    power: tuple[Power, ...] = field(
        default=(), metadata={"unique": "id", "doc": "[[power]] tables, one per analyzer"}
    )


def load_rig(path: str | os.PathLike[str]) -> Rig:
    """Read and check a rig file; every problem in it is reported in one InputError."""
    document = read_toml(path)
    file = str(document.path)
    parsed = build(_RigFile, document.data, file=file)
    if problems := _channel_problems(parsed, file):
        raise InputError(problems)
    base_dir = document.path.absolute().parent
    return Rig(
        name=parsed.rig.name,
        description=parsed.rig.description,
        modules=tuple(replace(m, port=resolve_port(m.port, base_dir)) for m in parsed.module),
        server=parsed.server,
        capture=parsed.capture,
        site=parsed.site,
        path=document.path,
        sha256=document.sha256,
        power=parsed.power,
    )


def _channel_problems(parsed: _RigFile, file: str) -> list[Problem]:
    """Analyzer channels name modules of this rig, a module is on one channel at most, and a channel of an
    analyzer holds one module."""
    module_ids = [module.id for module in parsed.module]
    measured_by: dict[str, str] = {}
    found = []
    for i, power in enumerate(parsed.power):
        on_channel: dict[int, str] = {}
        for module_id, channel in power.channels.items():
            where = join(join(join("power", i), "channels"), module_id)
            if channel in on_channel:
                message = f"channel {channel} holds module {on_channel[channel]!r} already"
            elif module_id not in module_ids:
                message = f"names no module of this rig (it has {', '.join(module_ids)})"
            elif module_id in measured_by:
                message = f"is measured by analyzer {measured_by[module_id]!r} already"
            else:
                measured_by[module_id] = power.id
                on_channel[channel] = module_id
                continue
            on_channel.setdefault(channel, module_id)
            found.append(Problem(file, where, message))
    return found


def resolve_port(port: str, base_dir: Path) -> str:
    """A `replay://` transcript path relative to the rig's directory made absolute; other ports as written.

    Device paths must be absolute anyway, and the other schemes name hosts or options, not files.
    """
    if not port.startswith(REPLAY_SCHEME):
        return port
    location, mark, options = port[len(REPLAY_SCHEME) :].partition("?")
    if not location or Path(location).is_absolute():
        return port
    return f"{REPLAY_SCHEME}{base_dir / location}{mark}{options}"


def rig_port_problems(rig: Rig, check: Callable[[str], str | None]) -> list[Problem]:
    """Problems the transport layer finds in the module ports (the CLI passes transport.check_url)."""
    return _module_problems(rig, "port", check)


def rig_dialect_problems(rig: Rig, check: Callable[[str], str | None]) -> list[Problem]:
    """Problems the dialects layer finds in the module dialect names; `auto` is never passed to `check`."""
    return _module_problems(rig, "dialect", lambda name: None if name == AUTO_DIALECT else check(name))


def rig_power_problems(rig: Rig, check: Callable[[Power], Iterable[tuple[str, str]]]) -> list[Problem]:
    """Problems the power layer finds in each analyzer table (the CLI passes harness.power.analyzer_problems):
    `check` answers (field path below the table, message) pairs, e.g. ("options.seed", "expected ..."); the
    message names the analyzer's id, as a rig with several analyzers is read by id, not by position."""
    return [
        Problem(str(rig.path), f"{join('power', i)}.{field_path}", f"analyzer {power.id!r}: {message}")
        for i, power in enumerate(rig.power)
        for field_path, message in check(power)
    ]


def _module_problems(rig: Rig, attribute: str, check: Callable[[str], str | None]) -> list[Problem]:
    found = []
    for i, module in enumerate(rig.modules):
        message = check(getattr(module, attribute))
        if message:
            found.append(Problem(str(rig.path), join(join("module", i), attribute), message))
    return found

"""harness.rig: rig files load into frozen dataclasses; every problem named with its file and field."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import InputError
from harness.probe import HEADERS_SNAPLEN_BYTES
from harness.rat import Rat
from harness.rig import (
    CapturePayload,
    CapturePoint,
    Module,
    Power,
    PowerChannel,
    ServerMode,
    Sim,
    Site,
    load_rig,
    rig_dialect_problems,
    rig_port_problems,
    rig_power_problems,
)
from harness.rig_data_interface import DEFAULT_ADDRESS_TIMEOUT_S, HostDataInterface

ProblemsOf = Callable[[Callable[[Path], object], Path], list[str]]
WriteToml = Callable[..., Path]

VIRTUAL_RIG = Path(__file__).resolve().parents[2] / "fixtures" / "rigs" / "virtual.toml"

MODULE = """
[[module]]
id = "nb-ce0"
port = "virtual://bc660k?ce=0"
rat = "nbiot"
"""
MINIMAL = '[rig]\nname = "bench"\n' + MODULE


def fields_of(lines: list[str]) -> list[str]:
    return [line.split(": ")[1] for line in lines]


def test_the_default_virtual_rig_loads() -> None:
    rig = load_rig(VIRTUAL_RIG)
    assert rig.name == "virtual"
    assert rig.module_ids == ("nb-ce0", "nb-ce1")
    assert [m.port for m in rig.modules] == ["virtual://bc660k?ce=0", "virtual://bc660k?ce=1"]
    assert {m.rat for m in rig.modules} == {Rat.NB_IOT}
    assert {m.dialect for m in rig.modules} == {"auto"}
    assert {m.sim for m in rig.modules} == {Sim(operator="00101", apn="iot.test", writable=True)}
    assert (rig.server.mode, rig.server.host) == (ServerMode.LOCAL, "127.0.0.1")
    assert (rig.capture.point, rig.capture.interface) == (CapturePoint.SERVER, "lo")
    assert rig.sha256 == hashlib.sha256(VIRTUAL_RIG.read_bytes()).hexdigest()
    assert [(p.id, p.analyzer, dict(p.channels)) for p in rig.power] == [
        ("rail", "virtual", {"nb-ce0": 1, "nb-ce1": 2})
    ]


def test_a_full_rig_round_trips(write_toml: WriteToml, tmp_path: Path) -> None:
    device = tmp_path / "ttyUSB0"
    device.touch()
    path = write_toml(
        f"""
        [rig]
        name = "lab-a"
        description = "two modules"

        [site]
        name = "Lab A"
        lat = 31
        lon = 121.5

        [server]
        mode = "remote"
        host = "198.18.0.1"
        port = 5201
        token_env = "MIOT_SERVER_TOKEN"

        [capture]
        point = "off"

        [[module]]
        id = "cat1.0"
        port = "{device}"
        baudrate = 921600
        dialect = "cmcc_cat1"
        rat = "cat1"
        [module.sim]
        operator = "China Mobile"
        apn = "cmiot.example"
        iccid = "89860000000000000001"
        pin_env = "MIOT_SIM_PIN"
        slot = 1

        [[module]]
        id = "redcap"
        port = "rfc2217://198.18.0.2:4001"
        rat = "redcap"
        """,
        name="lab.toml",
    )
    rig = load_rig(path)
    assert rig.path == path
    assert rig.description == "two modules"
    assert rig.site == Site(name="Lab A", lat=31.0, lon=121.5)
    assert (rig.server.mode, rig.server.host, rig.server.port) == (ServerMode.REMOTE, "198.18.0.1", 5201)
    assert rig.server.token_env == "MIOT_SERVER_TOKEN"
    assert rig.capture.point is CapturePoint.OFF
    assert rig.module("cat1.0") == Module(
        id="cat1.0",
        port=str(device),
        baudrate=921600,
        dialect="cmcc_cat1",
        rat=Rat.CAT1,
        sim=Sim(
            operator="China Mobile",
            apn="cmiot.example",
            iccid="89860000000000000001",
            pin_env="MIOT_SIM_PIN",
            slot=1,
        ),
    )
    assert rig.module("redcap").baudrate == 115200
    assert rig.module("redcap").sim is None


def test_defaults_for_the_optional_sections(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(MINIMAL))
    assert rig.site is None
    assert (rig.server.mode, rig.server.host, rig.server.port) == (ServerMode.LOCAL, "127.0.0.1", 0)
    assert rig.capture.point is CapturePoint.SERVER
    assert rig.modules[0].dialect == "auto"


def test_an_unknown_module_id_lookup_names_the_known_ones(write_toml: WriteToml) -> None:
    with pytest.raises(KeyError, match="nb-ce0"):
        load_rig(write_toml(MINIMAL)).module("nb-ce9")


def test_a_rig_needs_a_module(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml('[rig]\nname = "x"\n')
    assert problems_of(load_rig, path) == [
        f"{path}: module: missing (expected one or more [[module]] tables)"
    ]
    path = write_toml('module = []\n[rig]\nname = "x"\n')
    assert problems_of(load_rig, path) == [f"{path}: module: needs at least 1 item(s), got 0"]


def test_module_ids_are_unique_and_well_formed(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(MINIMAL + MODULE + MODULE.replace('"nb-ce0"', '"NB CE2"'))
    assert problems_of(load_rig, path) == [
        f'{path}: module[2].id: expected a string matching [a-z0-9][a-z0-9_.-]*, got "NB CE2" (a string)',
        f"{path}: module[1].id: duplicate 'nb-ce0' (first at module[0])",
    ]


def test_a_missing_device_path_is_named(
    write_toml: WriteToml, problems_of: ProblemsOf, tmp_path: Path
) -> None:
    missing = tmp_path / "ttyUSB9"
    path = write_toml(MINIMAL.replace("virtual://bc660k?ce=0", str(missing)))
    assert problems_of(load_rig, path) == [f"{path}: module[0].port: {missing} does not exist"]


def test_a_remote_server_needs_host_port_and_token_env(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    path = write_toml(MINIMAL + '[server]\nmode = "remote"\n')
    assert fields_of(problems_of(load_rig, path)) == ["server.host", "server.port", "server.token_env"]


def test_a_local_server_takes_any_free_port_but_not_an_impossible_one(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    path = write_toml(MINIMAL + "[server]\nport = 65536\n")
    assert problems_of(load_rig, path) == [
        f"{path}: server.port: expected an integer >= 0 and <= 65535, got 65536 (an integer)"
    ]


def test_a_capture_keeps_whole_packets_unless_cut(write_toml: WriteToml) -> None:
    assert load_rig(write_toml(MINIMAL)).capture.kept_bytes is None
    headers = load_rig(write_toml(MINIMAL + '[capture]\npayload = "headers"\n')).capture
    assert (headers.payload, headers.kept_bytes) == (CapturePayload.HEADERS, HEADERS_SNAPLEN_BYTES)
    assert load_rig(write_toml(MINIMAL + "[capture]\nsnaplen_bytes = 1500\n")).capture.kept_bytes == 1500


def test_a_capture_cut_below_the_probe_header_or_twice_is_refused(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    path = write_toml(MINIMAL + "[capture]\nsnaplen_bytes = 96\n")
    assert problems_of(load_rig, path) == [
        f"{path}: capture.snaplen_bytes: expected bytes kept of each packet, 140 (headers) to 262144, "
        "got 96 (an integer)"
    ]
    path = write_toml(MINIMAL + '[capture]\npayload = "headers"\nsnaplen_bytes = 200\n')
    assert problems_of(load_rig, path) == [
        f'{path}: capture.snaplen_bytes: give snaplen_bytes or payload = "headers", not both'
    ]


@pytest.mark.parametrize(
    ("table", "key", "form"),
    [("[server]", "token", "token_env"), ("[module.sim]", "pin", "pin_env")],
)
def test_a_secret_written_directly_is_refused_and_not_echoed(
    write_toml: WriteToml, problems_of: ProblemsOf, table: str, key: str, form: str
) -> None:
    path = write_toml(f'{MINIMAL}{table}\n{key} = "4711-secret"\n')
    (line,) = problems_of(load_rig, path)
    assert line.startswith(f"{path}: ")
    assert f".{key}: holds a secret written directly" in line
    assert form in line
    assert "4711" not in line


def test_a_pin_written_where_its_variable_name_goes_is_not_echoed(
    write_toml: WriteToml, problems_of: ProblemsOf
) -> None:
    path = write_toml(MINIMAL + '[module.sim]\npin_env = "4711"\n')
    (line,) = problems_of(load_rig, path)
    assert line.startswith(f"{path}: module[0].sim.pin_env: expected the NAME of the environment variable")
    assert "4711" not in line


@pytest.mark.parametrize(
    ("key", "value", "is_good"),
    [
        ("operator", '"00101"', True),
        ("operator", '"460001"', True),
        ("operator", '"China Mobile"', True),
        ("operator", '"0010"', False),
        ("operator", '""', False),
        ("apn", '"iot.test"', True),
        ("apn", '""', True),
        ("apn", '"bad apn"', False),
        ("apn", '"a..b"', False),
        ("iccid", '"8986000000000000000"', True),
        ("iccid", '"898600000000000000"', False),
        ("iccid", '"8986000000000000000F"', False),
        ("slot", "-1", False),
    ],
)
def test_sim_values(write_toml: WriteToml, key: str, value: str, is_good: bool) -> None:
    path = write_toml(f"{MINIMAL}[module.sim]\n{key} = {value}\n")
    if is_good:
        assert load_rig(path).modules[0].sim is not None
    else:
        with pytest.raises(InputError, match=rf"module\[0\]\.sim\.{key}: expected"):
            load_rig(path)


def test_site_lat_and_lon_go_together(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(MINIMAL + '[site]\nname = "x"\nlat = 91\n')
    assert problems_of(load_rig, path) == [
        f"{path}: site.lat: expected a number >= -90 and <= 90, got 91 (an integer)"
    ]
    path = write_toml(MINIMAL + '[site]\nname = "x"\nlat = 10\n')
    assert problems_of(load_rig, path) == [f"{path}: site: lat and lon go together: give both or neither"]


def test_all_problems_of_a_file_are_reported_at_once(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    path = write_toml(
        """
        [rig]
        description = 3

        [server]
        mode = "cloud"

        [capture]
        point = "server"
        interfce = "lo"

        [[module]]
        id = "a"
        rat = "gsm"

        [[module]]
        id = "b"
        port = "socket://127.0.0.1:7000"
        rat = "nbiot"
        baudrate = true
        """
    )
    assert fields_of(problems_of(load_rig, path)) == [
        "rig.name",
        "rig.description",
        "server.mode",
        "capture.interfce",
        "module[0].port",
        "module[0].rat",
        "module[1].baudrate",
    ]


def test_a_relative_replay_path_resolves_against_the_rig_folder(
    write_toml: WriteToml, tmp_path: Path
) -> None:
    path = write_toml(MINIMAL.replace("virtual://bc660k?ce=0", "replay://at/lab.log?timing=recorded"))
    assert load_rig(path).modules[0].port == f"replay://{tmp_path}/at/lab.log?timing=recorded"
    absolute = write_toml(MINIMAL.replace("virtual://bc660k?ce=0", "replay:///srv/at.log"))
    assert load_rig(absolute).modules[0].port == "replay:///srv/at.log"


def test_port_problems_come_from_the_check_the_caller_passes(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(MINIMAL + MODULE.replace("nb-ce0", "nb-ce1").replace("ce=0", "ce=7")))
    seen: list[str] = []

    def check(url: str) -> str | None:
        seen.append(url)
        return "ce must be 0, 1 or 2" if url.endswith("ce=7") else None

    problems = rig_port_problems(rig, check)
    assert seen == ["virtual://bc660k?ce=0", "virtual://bc660k?ce=7"]
    assert [str(p) for p in problems] == [f"{rig.path}: module[1].port: ce must be 0, 1 or 2"]


def test_dialect_problems_never_ask_about_auto(write_toml: WriteToml) -> None:
    text = MINIMAL + MODULE.replace("nb-ce0", "nb-ce1") + 'dialect = "quectel_nbiot2"\n'
    rig = load_rig(write_toml(text))
    asked: list[str] = []

    def check(name: str) -> str | None:
        asked.append(name)
        return f"unknown dialect {name}"

    assert [p.field for p in rig_dialect_problems(rig, check)] == ["module[1].dialect"]
    assert asked == ["quectel_nbiot2"]


def test_a_module_names_its_host_data_interface(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(MINIMAL + '[module.data]\ninterface = "wwan-rc1"\nsubnet = "10.64.0.0/10"\n'))
    data = rig.module("nb-ce0").data
    assert data == HostDataInterface(interface="wwan-rc1", subnet="10.64.0.0/10")
    assert data.address_timeout_s == DEFAULT_ADDRESS_TIMEOUT_S
    assert str(data.network) == "10.64.0.0/10"
    assert load_rig(write_toml(MINIMAL)).module("nb-ce0").data is None


@pytest.mark.parametrize(
    ("lines", "field", "message"),
    [
        ('interface = "usb/0"', "interface", "expected a network interface name such as usb0"),
        ('interface = "enx0123456789abcd"', "interface", "at most 15 characters"),
        ('interface = ".."', "interface", "expected a network interface name"),
        ('interface = "usb0"\nsubnet = "10.0.0.1/8"', "subnet", "such as 10.0.0.0/8"),
        ('interface = "usb0"\nsubnet = "fd00::/8"', "subnet", "expected an IPv4 network"),
        ('interface = "usb0"\naddress_timeout_s = 0', "address_timeout_s", ">= 1"),
        ('subnet = "10.0.0.0/8"', "interface", ""),
        ('interface = "usb0"\nfamily = "ipv6"', "family", ""),
    ],
)
def test_a_bad_data_interface_is_one_line_naming_file_module_and_key(
    write_toml: WriteToml, problems_of: ProblemsOf, lines: str, field: str, message: str
) -> None:
    path = write_toml(MINIMAL + "[module.data]\n" + lines + "\n")
    (line,) = problems_of(load_rig, path)
    assert line.startswith(f"{path}: module[0].data.{field}: ")
    assert message in line


_MODULE_KEYS = {"id", "port", "rat", "baudrate", "dialect", "sim", "reset", "data"}


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda k: k not in _MODULE_KEYS))
def test_an_unknown_module_key_is_always_reported(write_toml: WriteToml, key: str) -> None:
    path = write_toml(MINIMAL + f"{key} = 1\n")
    with pytest.raises(InputError) as caught:
        load_rig(path)
    assert [p.field for p in caught.value.problems] == [f"module[0].{key}"]


TWO_MODULES = MINIMAL + MODULE.replace("nb-ce0", "nb-ce1")
BENCH_ANALYZER = """
[[power]]
id = "bench"
analyzer = "scpi"
resource = "TCPIP::192.0.2.7::INSTR"
channels = { nb-ce0 = 1, nb-ce1 = 2 }
supply_v = 3.6
"""
RAIL = """
[[power]]
id = "rail-ce0"
analyzer = "virtual"
channels = { nb-ce0 = 1 }
sample_rate_hz = 500
[power.options]
seed = 3
"""


def test_one_analyzer_with_several_channels_measures_several_modules(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(TWO_MODULES + BENCH_ANALYZER))
    (power,) = rig.power
    assert (power.analyzer, power.resource, power.supply_v) == ("scpi", "TCPIP::192.0.2.7::INSTR", 3.6)
    assert dict(power.channels) == {"nb-ce0": 1, "nb-ce1": 2}
    assert power.sample_rate_hz == 1000.0
    assert rig.power_channel("nb-ce1") == PowerChannel(power=power, channel=2, module_id="nb-ce1")


def test_one_analyzer_per_module_and_a_module_without_one(write_toml: WriteToml) -> None:
    rig = load_rig(write_toml(TWO_MODULES + RAIL))
    channel = rig.power_channel("nb-ce0")
    assert channel is not None
    assert (channel.power.id, channel.channel, channel.power.sample_rate_hz) == ("rail-ce0", 1, 500.0)
    assert dict(channel.power.options) == {"seed": 3}
    assert rig.power_channel("nb-ce1") is None
    assert load_rig(write_toml(TWO_MODULES)).power == ()


def test_channels_name_modules_of_the_rig_once_each(write_toml: WriteToml, problems_of: ProblemsOf) -> None:
    text = (
        TWO_MODULES
        + BENCH_ANALYZER.replace("nb-ce1 = 2", "nb-ce9 = 2")
        + RAIL.replace("nb-ce0 = 1", "nb-ce0 = 1, nb-ce1 = 1")
    )
    path = write_toml(text)
    assert problems_of(load_rig, path) == [
        f"{path}: power[0].channels.nb-ce9: names no module of this rig (it has nb-ce0, nb-ce1)",
        f"{path}: power[1].channels.nb-ce0: is measured by analyzer 'bench' already",
        f"{path}: power[1].channels.nb-ce1: channel 1 holds module 'nb-ce0' already",
    ]


def test_power_tables_refuse_unknown_keys_and_bad_values(write_toml: WriteToml) -> None:
    text = TWO_MODULES + RAIL.replace("sample_rate_hz = 500", "sample_rate_hz = 0\ncolour = 1").replace(
        "channels = { nb-ce0 = 1 }", "channels = { nb-ce0 = 0 }"
    )
    with pytest.raises(InputError) as caught:
        load_rig(write_toml(text))
    assert sorted(p.field for p in caught.value.problems) == [
        "power[0].channels.nb-ce0",
        "power[0].colour",
        "power[0].sample_rate_hz",
    ]


def test_power_problems_come_from_the_check_the_caller_passes(write_toml: WriteToml) -> None:
    bench = BENCH_ANALYZER.replace(", nb-ce1 = 2", "")
    rig = load_rig(write_toml(TWO_MODULES + bench + RAIL.replace("nb-ce0 = 1", "nb-ce1 = 1")))

    def check(power: Power) -> list[tuple[str, str]]:
        return [("options.seed", "not here")] if power.analyzer == "virtual" else []

    assert [str(p) for p in rig_power_problems(rig, check)] == [
        f"{rig.path}: power[1].options.seed: analyzer 'rail-ce0': not here"
    ]

"""glue layer: the plugin's settings, with one precedence order and the source of each value named.

STYLE 9: command line > environment > ini > default. Relative paths resolve against pytest's rootdir, so
`miot run` and `pytest testplans/` mean the same files wherever they are started from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.results.identifiers import IdentifierMode

DEFAULT_RIG = "fixtures/rigs/virtual.toml"
DEFAULT_PLAN = "testplans/smoke.toml"
DEFAULT_RESULTS = "results"
PLAN_DIR = "testplans"


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting:
    """One resolved setting: its value and where it came from ("--rig", "MIOT_RIG", "ini miot_rig",
    "default")."""

    value: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class _Spec:
    option: str
    env: str
    ini: str
    default: str
    help: str


_SPECS = (
    _Spec(
        option="rig", env="MIOT_RIG", ini="miot_rig", default=DEFAULT_RIG, help="rig file (where things are)"
    ),
    _Spec(option="plan", env="MIOT_PLAN", ini="miot_plan", default=DEFAULT_PLAN, help="test plan file"),
    _Spec(
        option="results",
        env="MIOT_RESULTS",
        ini="miot_results",
        default=DEFAULT_RESULTS,
        help="directory that receives results/<run-id>/",
    ),
    _Spec(option="run_id", env="MIOT_RUN_ID", ini="miot_run_id", default="", help="run id (default: new)"),
    _Spec(
        option="radio_every_s",
        env="MIOT_RADIO_EVERY_S",
        ini="miot_radio_every_s",
        default="1",
        help="seconds between radio readings during a case (0: off)",
    ),
    _Spec(
        option="lock_wait_s",
        env="MIOT_LOCK_WAIT_S",
        ini="miot_lock_wait_s",
        default="0",
        help="seconds to wait for a module port held by another run (then its tests error naming the holder)",
    ),
    _Spec(
        option="identifiers",
        env="MIOT_IDENTIFIERS",
        ini="miot_identifiers",
        default=str(IdentifierMode.HASHED),
        help="IMEI, IMSI and ICCID in the run's files: hashed (keyed), or clear for a lab's internal use",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("miot", "miot-harness: network tests of cellular IoT modules")
    for spec in _SPECS:
        flag = "--" + spec.option.replace("_", "-")
        group.addoption(flag, dest=f"miot_{spec.option}", default=None, help=f"{spec.help} [env {spec.env}]")
        parser.addini(spec.ini, f"{spec.help} (default {spec.default or 'none'})", default=spec.default)


def resolve(config: pytest.Config, option: str) -> Setting:
    spec = next(s for s in _SPECS if s.option == option)
    given = config.getoption(f"miot_{option}")
    if given is not None:
        return Setting(value=str(given), source="--" + option.replace("_", "-"))
    if spec.env in os.environ:
        return Setting(value=os.environ[spec.env], source=spec.env)
    ini_value = str(config.getini(spec.ini))
    if ini_value != spec.default:
        return Setting(value=ini_value, source=f"ini {spec.ini}")
    return Setting(value=spec.default, source="default")


def seconds(config: pytest.Config, option: str) -> float:
    """A setting that is a duration: a number >= 0, or pytest.UsageError naming where the value came from."""
    setting = resolve(config, option)
    try:
        value = float(setting.value)
    except ValueError:
        value = -1.0
    if not value >= 0.0:  # also false for NaN
        raise pytest.UsageError(f"{setting.source} {setting.value!r}: give seconds, a number >= 0")
    return value


def identifier_mode(config: pytest.Config) -> IdentifierMode:
    """The identifiers setting, or pytest.UsageError naming where a wrong value came from."""
    setting = resolve(config, "identifiers")
    try:
        return IdentifierMode(setting.value.strip().lower())
    except ValueError:
        raise pytest.UsageError(
            f"{setting.source} {setting.value!r}: give {' or '.join(IdentifierMode)}"
        ) from None


def resolve_path(config: pytest.Config, option: str) -> Path:
    path = Path(resolve(config, option).value)
    return path if path.is_absolute() else config.rootpath / path


def is_plan_run(config: pytest.Config) -> bool:
    """A run of plan-driven tests: a plan was named, or pytest was pointed at the testplans directory."""
    if resolve(config, "plan").source != "default":
        return True
    plan_dir = (config.rootpath / PLAN_DIR).resolve()
    for arg in config.args:
        target = Path(config.invocation_params.dir, arg.split("::", 1)[0]).resolve()
        if target == plan_dir or plan_dir in target.parents:
            return True
    return False

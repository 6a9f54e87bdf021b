"""virtual layer: what a model file declares about itself besides its command table.

Each `harness/virtual/model_<name>.py` defines `MODEL = ModelSpec(...)` and `build_commands(module)`. The spec
says which radio profile the model uses (harness.virtual.profiles), possibly from its own URL options, what it
prints when it has booted, which PDP context its attach uses, and how many sockets its IP stack has. Options a
model declares are read from the URL like every other option and reach it as `module.options.settings`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Setting = int | str
Settings = Mapping[str, Setting]


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelOption:
    name: str
    parse: Callable[[str], Setting]
    default: Setting


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSpec:
    profile_for: Callable[[Settings], str]
    ready_urc: str | None  # the line printed once booted ("RDY"), None when the model prints none
    attach_cid: int  # the PDP context of the initial attach
    max_sockets: int  # connect ids 0..max_sockets-1 (the `sockets` option can lower it)
    options: tuple[ModelOption, ...] = ()


def fixed_profile(name: str) -> Callable[[Settings], str]:
    """profile_for of a model that always uses the profile `name`."""

    def profile_for(settings: Settings) -> str:
        del settings
        return name

    return profile_for


def int_setting(settings: Settings, name: str) -> int:
    value = settings[name]
    if not isinstance(value, int):
        raise TypeError(f"model setting {name} is {value!r}, not a whole number")
    return value


def str_setting(settings: Settings, name: str) -> str:
    value = settings[name]
    if not isinstance(value, str):
        raise TypeError(f"model setting {name} is {value!r}, not text")
    return value

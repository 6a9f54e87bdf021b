"""virtual layer: `virtual://<model>?<options>` URLs, read into one frozen ModuleOptions.

e.g. `virtual://bc660k?ce=1&rsrp=-112&seed=3`. A model is a module `harness/virtual/model_<name>.py` (found by
name, STYLE 3) whose MODEL spec names its radio profile (harness.virtual.profiles) and declares the options
only it has. The coverage level picks the profile's link figures and radio defaults: on NB-IoT the CE level,
which follows from `rsrp` without `ce` ([R19] thresholds) and is CE0 without either; other RATs have one
level. Every link option overrides one field of the level's figures and stays pinned when the level changes
during a run. The network's behaviour (PSM and eDRX grants, roaming, downlink buffering) comes from
harness.virtual.network_policy. `timer_scale` runs every idle-mode timer (T3324, T3412, eDRX cycle, PTW,
paging cycle, the UART's sleep countdown) that many times its coded length, so a test sees a 4 min T3324 go by
in seconds while every value the module reports stays as coded. An unknown model, an unknown option or a bad
value raises UrlError naming it. The rig's faults (`faults=...`) are harness.virtual.faults'.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from harness.errors import UrlError
from harness.virtual.address_policy import describe_allowed, is_allowed_address
from harness.virtual.faults import Fault, read_url_faults
from harness.virtual.link import LinkProfile
from harness.virtual.model_spec import ModelSpec, Setting
from harness.virtual.network_policy import NetworkPolicy, read_network_policy
from harness.virtual.option_reader import OptionReader, digits, integer, number, shown_url
from harness.virtual.profiles import PROFILES, TEST_PLMN, RadioProfile
from harness.virtual.radio import RadioConditions
from harness.virtual.retry_policy import RetryPolicy, read_retry_policy

SCHEME = "virtual"
MODEL_PREFIX = "model_"


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    imei: str
    imsi: str
    iccid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleOptions:
    url: str
    model: str
    spec: ModelSpec
    profile: RadioProfile
    radio: RadioConditions
    link: LinkProfile
    link_overrides: Mapping[str, float]  # the link fields the URL pinned
    attach_s: float
    seed: int
    is_echo_on: bool
    identity: Identity
    ip_address: str
    max_sockets: int
    network: NetworkPolicy
    timer_scale: float
    settings: Mapping[str, Setting]  # the model's own options
    faults: tuple[Fault, ...] = ()  # the rig's faults (harness.virtual.faults), applied from boot
    pin: str | None = None  # the SIM's PIN (harness.virtual.sim_lock); None: the card asks for none
    plmn: str = TEST_PLMN  # the SIM's home network, where the module registers (harness.virtual.sim_slots)
    # how the module retries after a reject (harness.virtual.retry_policy)
    retry: RetryPolicy = dataclasses.field(default_factory=RetryPolicy)
    # a full attach (no valid EF_EPSLOCI); None: COLD_ATTACH_FACTOR x attach_s
    cold_attach_s: float | None = None


# Default identities: a made-up IMEI TAC, and IMSI/ICCID on the test PLMN 001/01 (3GPP TS 23.003). The rest
# of each number is derived from the URL, so two virtual modules on one rig never share an IMEI while the
# same URL always gives the same module.
IMEI_TAC = "35000011"
IMSI_PLMN = "00101"
ICCID_ISSUER = "8900101"
DEFAULT_IP = "127.0.0.1"
# A real attach takes 6-50 s on live networks (indicators.md §4.1 [R20]); 3 s keeps virtual runs short.
DEFAULT_ATTACH_S = 3.0
# Judgement (neither reference gives a cold/warm split): `attach_s` is an attach with a stored GUTI and TAI
# (TS 24.301 §5.5.1.2.2); a full attach adds the identity request, authentication and security mode
# exchanges, each a round trip like the attach request/accept itself, so it takes about twice as long.
COLD_ATTACH_FACTOR = 2.0
DEFAULT_SEED = 1

# Link fields that options (and the control op "conditions") may set, with the parser of each value.
LINK_OPTIONS: Mapping[str, Callable[[str], float]] = MappingProxyType(
    {
        "delay_ms": number(0.0, 600_000.0),
        "jitter_ms": number(0.0, 600_000.0),
        "ul_kbps": number(0.001, 10_000_000.0),
        "dl_kbps": number(0.001, 10_000_000.0),
        "loss_pct": number(0.0, 100.0),
        "rrc_setup_ms": number(0.0, 600_000.0),
        "inactivity_s": number(0.001, 86_400.0),
    }
)
RSRP_OPTION = number(-160.0, -30.0)


def known_models() -> tuple[str, ...]:
    """Model names: one `model_<name>` module each in this package."""
    package_dir = str(Path(__file__).parent)
    return tuple(
        sorted(
            info.name.removeprefix(MODEL_PREFIX)
            for info in pkgutil.iter_modules([package_dir])
            if info.name.startswith(MODEL_PREFIX)
        )
    )


def model_spec(model: str) -> ModelSpec:
    spec: ModelSpec = importlib.import_module(f"harness.virtual.{MODEL_PREFIX}{model}").MODEL
    return spec


def parse_virtual_url(url: str) -> ModuleOptions:
    parts = urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise UrlError(f"{shown_url(url)}: not a {SCHEME}:// URL")
    model = parts.netloc.lower()
    if not model:
        raise UrlError(f"{shown_url(url)}: names no virtual model (known: {', '.join(known_models())})")
    if model not in known_models():
        known = ", ".join(known_models())
        raise UrlError(f"{shown_url(url)}: unknown virtual model {model!r} (known: {known})")
    if parts.path not in ("", "/") or parts.fragment:
        raise UrlError(f"{shown_url(url)}: a virtual URL is virtual://<model>?<options>, nothing else")
    reader = OptionReader(url, parts.query)
    options = _build(url, model, reader)
    reader.reject_unknown()
    return options


def link_with(profile: LinkProfile, overrides: Mapping[str, float]) -> LinkProfile:
    """The profile with the pinned fields of `overrides` (names of LINK_OPTIONS) instead of its own."""
    fields: dict[str, Any] = dict(overrides)
    return dataclasses.replace(profile, **fields)


def _build(url: str, model: str, reader: OptionReader) -> ModuleOptions:
    spec = model_spec(model)
    settings = {option.name: reader.get(option.name, option.parse, option.default) for option in spec.options}
    profile = PROFILES[spec.profile_for(settings)]
    rsrp_dbm = reader.get("rsrp", RSRP_OPTION, None)
    levels = profile.levels
    default_level = levels[0] if rsrp_dbm is None else profile.level_for(rsrp_dbm)
    level = reader.get("ce", integer(levels[0], levels[-1]), default_level)
    overrides: dict[str, float] = {}
    for name, parse in LINK_OPTIONS.items():
        value = reader.get(name, parse, None)
        if value is not None:
            overrides[name] = value
    default_identity = derived_identity(url)
    return ModuleOptions(
        url=url,
        model=model,
        spec=spec,
        profile=profile,
        radio=profile.conditions(level, rsrp_dbm),
        link=link_with(profile.links[level], overrides),
        link_overrides=MappingProxyType(overrides),
        attach_s=reader.get("attach_s", number(0.0, 3_600.0), DEFAULT_ATTACH_S),
        seed=reader.get("seed", integer(0, 2**63 - 1), DEFAULT_SEED),
        is_echo_on=reader.get("echo", integer(0, 1), 1) == 1,
        identity=Identity(
            imei=reader.get("imei", _imei, default_identity.imei),
            imsi=reader.get("imsi", digits(14, 15), default_identity.imsi),
            iccid=reader.get("iccid", digits(18, 20), default_identity.iccid),
        ),
        ip_address=reader.get("ip", _allowed_ip, DEFAULT_IP),
        max_sockets=reader.get("sockets", integer(1, spec.max_sockets), spec.max_sockets),
        network=read_network_policy(reader),
        timer_scale=reader.get("timer_scale", number(0.0001, 1000.0), 1.0),
        settings=MappingProxyType(settings),
        faults=read_url_faults(reader),
        cold_attach_s=reader.get("cold_attach_s", number(0.0, 3_600.0), None),
        pin=reader.get("pin", digits(4, 8), None),  # judgement: 4-8 digits as a UICC takes (ETSI TS 102 221)
        plmn=reader.get("plmn", digits(5, 6), TEST_PLMN),  # MCC+MNC, 3GPP TS 23.003 §2.2
        retry=read_retry_policy(reader),
    )


def _imei(text: str) -> str:
    if not re.fullmatch(r"[0-9]{15}", text) or not is_luhn_valid(text):
        raise ValueError("must be 15 digits with a valid Luhn check digit")
    return text


def _allowed_ip(text: str) -> str:
    if not is_allowed_address(text):
        raise ValueError(f"must be an IPv4 address in {describe_allowed()}")
    return text


def derived_identity(url: str) -> Identity:
    """Valid identities derived from the URL (see IMEI_TAC)."""
    number = int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big")
    serial = f"{number % 10**12:012d}"
    return Identity(
        imei=with_luhn_digit(IMEI_TAC + serial[:6]),
        imsi=IMSI_PLMN + serial[:10],
        iccid=with_luhn_digit(ICCID_ISSUER + serial),
    )


def with_luhn_digit(digits: str) -> str:
    """`digits` followed by the Luhn check digit that makes the whole valid."""
    return next(digits + check for check in "0123456789" if is_luhn_valid(digits + check))


def is_luhn_valid(digits: str) -> bool:
    """The Luhn check (ISO/IEC 7812-1) that the last digit of an IMEI satisfies (3GPP TS 23.003 §6.2.1)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0

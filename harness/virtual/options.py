"""virtual layer: `virtual://<model>?<options>` URLs, read into one frozen ModuleOptions.

e.g. `virtual://bc660k?ce=1&rsrp=-112&seed=3`. A model is a module `harness/virtual/model_<name>.py` (found by
name, STYLE 3). The CE level picks the link profile (link.CE_PROFILES) and the radio defaults
(radio.conditions_for); without `ce` the level follows from `rsrp` ([R19] thresholds), and without either it
is CE0. Every other option overrides one field. An unknown model, an unknown option or a bad value raises
UrlError naming it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from harness.errors import UrlError
from harness.virtual.address_policy import describe_allowed, is_allowed_address
from harness.virtual.link import CE_PROFILES, LinkProfile
from harness.virtual.radio import RadioConditions, ce_level_for, conditions_for

SCHEME = "virtual"
MODEL_PREFIX = "model_"

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    imei: str
    imsi: str
    iccid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleOptions:
    url: str
    model: str
    radio: RadioConditions
    link: LinkProfile
    attach_s: float
    seed: int
    is_echo_on: bool
    identity: Identity
    ip_address: str
    active_time_bits: str  # T3324 the network grants, GPRS Timer 2 (cellular-iot.md §2.1)
    periodic_tau_bits: str  # T3412 extended the network grants, GPRS Timer 3 (§2.2)
    max_sockets: int


# Default identities: a made-up IMEI TAC, and IMSI/ICCID on the test PLMN 001/01 (3GPP TS 23.003). The rest
# of each number is derived from the URL, so two virtual modules on one rig never share an IMEI while the
# same URL always gives the same module.
IMEI_TAC = "35000011"
IMSI_PLMN = "00101"
ICCID_ISSUER = "8900101"
DEFAULT_IP = "127.0.0.1"
# A real attach takes 6-50 s on live networks (indicators.md §4.1 [R20]); 3 s keeps virtual runs short.
DEFAULT_ATTACH_S = 3.0
DEFAULT_SEED = 1
# The examples of 27.007 and the BC660K manual: T3324 "00100100" = 4 min, T3412 ext "01000111" = 70 h.
DEFAULT_ACTIVE_TIME_BITS = "00100100"
DEFAULT_PERIODIC_TAU_BITS = "01000111"
# connectID 0-4: cellular-iot.md §3.1 notes this range for the family but not verified for BC660K.
DEFAULT_MAX_SOCKETS = 5


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


def parse_virtual_url(url: str) -> ModuleOptions:
    parts = urlsplit(url)
    if parts.scheme.lower() != SCHEME:
        raise UrlError(f"{url}: not a {SCHEME}:// URL")
    model = parts.netloc.lower()
    if not model:
        raise UrlError(f"{url}: names no virtual model (known: {', '.join(known_models())})")
    if model not in known_models():
        raise UrlError(f"{url}: unknown virtual model {model!r} (known: {', '.join(known_models())})")
    if parts.path not in ("", "/") or parts.fragment:
        raise UrlError(f"{url}: a virtual URL is virtual://<model>?<options>, nothing else")
    query = _Query(url, parts.query)
    options = _build(url, model, query)
    query.reject_unknown()
    return options


def _build(url: str, model: str, query: _Query) -> ModuleOptions:
    rsrp_dbm = query.get("rsrp", _number(-160.0, -30.0), None)
    ce_level = query.get("ce", _integer(0, 2), None if rsrp_dbm is None else ce_level_for(rsrp_dbm))
    ce_level = 0 if ce_level is None else ce_level
    profile = CE_PROFILES[ce_level]
    link = dataclasses.replace(
        profile,
        delay_ms=query.get("delay_ms", _number(0.0, 600_000.0), profile.delay_ms),
        jitter_ms=query.get("jitter_ms", _number(0.0, 600_000.0), profile.jitter_ms),
        ul_kbps=query.get("ul_kbps", _number(0.001, 1_000_000.0), profile.ul_kbps),
        dl_kbps=query.get("dl_kbps", _number(0.001, 1_000_000.0), profile.dl_kbps),
        loss_pct=query.get("loss_pct", _number(0.0, 100.0), profile.loss_pct),
        rrc_setup_ms=query.get("rrc_setup_ms", _number(0.0, 600_000.0), profile.rrc_setup_ms),
        inactivity_s=query.get("inactivity_s", _number(0.001, 86_400.0), profile.inactivity_s),
    )
    default_identity = derived_identity(url)
    return ModuleOptions(
        url=url,
        model=model,
        radio=conditions_for(ce_level, rsrp_dbm),
        link=link,
        attach_s=query.get("attach_s", _number(0.0, 3_600.0), DEFAULT_ATTACH_S),
        seed=query.get("seed", _integer(0, 2**63 - 1), DEFAULT_SEED),
        is_echo_on=query.get("echo", _integer(0, 1), 1) == 1,
        identity=Identity(
            imei=query.get("imei", _imei, default_identity.imei),
            imsi=query.get("imsi", _digits(14, 15), default_identity.imsi),
            iccid=query.get("iccid", _digits(18, 20), default_identity.iccid),
        ),
        ip_address=query.get("ip", _allowed_ip, DEFAULT_IP),
        active_time_bits=query.get("active_time", _bits, DEFAULT_ACTIVE_TIME_BITS),
        periodic_tau_bits=query.get("periodic_tau", _bits, DEFAULT_PERIODIC_TAU_BITS),
        max_sockets=query.get("sockets", _integer(1, 12), DEFAULT_MAX_SOCKETS),
    )


class _Query:
    """The options of one URL: each read at most once; whatever nobody asked for is unknown."""

    def __init__(self, url: str, query: str) -> None:
        self._url = url
        self._values: dict[str, str] = {}
        self._asked: list[str] = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in self._values:
                raise UrlError(f"{url}: option {name} is given twice")
            self._values[name] = value

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        self._asked.append(name)
        if name not in self._values:
            return default
        try:
            return parse(self._values[name])
        except ValueError as exc:
            raise UrlError(f"{self._url}: option {name} {exc}, got {self._values[name]!r}") from None

    def reject_unknown(self) -> None:
        unknown = sorted(set(self._values) - set(self._asked))
        if unknown:
            known = ", ".join(sorted(self._asked))
            raise UrlError(f"{self._url}: unknown option {unknown[0]!r} (known: {known})")


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # also rejects nan
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return value

    return parse


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", text) or not low <= int(text) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return int(text)

    return parse


def _digits(low: int, high: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not re.fullmatch(rf"[0-9]{{{low},{high}}}", text):
            raise ValueError(f"must be {low} to {high} digits")
        return text

    return parse


def _imei(text: str) -> str:
    if not re.fullmatch(r"[0-9]{15}", text) or not is_luhn_valid(text):
        raise ValueError("must be 15 digits with a valid Luhn check digit")
    return text


def _bits(text: str) -> str:
    if not re.fullmatch(r"[01]{8}", text):
        raise ValueError("must be 8 characters 0 or 1")
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

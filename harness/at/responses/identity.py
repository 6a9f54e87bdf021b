"""at layer: SIM and module identity lines +CPIN, ICCID (+CCID, +QCCID, +ICCID, +NCCID, %XICCID), +CGSN and
+CCLK, and readers for the bare IMSI and IMEI lines (TS 27.007 §8.3, §5.3, §5.4, §5.6, §8.15; TS 23.003;
../shared/reference/cellular-iot.md §1.6; BC660K manual §2.5, §8.6, §8.11, §12.1 [S5]).

- +CPIN: READY, SIM PIN, SIM PUK, PH-SIM PIN, SIM PIN2, SIM PUK2, ... as the module sends it.
- ICCID: 27.007 has no ICCID command; each vendor names its own (Quectel +QCCID, BC95 +NCCID, Nordic %XICCID,
  others +CCID/+ICCID). An ICCID has 18 to 20 characters (ITU-T E.118: at most 19 digits and a Luhn check
  digit); a 19-digit one may be padded with an F from its nibble-swapped BCD form, which `iccid` drops
  (`+ICCID: 8901260487759545390F`). Hex letters are accepted inside: Chinese issuers use them.
- +CGSN: "<value>" (AT+CGSN=<snt>, quotes vary; BC660K `+CGSN: 866818039921444`): 15 digits are an IMEI,
  16 an IMEISV, 2 an SVN (TS 23.003 §6.2).
- +CCLK: "yy/MM/dd,hh:mm:ss±zz", quoted or not (BC660K `+CCLK: 20/11/03,06:25:06+32`); zz is the offset from
  UTC in quarters of an hour. A time without a zone is refused: it cannot become an aware datetime.
- AT+CIMI and AT+CGSN answer a bare line that parse() cannot recognise alone: read_imsi / read_imei take the
  response's lines (an echo of the command is skipped, a "+CIMI:"/"+CGSN:" prefix tolerated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from harness.at.fields import Field, read_digits, read_text, split_line
from harness.at.responses.registry import count_between, parses
from harness.errors import ParseError


@dataclass(frozen=True, slots=True, kw_only=True)
class Cpin:
    """+CPIN, SIM state: `code` is READY, SIM PIN, SIM PUK, ... as the module sends it."""

    code: str

    @property
    def is_ready(self) -> bool:
        return self.code == "READY"


@parses("+CPIN")
def _read_cpin(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cpin:
    code = read_text(fields[0]) if len(fields) == 1 else None
    if code is None:
        raise ValueError("+CPIN has one non-empty field")
    return Cpin(code=code)


@dataclass(frozen=True, slots=True, kw_only=True)
class Iccid:
    """The SIM's ICCID: `text` as sent, `iccid` upper-cased without a trailing F pad."""

    text: str
    iccid: str


_ICCID = re.compile(r"[0-9A-F]{18,20}")


@parses("+CCID", "+QCCID", "+ICCID", "+NCCID", "%XICCID")
def _read_iccid(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Iccid:
    count_between(fields, "an ICCID line", low=1, high=1)
    text = fields[0].text.strip(" \t")
    iccid = text.upper()
    if len(iccid) == 20 and iccid.endswith("F"):
        iccid = iccid[:-1]
    if not _ICCID.fullmatch(iccid):
        raise ValueError(f"ICCID {text!r} is not 18 to 20 digits (hex letters allowed)")
    return Iccid(text=text, iccid=iccid)


@dataclass(frozen=True, slots=True, kw_only=True)
class Cgsn:
    """+CGSN: <value>: exactly one of imei (15 digits), imeisv (16) and svn (2) is set, by length."""

    value: str
    imei: str | None
    imeisv: str | None
    svn: str | None


_IMEI_DIGITS = 15
_IMEISV_DIGITS = 16


@parses("+CGSN")
def _read_cgsn(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cgsn:
    count_between(fields, "+CGSN", low=1, high=1)
    value = read_digits(fields[0], "+CGSN value", low_digits=1, high_digits=_IMEISV_DIGITS)
    if len(value) not in (2, _IMEI_DIGITS, _IMEISV_DIGITS):
        raise ValueError(f"{value!r} is neither an IMEI (15 digits), an IMEISV (16) nor an SVN (2)")
    return Cgsn(
        value=value,
        imei=value if len(value) == _IMEI_DIGITS else None,
        imeisv=value if len(value) == _IMEISV_DIGITS else None,
        svn=value if len(value) == 2 else None,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Cclk:
    """+CCLK: the clock as sent (`time`), its zone in quarter hours, and the aware datetime."""

    time: str
    zone_quarter_hours: int
    local_time: datetime


_CCLK = re.compile(
    r"([0-9]{2}|[0-9]{4})/([0-9]{2})/([0-9]{2}),([0-9]{2}):([0-9]{2}):([0-9]{2})([+-][0-9]{1,2})?"
)
# 27.007 gives -48..+48; BC660K allows -96..+96, and a 24 h offset is not a UTC offset, so |zz| < 96.
_MAX_ZONE_QUARTER_HOURS = 95


@parses("+CCLK")
def _read_cclk(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Cclk:
    count_between(fields, "+CCLK", low=1, high=2)
    if len(fields) == 2 and any(f.is_quoted for f in fields):
        raise ValueError("+CCLK has one quoted time, or the unquoted time split at its comma")
    time = ",".join(f.text.strip(" \t") for f in fields)
    match = _CCLK.fullmatch(time)
    if match is None:
        raise ValueError(f"{time!r} is not yy/MM/dd,hh:mm:ss±zz")
    year, month, day, hour, minute, second, zone = match.groups()
    if zone is None:
        raise ValueError(f"{time!r} has no time zone, so it cannot be placed in time")
    quarters = int(zone)
    if abs(quarters) > _MAX_ZONE_QUARTER_HOURS:
        raise ValueError(f"time zone {zone} quarter hours is not a UTC offset")
    full_year = int(year) + (2000 if len(year) == 2 else 0)
    local_time = datetime(
        full_year,
        int(month),
        int(day),
        int(hour),
        int(minute),
        int(second),
        tzinfo=timezone(timedelta(minutes=15 * quarters)),
    )
    return Cclk(time=time, zone_quarter_hours=quarters, local_time=local_time)


_IMSI_DIGITS = (6, 15)  # TS 23.003 §2.2: MCC 3 + MNC 2-3 + MSIN, not more than 15 digits


def read_imsi(lines: Iterable[str]) -> str:
    """The IMSI from AT+CIMI's answer lines: one line of 6 to 15 digits. ParseError otherwise."""
    return _read_bare(lines, "+CIMI", "IMSI", _IMSI_DIGITS)


def read_imei(lines: Iterable[str]) -> str:
    """The IMEI from AT+CGSN's (or AT+CGSN=1's) answer lines: one line of 15 digits. ParseError otherwise."""
    return _read_bare(lines, "+CGSN", "IMEI", (_IMEI_DIGITS, _IMEI_DIGITS))


def _read_bare(lines: Iterable[str], prefix: str, name: str, digits: tuple[int, int]) -> str:
    """The digits of the one answer line, bare or after `prefix:`; echoes (AT...) and blank lines skipped."""
    candidates = [t for line in lines if (t := line.strip(" \t")) and t[:2].upper() != "AT"]
    if len(candidates) != 1:
        raise ParseError(" | ".join(candidates), f"expected one {name} line, got {len(candidates)}")
    line = candidates[0]
    try:
        value = Field(line)
        if line.startswith(prefix):
            head, fields = split_line(line)
            if head != prefix or len(fields) != 1:
                raise ValueError(f"not a {prefix}: line with one value")
            value = fields[0]
        return read_digits(value, name, low_digits=digits[0], high_digits=digits[1])
    except ValueError as exc:
        raise ParseError(line, str(exc)) from exc

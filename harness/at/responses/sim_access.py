"""at layer: the answers of SIM access, +CRSM (restricted, TS 27.007 §8.18) and +CSIM (generic, §8.17).

- `+CRSM: <sw1>,<sw2>[,<response>]`: the status word as two decimal bytes and, for a command that returns
  data, the data as a hex string (quoted or not: modules differ). An empty response is no data.
- `+CSIM: <length>,<response>`: the card's whole answer as hex, status word last; `<length>` counts the hex
  characters (§8.17), so it must match the response and be even, with at least the 4 of the status word.
Hex may be lowercase. What the status word means is harness.sim_card's (ETSI TS 102 221 §10.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at.fields import Field, require_int
from harness.at.responses.registry import count_between, parses

_STATUS_WORD_HEX = 4
_MAX_APDU_HEX = 2 * (256 + 2)  # a short APDU answer: up to 256 data bytes and the status word (102 221 §10)


@dataclass(frozen=True, slots=True, kw_only=True)
class Crsm:
    """+CRSM: the status word bytes and the data the card returned (empty when none)."""

    sw1: int
    sw2: int
    response: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Csim:
    """+CSIM: `length` as sent, the data before the status word, and the status word bytes."""

    length: int
    response: bytes
    sw1: int
    sw2: int


def read_hex_bytes(field: Field, name: str) -> bytes:
    """A field of hex digit pairs as bytes (empty for an empty field); ValueError otherwise."""
    text = field.text.strip(" \t")
    if len(text) % 2:
        raise ValueError(f"{name} {text!r} has an odd number of hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a hex string") from None


@parses("+CRSM")
def _read_crsm(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Crsm:
    count_between(fields, "+CRSM", low=2, high=3)
    sw1 = require_int(fields[0], "+CRSM sw1", low=0, high=255)
    sw2 = require_int(fields[1], "+CRSM sw2", low=0, high=255)
    response = read_hex_bytes(fields[2], "+CRSM response") if len(fields) == 3 else b""
    return Crsm(sw1=sw1, sw2=sw2, response=response)


@parses("+CSIM")
def _read_csim(line: str, fields: tuple[Field, ...], solicited: bool | None) -> Csim:
    count_between(fields, "+CSIM", low=2, high=2)
    length = require_int(fields[0], "+CSIM length", low=_STATUS_WORD_HEX, high=_MAX_APDU_HEX)
    answer = read_hex_bytes(fields[1], "+CSIM response")
    if 2 * len(answer) != length:
        raise ValueError(f"+CSIM length {length} does not count the {2 * len(answer)} hex digits sent")
    return Csim(length=length, response=answer[:-2], sw1=answer[-2], sw2=answer[-1])

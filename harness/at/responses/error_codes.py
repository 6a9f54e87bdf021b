"""at layer: the +CME ERROR and +CMS ERROR result codes, numeric (AT+CMEE=1) or verbose (AT+CMEE=2), with
their code tables (TS 27.007 §9.2; TS 27.005 §3.2.5; ../shared/reference/cellular-iot.md §1.7).

A numeric line gets its text and a verbose line its code, from the table of its own kind: +CME and +CMS codes
overlap (301 is "SMS service of ME reserved" as +CMS, a BC660K internal error as +CME) and are never mixed.
Texts are 27.007's wording as ModemManager reproduces it [S8] and, for codes it does not list, the BC660K
manual's (Table 5 and 6 [S5]; its "Mission or unknown APN" read as "missing"). Verbose lines are matched
without regard to case, punctuation, "USIM" for "SIM" or British spelling, and through the aliases vendors
use. Manufacturer codes (BC660K 301-312 and 602, ML307R 550-582) belong to the dialects: here their text is
None, as is the code of a verbose text the table does not hold.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from harness.at.fields import Field
from harness.at.framing import FinalKind, parse_final
from harness.at.responses.registry import parses


@dataclass(frozen=True, slots=True)
class ErrorCodeTable:
    """Codes -> (text, *aliases) of one result-code kind."""

    names: Mapping[int, tuple[str, ...]]

    def text_of(self, code: int) -> str | None:
        names = self.names.get(code)
        return None if names is None else names[0]

    def code_of(self, text: str) -> int | None:
        key = _key(text)
        return next((code for code, names in self.names.items() if key in map(_key, names)), None)


def _key(text: str) -> str:
    words = re.sub(r"[^0-9a-z]+", " ", text.casefold()).split()
    return " ".join({"usim": "sim", "personalisation": "personalization"}.get(w, w) for w in words)


CME_ERRORS = ErrorCodeTable(
    MappingProxyType(
        {
            0: ("phone failure",),
            1: ("no connection to phone", "MT not connected"),
            2: ("phone-adaptor link reserved", "MT link reserved"),
            3: ("operation not allowed",),
            4: ("operation not supported",),
            5: ("PH-SIM PIN required",),
            6: ("PH-FSIM PIN required",),
            7: ("PH-FSIM PUK required",),
            10: ("SIM not inserted",),
            11: ("SIM PIN required",),
            12: ("SIM PUK required",),
            13: ("SIM failure",),
            14: ("SIM busy",),
            15: ("SIM wrong",),
            16: ("incorrect password",),
            17: ("SIM PIN2 required",),
            18: ("SIM PUK2 required",),
            20: ("memory full",),
            21: ("invalid index",),
            22: ("not found",),
            23: ("memory failure",),
            24: ("text string too long",),
            25: ("invalid characters in text string",),
            26: ("dial string too long",),
            27: ("invalid characters in dial string",),
            30: ("no network service",),
            31: ("network timeout",),
            32: ("network not allowed - emergency calls only", "network not allowed - emergency call only"),
            40: ("network personalization PIN required",),
            41: ("network personalization PUK required",),
            42: ("network subset personalization PIN required",),
            43: ("network subset personalization PUK required",),
            44: ("service provider personalization PIN required",),
            45: ("service provider personalization PUK required",),
            46: ("corporate personalization PIN required",),
            47: ("corporate personalization PUK required",),
            48: ("hidden key required",),
            49: ("EAP method not supported", "EAP method not support"),
            50: ("incorrect parameters",),
            51: ("command implemented but currently disabled",),
            52: ("command aborted by user",),
            53: ("not attached to network due to MT functionality restrictions",),
            54: ("modem not allowed - MT restricted to emergency calls only",),
            55: ("operation not allowed because of MT functionality restrictions",),
            56: ("fixed dialing allowed only - dialed number is not a telephone number",),
            57: ("temporarily out of service due to other MT usage",),
            58: ("language/alphabet not supported",),
            59: ("data value out of range",),
            60: ("system failure",),
            61: ("data missing",),
            62: ("call barred",),
            63: ("message waiting indication subscription failure",),
            100: ("unknown",),
            103: ("illegal MS",),
            106: ("illegal ME",),
            107: ("GPRS services not allowed", "GPRS service not allowed"),
            108: ("GPRS services and non-GPRS services not allowed",),
            111: ("PLMN not allowed",),
            112: ("location area not allowed",),
            113: ("roaming not allowed in this location area",),
            114: ("GPRS services not allowed in this PLMN",),
            115: ("no suitable cells in location area",),
            122: ("congestion",),
            126: ("insufficient resources",),
            127: ("missing or unknown APN", "mission or unknown APN"),
            128: ("unknown PDP address or PDP type",),
            129: ("user authentication failed",),
            130: ("activation of PDN rejected by GGSN, Serving GW or PDN GW",),
            131: ("activation of PDN rejected for unknown cause",),
            132: ("service option not supported",),
            133: ("requested service option not subscribed",),
            134: ("service option temporarily out of order",),
            140: ("feature not supported",),
            141: ("semantic errors in the TFT operation",),
            142: ("syntactical errors in the TFT operation",),
            143: ("unknown PDP context",),
            144: ("semantic errors in packet filters",),
            145: ("syntactical errors in packet filters",),
            146: ("PDP context without TFT already activated",),
            148: ("unspecified GPRS error",),
            149: ("PDP authentication failure",),
            150: ("invalid mobile class",),
            171: ("last PDN disconnection not allowed",),
            172: ("semantically incorrect message",),
            173: ("mandatory information element error",),
            174: ("information element non-existent or not implemented",),
            175: ("conditional IE error",),
            176: ("protocol error, unspecified",),
            177: ("operator determined barring",),
            178: ("maximum number of PDP contexts reached", "reaching max number of PDP contexts"),
            179: ("requested APN not supported in current RAT and PLMN combination",),
            180: ("request rejected, bearer control mode violation",),
            181: ("unsupported QCI value",),
            182: ("user data transmission via control plane is congested",),
        }
    )
)

# 27.005 §3.2.5: 0-127 are TS 24.011 causes and 128-255 TS 23.040 ones (no text here), 300-500 the MT's own.
CMS_ERRORS = ErrorCodeTable(
    MappingProxyType(
        {
            300: ("ME failure",),
            301: ("SMS service of ME reserved",),
            302: ("operation not allowed",),
            303: ("operation not supported",),
            304: ("invalid PDU mode parameter",),
            305: ("invalid text mode parameter",),
            310: ("SIM not inserted",),
            311: ("SIM PIN required",),
            312: ("PH-SIM PIN required",),
            313: ("SIM failure",),
            314: ("SIM busy",),
            315: ("SIM wrong",),
            316: ("SIM PUK required",),
            317: ("SIM PIN2 required",),
            318: ("SIM PUK2 required",),
            320: ("memory failure",),
            321: ("invalid memory index",),
            322: ("memory full",),
            330: ("SMSC address unknown",),
            331: ("no network service",),
            332: ("network timeout",),
            340: ("no +CNMA acknowledgement expected",),
            500: ("unknown error",),
        }
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CmeError:
    """+CME ERROR (TS 27.007 §9.2): `code` and `text`, one as sent and the other from CME_ERRORS."""

    code: int | None
    text: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CmsError:
    """+CMS ERROR (TS 27.005 §3.2.5): `code` and `text`, one as sent and the other from CMS_ERRORS."""

    code: int | None
    text: str | None


@parses(FinalKind.CME_ERROR.value, FinalKind.CMS_ERROR.value)
def _read_error(line: str, fields: tuple[Field, ...], solicited: bool | None) -> CmeError | CmsError:
    final = parse_final(line)
    if final is None or (final.code is None and final.reason is None):
        raise ValueError("an error result code with neither a number nor a text")
    kind, table = (CmeError, CME_ERRORS) if final.kind is FinalKind.CME_ERROR else (CmsError, CMS_ERRORS)
    if final.code is not None:
        return kind(code=final.code, text=table.text_of(final.code))
    assert final.reason is not None
    return kind(code=table.code_of(final.reason), text=final.reason)

"""at layer: typed readers for information lines and URCs (DESIGN "Public names": harness.at.responses).

`parse(line, *, solicited=None)` returns a frozen dataclass, None for a line it does not know, and raises
ParseError for a known prefix it cannot read: never a wrong value. Field names follow TS 27.007 in snake case;
raw values are kept and converted ones added; 27.007's "unknown" codes (99, 255) become None. One parser per
prefix, registered with @parses in the module of its command group (registry.py says how); importing this
package registers them all. Bare answer lines (AT+CIMI's IMSI, AT+CGSN's IMEI) have no prefix to recognise:
read_imsi and read_imei read them from a response's lines.
"""

from harness.at.responses.error_codes import CME_ERRORS, CMS_ERRORS, CmeError, CmsError, ErrorCodeTable
from harness.at.responses.identity import Cclk, Cgsn, Cpin, Iccid, read_imei, read_imsi
from harness.at.responses.operators import Cops, CopsEntry, CopsList
from harness.at.responses.packet_domain import Cgact, Cgdcont, Cgpaddr, Cscon
from harness.at.responses.power_saving import Cedrxp, Cedrxrdp, Cedrxs, Cpsms, EdrxParameters
from harness.at.responses.registration import C5greg, Cereg, Cgreg, Creg
from harness.at.responses.registry import Parser, known_prefixes, parse, parse_as, parses
from harness.at.responses.signal_quality import Cesq, Csq
from harness.at.responses.sim_access import Crsm, Csim

__all__ = [
    "CME_ERRORS",
    "CMS_ERRORS",
    "C5greg",
    "Cclk",
    "Cedrxp",
    "Cedrxrdp",
    "Cedrxs",
    "Cereg",
    "Cesq",
    "Cgact",
    "Cgdcont",
    "Cgpaddr",
    "Cgreg",
    "Cgsn",
    "CmeError",
    "CmsError",
    "Cops",
    "CopsEntry",
    "CopsList",
    "Cpin",
    "Cpsms",
    "Creg",
    "Crsm",
    "Cscon",
    "Csim",
    "Csq",
    "EdrxParameters",
    "ErrorCodeTable",
    "Iccid",
    "Parser",
    "known_prefixes",
    "parse",
    "parse_as",
    "parses",
    "read_imei",
    "read_imsi",
]

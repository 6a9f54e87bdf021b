"""at layer: what may be written as a command, string arguments quoted safely, the response prefix a
command's information lines carry, and the command's form.

A command is one line of printable ASCII (ITU-T V.250: a command line ends with S3 = CR; a CR or LF inside
it would end it early and start a second command). Values that come from plans or rigs go through
quote_arg(), which also refuses `;` (V.250 concatenates commands with it) and `\\` (V.250 string constants
may carry `\\<hex><hex>` escapes: `\\22` would be a quote to a module that decodes them).
"""

from __future__ import annotations

import re
from enum import StrEnum

_HEAD = re.compile(r"\s*AT([+#%$^][A-Z0-9_]+)\s*(=\?|\?|=)?", re.IGNORECASE)
_FORBIDDEN_IN_ARG = frozenset('";\\')


def check_command(cmd: str) -> None:
    """ValueError unless `cmd` is one non-empty line of printable ASCII."""
    if not cmd.strip():
        raise ValueError("an AT command must not be empty")
    bad = [c for c in cmd if not (c.isascii() and c.isprintable())]
    if bad:
        raise ValueError(
            f"AT command {cmd!r} contains {bad[0]!r}: a command is one line of printable ASCII "
            "(CR or LF would end it early and let the rest run as a second command)"
        )


def quote_arg(value: str) -> str:
    """`value` as a quoted AT string argument (`"CMNBIOT"`), or ValueError naming what it may not hold."""
    bad = [c for c in value if not (c.isascii() and c.isprintable()) or c in _FORBIDDEN_IN_ARG]
    if bad:
        raise ValueError(
            f"AT string argument {value!r} contains {bad[0]!r}: quotes, ';', '\\', control characters "
            "and non-ASCII characters are not allowed (they could end the string or chain a second command)"
        )
    return f'"{value}"'


def response_prefix(cmd: str) -> str | None:
    """The prefix of the command's own information lines: `AT+CEREG?` -> `+CEREG`, `AT+QIRD=0,512` ->
    `+QIRD`, `AT#XPING=...` -> `#XPING`; None for basic commands (`ATE0`, `ATI`). Only the first command
    of a `;`-chained line is seen."""
    return read_head(cmd)[0]


class CommandForm(StrEnum):
    """The four forms of an extended command (ITU-T V.250 §5.4.2, 3GPP TS 27.007 §4.1); basic commands
    (`ATE0`, `ATI`, `AT`) count as execute."""

    TEST = "=?"
    READ = "?"
    SET = "="
    EXECUTE = ""


def command_form(cmd: str) -> CommandForm:
    """`AT+CEREG=?` test, `AT+CEREG?` read, `AT+CEREG=2` set, `AT+CGMI` execute. Only the first command of
    a `;`-chained line is seen."""
    return read_head(cmd)[1]


def read_head(cmd: str) -> tuple[str | None, CommandForm]:
    """The response prefix and the form of a command, read in one match (the session needs both for every
    command it writes)."""
    found = _HEAD.match(cmd)
    if found is None:
        return None, CommandForm.EXECUTE
    return found[1].upper(), CommandForm(found[2] or "")

"""dialects layer: the ECM/RNDIS dial-up of China Mobile OneMO Cat-1 modules (ML307R), which starts the data
call behind the module's host data interface (via="host").

Syntax from a secondary source (cellular-iot.md §3.4 [S11], "verify"): `AT+MDIALUP=<cid>,1` dials and the
module reports `+MDIALUP: <cid>,1,<ip>` once the call is up. Judgement where that source says nothing (the
same as the virtual ML307R's, harness.virtual.cmcc_dialup): `AT+MDIALUP=<cid>,0` hangs up, and
`+MDIALUP: <cid>,0` reports a call that went down. The call's mode (`AT+MDIALUPCFG="mode"`, ECM or RNDIS)
is left as the module has it: the rig's host driver decides which one it needs.
"""

from __future__ import annotations

from harness.at import ATCommandError, ATSession, Urc
from harness.at.fields import split_line
from harness.errors import ATTimeout, ModemError

DIALUP_URC = "+MDIALUP"
DEFAULT_CID = 1  # the source's example dials context 1
HANG_UP, DIAL = 0, 1


def dial(session: ATSession, cid: int, *, timeout_s: float) -> str:
    """Dial context `cid` and wait for the module to report the call up; the address it reports."""
    session.add_urc_prefix(DIALUP_URC)
    command = f"AT+MDIALUP={int(cid)},{DIAL}"
    try:
        response = session.send(command)
        urc = session.wait_for_urc(
            DIALUP_URC,
            timeout_s=timeout_s,
            match=lambda urc: _state_of(urc, cid) is not None,
            since_s=response.started_s,
        )
    except ATCommandError as error:
        raise ModemError(f"{command} refused: {error}") from error
    except ATTimeout as error:
        raise ModemError(f"{command}: no {DIALUP_URC}: {cid},... within {timeout_s:g} s") from error
    state, address = _state_of(urc, cid) or (HANG_UP, "")
    if state != DIAL:
        raise ModemError(f"{command}: the module reported the call down ({urc.line})")
    return address


def hang_up(session: ATSession, cid: int) -> None:
    session.send(f"AT+MDIALUP={int(cid)},{HANG_UP}")


def _state_of(urc: Urc, cid: int) -> tuple[int, str] | None:
    """(state, address) of a `+MDIALUP: <cid>,<state>[,<ip>]` report for this context, else None."""
    try:
        _, fields = split_line(urc.line)
        if len(fields) < 2 or int(fields[0].text) != cid:
            return None
        return int(fields[1].text), fields[2].text if len(fields) > 2 else ""
    except ValueError:
        return None

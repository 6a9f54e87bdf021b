"""at layer: the AT command engine (session, framing, transcript) and typed readers of module answers.

DESIGN "Public names": ATSession with send / send_payload / wait_for_urc / subscribe; errors ATCommandError,
ATTimeout and PortLost (defined in harness.errors, re-exported here); the transcript grammar, which is also
the replay grammar (transcript.py).
"""

from harness.at.command import quote_arg
from harness.at.exchange import ATResponse, Urc
from harness.at.framing import FinalKind, data_length_field
from harness.at.session import ATSession, SerialPort
from harness.at.transcript import Direction, Transcript, TranscriptEntry, read_transcript
from harness.at.urcs import DEFAULT_URC_PREFIXES
from harness.errors import ATCommandError, ATError, ATTimeout, ParseError, PortLost

__all__ = [
    "DEFAULT_URC_PREFIXES",
    "ATCommandError",
    "ATError",
    "ATResponse",
    "ATSession",
    "ATTimeout",
    "Direction",
    "FinalKind",
    "ParseError",
    "PortLost",
    "SerialPort",
    "Transcript",
    "TranscriptEntry",
    "Urc",
    "data_length_field",
    "quote_arg",
    "read_transcript",
]

"""server layer: the control protocol of `miot server`, line-delimited JSON over TCP.

Every message is one JSON object on one line (UTF-8, ending in "\\n"). The first request on a connection
must be `{"op": "hello", "token": "<token>"}`; the token is compared in constant time (hmac.compare_digest)
with the one the server read from its environment (TOKEN_ENV). A missing or wrong token, or any other first
line, gets `{"ok": false, "error": "refused"}` and the connection is closed. Then:

    {"id": 1, "op": "open_session", "kind": "udp_sink", "params": {...}}  -> {"session": SessionInfo}
    {"id": 2, "op": "counters", "session_id": "..."}                      -> {"counters": SessionCounters}
    {"id": 3, "op": "close_session", "session_id": "..."}                 -> {"counters": SessionCounters}
    {"id": 4, "op": "fetch", "session_id": "...", "what": "capture"|"samples"|"iperf3", "offset": 0}
        -> {"data": "<base64>", "offset": 0, "total_bytes": N, "is_eof": false}
    {"id": 5, "op": "discard_session", "session_id": "..."}               -> {}

Answers are `{"id": <same>, "ok": true, "result": {...}}` or `{"id": <same>, "ok": false, "error": "..."}`.
`fetch` streams a blob in chunks of at most CHUNK_BYTES, the client asking for each offset in turn:
`capture` is the session's pcap (once it is closed), `samples` its samples table as Parquet, `iperf3` the
iperf3 JSON report.

Limits, so that junk cannot grow the server's memory (with those of harness.server.local and .samples):
- a request line is at most MAX_LINE_BYTES; a longer one gets an error and the connection is closed,
  because the rest of it cannot be framed;
- MAX_BAD_REQUESTS requests in a row that fail to parse, name an unknown op or are refused close it;
- the hello must come within AUTH_TIMEOUT_S; at most MAX_CONNECTIONS connections at once;
- each connection owns its sessions (harness.server.local: MAX_OPEN_SESSIONS open, MAX_KEPT_SESSIONS kept);
  they are discarded when it ends;
- one blob is held per connection while it is fetched.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from enum import StrEnum
from typing import IO, Any

import pandas as pd

from harness.server.session import ServerError

TOKEN_ENV = "MIOT_SERVER_TOKEN"
DEFAULT_PORT = 7780
MAX_LINE_BYTES = 16 * 1024
CHUNK_BYTES = 48 * 1024
# A reply line holds one chunk in base64 (4/3 of it) plus a little JSON around it.
MAX_REPLY_LINE_BYTES = CHUNK_BYTES * 2
MAX_CONNECTIONS = 16
MAX_BAD_REQUESTS = 8
AUTH_TIMEOUT_S = 5.0
REFUSED = "refused"


class Op(StrEnum):
    HELLO = "hello"
    OPEN_SESSION = "open_session"
    CLOSE_SESSION = "close_session"
    DISCARD_SESSION = "discard_session"
    COUNTERS = "counters"
    FETCH = "fetch"


class Blob(StrEnum):
    CAPTURE = "capture"
    SAMPLES = "samples"
    IPERF3 = "iperf3"


class LineTooLong(ServerError):
    """A line longer than the limit: the stream can no longer be framed."""


def encode_line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def decode_line(line: bytes) -> dict[str, Any]:
    """One message; ServerError for anything but a JSON object."""
    try:
        message = json.loads(line)
    except ValueError as error:
        raise ServerError(f"not a JSON line: {error}") from None
    if not isinstance(message, dict):
        raise ServerError(f"expected a JSON object, got {type(message).__name__}")
    return message


def read_line(stream: IO[bytes], *, limit_bytes: int) -> bytes | None:
    """The next line without its newline; None at the end of the stream; LineTooLong past the limit."""
    line = stream.readline(limit_bytes + 1)
    if not line:
        return None
    if not line.endswith(b"\n"):
        if len(line) > limit_bytes:
            raise LineTooLong(f"a line is longer than {limit_bytes} bytes")
        return None  # the peer went away mid-line
    return line[:-1]


def is_token_valid(given: object, expected: str) -> bool:
    """Constant-time comparison of SHA-256 digests: compare_digest on the tokens themselves answers at once
    when their lengths differ, which tells a guesser the token's length; digests are always 32 bytes."""
    if not isinstance(given, str) or not expected:
        return False
    # surrogatepass: JSON may carry a lone surrogate ("\ud800"), which plain UTF-8 refuses to encode
    given_digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    return hmac.compare_digest(given_digest, hashlib.sha256(expected.encode()).digest())


def frame_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def bytes_frame(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))

"""server layer: the test server the traffic lands on (DESIGN "server").

Sessions (harness.server.session) of six kinds, each on its own port: UDP reflector, UDP and TCP sink, UDP
and TCP source, iperf3. `LocalServer` runs them in this process; `miot server` serves the same sessions to
other hosts over an authenticated line-delimited JSON channel (harness.server.control, .listener), which
`ServerClient` speaks. Both are a `ServerControl`.
"""

from harness.server.client import ServerClient
from harness.server.local import LocalServer
from harness.server.reflector import ReflectorStats, UdpReflector
from harness.server.session import (
    ServerControl,
    ServerError,
    SessionCounters,
    SessionInfo,
    SessionKind,
    SessionParams,
)

__all__ = [
    "LocalServer",
    "ReflectorStats",
    "ServerClient",
    "ServerControl",
    "ServerError",
    "SessionCounters",
    "SessionInfo",
    "SessionKind",
    "SessionParams",
    "UdpReflector",
]

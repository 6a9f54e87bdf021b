"""dialects layer: release assistance on a module's UDP socket: a datagram marked so the network may release
the RRC connection once it is sent (3GPP Rel-14 RAI; cellular-iot.md §5.1 step 3: "RAI shortens it to ≈ 0").

The values are Quectel's <RAI_info> (BG95/BG96 TCP/IP application notes [S13], cellular-iot.md §3.1): 0 no
information, 1 no further uplink or downlink data expected, 2 one downlink response expected after this
uplink. A socket that can mark a datagram has `send_with_release`; a dialect whose sockets all can lists
the RAI capability, so a procedure that asks for it skips on a module that cannot (STYLE 11).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol, runtime_checkable

from harness.dialects.modem import ModuleSocket

RAI = "rai"  # capability: the module's UDP sockets send with release assistance


class ReleaseAssistance(IntEnum):
    NONE = 0
    NO_FURTHER_DATA = 1
    ONE_RESPONSE = 2


@runtime_checkable
class ReleaseAssistingSocket(ModuleSocket, Protocol):
    def send_with_release(self, payload: bytes, release: ReleaseAssistance) -> float:
        """Like send, the datagram marked with `release`; returns the session time the command was written."""
        ...

"""virtual layer: the PDP contexts a virtual module keeps (3GPP TS 27.007 §10.1.1).

The attach context (cid 0 on BC660K, defined at startup and set with AT+QCGDEFCONT [S5 §5.4, §5.6]; cid 1
elsewhere, as 27.007 dialects expect) exists from power-on with PDP type IP and no APN; others are defined
and undefined with +CGDCONT. Only the attach context is activated (it gets the module's address while
registered). Definitions are NVRAM settings on the real modules: they survive a reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

PDP_TYPES = MappingProxyType({"IP": "IP", "IPV6": "IPV6", "IPV4V6": "IPV4V6", "NON-IP": "Non-IP"})
MAX_CID = 15  # 27.007 leaves the range to the module; 15 covers the modules modelled (judgement)


@dataclass(frozen=True, slots=True, kw_only=True)
class PdpContext:
    cid: int
    pdp_type: str
    apn: str


class PdpContexts:
    def __init__(self, *, attach_cid: int) -> None:
        self.attach_cid = attach_cid
        self.cids = range(attach_cid, MAX_CID + 1)
        self._contexts = {attach_cid: PdpContext(cid=attach_cid, pdp_type="IP", apn="")}

    @property
    def attach_context(self) -> PdpContext:
        return self._contexts[self.attach_cid]

    def all(self) -> list[PdpContext]:
        return [self._contexts[cid] for cid in sorted(self._contexts)]

    def define(self, cid: int, pdp_type: str, apn: str) -> None:
        """ValueError for a cid outside the range or an unknown PDP type."""
        if cid not in self.cids:
            raise ValueError(f"cid {cid} is outside {self.cids.start}-{self.cids.stop - 1}")
        shown = PDP_TYPES.get(pdp_type.upper())
        if shown is None:
            raise ValueError(f"PDP type {pdp_type!r} is not one of {', '.join(PDP_TYPES.values())}")
        self._contexts[cid] = PdpContext(cid=cid, pdp_type=shown, apn=apn)

    def undefine(self, cid: int) -> None:
        """The attach context cannot be undefined (it is the default EPS bearer's): ValueError."""
        if cid == self.attach_cid:
            raise ValueError(f"cid {cid} is the attach context")
        self._contexts.pop(cid, None)

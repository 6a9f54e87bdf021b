"""virtual layer: a virtual module's power saving requests (PSM, eDRX) and what the network granted.

Requests come from +CPSMS and +CEDRXS (3GPP TS 27.007 §7.38, §7.40) or vendor commands (BC660K AT+QPSMS,
AT+QEDRXCFG [S5 §9.6, §9.9]); grants from harness.virtual.network_policy, when the module registers or asks
again while registered (a tracking area update carries the new request, cellular-iot.md §5.1 step 1). The
read forms: +CPSMS? shows the request, +CEREG n=4/5 and AT+QPSMS? the grant (cellular-iot.md §1.5, §6 item 7);
+CEDRXRDP and +CEDRXP show requested, network-provided and PTW, AcT-type 0 when the cell gives no eDRX.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from harness.timer_codes import decode_edrx, decode_gprs_timer2, decode_gprs_timer3, decode_ptw, encode_edrx
from harness.virtual.idle_mode import DEFAULT_T3412_S, IdleTimers
from harness.virtual.network_policy import EdrxGrant, NetworkPolicy, PsmGrant, grant_edrx, grant_psm

EDRX_NOT_USED = 0  # <AcT-type> 0: the cell does not use eDRX (27.007 §7.41)
# +CEDRXS AcT-type -> the RAT name harness.timer_codes reads eDRX values for
EDRX_RATS = MappingProxyType({4: "lte", 5: "nbiot"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Grants:
    psm: PsmGrant | None
    edrx: EdrxGrant | None


class PowerSaving:
    def __init__(self, *, edrx_act_type: int | None) -> None:
        self.edrx_act_type = edrx_act_type
        self.psm_mode = 0
        self.requested_periodic_tau_bits: str | None = None
        self.requested_active_time_bits: str | None = None
        self.edrx_mode = 0
        self.requested_edrx_bits: str | None = None
        self.requested_ptw_bits: str | None = None
        self.grants = Grants(psm=None, edrx=None)

    # --- what the module asks for ----------------------------------------------------------------------

    def request_psm(self, mode: int, *, periodic_tau_bits: str | None, active_time_bits: str | None) -> None:
        """+CPSMS=<mode>[,,,<T3412-ext>[,<T3324>]]: mode 2 also forgets the timers (27.007 §7.38)."""
        self.psm_mode = 1 if mode == 1 else 0
        if mode == 2:
            self.requested_periodic_tau_bits = self.requested_active_time_bits = None
        if periodic_tau_bits is not None:
            self.requested_periodic_tau_bits = periodic_tau_bits
        if active_time_bits is not None:
            self.requested_active_time_bits = active_time_bits

    def request_edrx(self, mode: int, *, edrx_bits: str | None, ptw_bits: str | None = None) -> None:
        """+CEDRXS=<mode>[,<AcT-type>[,<eDRX>]]: mode 3 also forgets the values (27.007 §7.40)."""
        self.edrx_mode = 0 if mode == 3 else mode
        if mode == 3:
            self.requested_edrx_bits = self.requested_ptw_bits = None
        if edrx_bits is not None:
            self.requested_edrx_bits = edrx_bits
        if ptw_bits is not None:
            self.requested_ptw_bits = ptw_bits

    @property
    def is_edrx_urc_on(self) -> bool:
        return self.edrx_mode == 2

    # --- what the network granted ------------------------------------------------------------------------

    def negotiate(self, policy: NetworkPolicy) -> tuple[bool, bool]:
        """Ask the network again (attach or TAU); whether the PSM grant and the eDRX grant changed."""
        psm = None
        if self.psm_mode == 1:
            psm = grant_psm(
                policy,
                periodic_tau_bits=self.requested_periodic_tau_bits,
                active_time_bits=self.requested_active_time_bits,
            )
        edrx = None
        usable_bits = self._usable_edrx_bits()
        if self.edrx_mode in (1, 2) and self.requested_edrx_bits is not None and usable_bits is not None:
            edrx = grant_edrx(
                policy,
                requested_bits=self.requested_edrx_bits,
                usable_bits=usable_bits,
                requested_ptw_bits=self.requested_ptw_bits,
            )
        previous, self.grants = self.grants, Grants(psm=psm, edrx=edrx)
        return previous.psm != psm, previous.edrx != edrx

    def forget_grants(self) -> None:
        """Deregistered: nothing is granted any more."""
        self.grants = Grants(psm=None, edrx=None)

    @property
    def granted_timers(self) -> tuple[str, str] | None:
        """(Active-Time, Periodic-TAU) as +CEREG n=4 shows them; None while nothing was granted."""
        psm = self.grants.psm
        return None if psm is None else (psm.active_time_bits, psm.periodic_tau_bits)

    @property
    def active_time_s(self) -> int | None:
        """Granted T3324; None when PSM is not granted (not asked for, or refused with "111xxxxx")."""
        psm = self.grants.psm
        return None if psm is None else decode_gprs_timer2(psm.active_time_bits)

    @property
    def periodic_tau_s(self) -> int | None:
        psm = self.grants.psm
        return None if psm is None else decode_gprs_timer3(psm.periodic_tau_bits)

    @property
    def edrx_cycle_s(self) -> float | None:
        """The network-provided eDRX cycle in use; None without eDRX."""
        edrx, rat = self.grants.edrx, self._edrx_rat
        if edrx is None or edrx.nw_bits is None or rat is None:
            return None
        return decode_edrx(edrx.nw_bits, rat)

    @property
    def ptw_s(self) -> float | None:
        edrx, rat = self.grants.edrx, self._edrx_rat
        if self.edrx_cycle_s is None or edrx is None or edrx.ptw_bits is None or rat is None:
            return None
        return decode_ptw(edrx.ptw_bits, rat)

    def idle_timers(self, *, paging_cycle_s: float, scale: float) -> IdleTimers:
        """The granted timers as idle mode runs them: seconds times the options' timer_scale; the 24.301
        default T3412 when no extended value was granted."""

        def scaled(seconds: float | None) -> float | None:
            return None if seconds is None else seconds * scale

        return IdleTimers(
            active_time_s=scaled(self.active_time_s),
            periodic_tau_s=(self.periodic_tau_s or DEFAULT_T3412_S) * scale,
            edrx_cycle_s=scaled(self.edrx_cycle_s),
            ptw_s=scaled(self.ptw_s),
            paging_cycle_s=paging_cycle_s * scale,
        )

    def edrx_parameters(self) -> str:
        """<AcT-type>[,<requested>,<NW-provided>,<PTW>] as +CEDRXRDP and +CEDRXP show them."""
        edrx = self.grants.edrx
        if edrx is None or edrx.nw_bits is None or self.edrx_act_type is None:
            return str(EDRX_NOT_USED)
        return f'{self.edrx_act_type},"{edrx.requested_bits}","{edrx.nw_bits}","{edrx.ptw_bits}"'

    def _usable_edrx_bits(self) -> str | None:
        """The code the requested value is read as on this RAT (24.008 §10.5.5.32: NB-S1 reads 0100 as 0010),
        None where it means no eDRX (NB-S1 0000, 0001)."""
        rat, bits = self._edrx_rat, self.requested_edrx_bits
        if rat is None or bits is None:
            return None
        cycle_s = decode_edrx(bits, rat)
        return None if cycle_s is None else encode_edrx(cycle_s, rat).bits

    @property
    def _edrx_rat(self) -> str | None:
        return None if self.edrx_act_type is None else EDRX_RATS.get(self.edrx_act_type)

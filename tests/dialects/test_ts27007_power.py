"""harness.dialects.ts27007_power, through the baseline Modem: PSM and eDRX requested and read with the 27.007
commands, against a scripted fake module. Golden lines are the examples of the BC660K-GL AT manual [S5] §9.1,
§9.2, §9.4 and of cellular-iot.md §1.1 [S7]."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.at import ATCommandError, ATSession
from harness.at.timers import decode_edrx, decode_gprs_timer2, decode_gprs_timer3
from harness.dialects.modem import EdrxState, PsmState, PsmTimers
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, Reply, lines

HOUR_S = 3600
REGISTERED_NBIOT = lines('+CEREG: 2,1,"4C10","05C4EF33",9', "OK")


class AnswerOk(Mapping[str, Reply]):
    """A script that answers OK to every command starting with `prefix` (and ERROR to the rest)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def __getitem__(self, command: str) -> Reply:
        if command.startswith(self.prefix):
            return lines("OK")
        raise KeyError(command)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


# --- PSM --------------------------------------------------------------------------------------------------


def test_psm_reads_what_was_requested_and_what_was_granted(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines('+CPSMS: 1,,," 01000011 "," 01000011 "', "OK"),  # [S5] §9.4, spaces and all
            "AT+CEREG=4": lines("OK"),
            "AT+CEREG?": lines('+CEREG: 4,5,"54DB","0F6B0578",7,,,"00100100","01000111"', "OK"),  # [S7]
        }
    )
    state = Ts27007Modem(fake_session).psm()
    assert state == PsmState(
        is_enabled=True,
        requested=PsmTimers(
            periodic_tau_bits="01000011",
            active_time_bits="01000011",
            periodic_tau_s=30 * HOUR_S,  # as T3412-ext
            active_time_s=18 * 60,  # as T3324: the same bits, another timer
        ),
        granted=PsmTimers(
            periodic_tau_bits="01000111",
            active_time_bits="00100100",
            periodic_tau_s=70 * HOUR_S,
            active_time_s=240,
        ),
    )
    assert state.is_granted
    assert fake_module.commands == ["AT+CPSMS?", "AT+CEREG=4", "AT+CEREG?"]


def test_psm_refused_by_the_network_is_not_granted(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines('+CPSMS: 1,,,"00100001","00000101"', "OK"),
            "AT+CEREG=4": lines("OK"),
            # a URC crossing the read comes first; then the read form with T3324 deactivated [S26]
            "AT+CEREG?": lines(
                '+CEREG: 1,"E485","093F9E11",7,,,"11100000","11100000"',
                '+CEREG: 4,1,"E485","093F9E11",7,,,"11100000","11100000"',
                "OK",
            ),
        }
    )
    state = Ts27007Modem(fake_session).psm()
    assert state.granted == PsmTimers(
        periodic_tau_bits="11100000", active_time_bits="11100000", periodic_tau_s=None, active_time_s=None
    )
    assert not state.is_granted


def test_psm_off_and_not_registered(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CPSMS?": lines("+CPSMS: 0", "OK"),
            "AT+CEREG=4": lines("OK"),
            "AT+CEREG?": lines("+CEREG: 4,2", "OK"),
        }
    )
    assert Ts27007Modem(fake_session).psm() == PsmState(is_enabled=False, requested=None, granted=None)


def test_psm_without_a_cpsms_line_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+CPSMS?"] = lines("OK")
    with pytest.raises(ModemError, match=r"AT\+CPSMS\? gave no \+CPSMS line"):
        Ts27007Modem(fake_session).psm()


@pytest.mark.parametrize(
    ("periodic_tau_s", "active_time_s", "command", "timers"),
    [
        # [S5] §9.4's example timers (30 h, 18 min), coded in the finest unit that holds each exactly
        (30 * HOUR_S, 18 * 60, 'AT+CPSMS=1,,,"00111110","00110010"', (30 * HOUR_S, 18 * 60)),
        (HOUR_S, 60, 'AT+CPSMS=1,,,"00000110","00011110"', (HOUR_S, 60)),  # 6 x 10 min, 30 x 2 s
        # not representable: the next value up (61 s -> 62 s in 2-s units; 61 min -> 70 min in 10-min units)
        (61 * 60, 61, 'AT+CPSMS=1,,,"00000111","00011111"', (70 * 60, 62)),
    ],
    ids=["exact", "finest-unit", "rounded-up"],
)
def test_set_psm_codes_each_timer_not_below_the_request(
    fake_module: FakeModule,
    fake_session: ATSession,
    periodic_tau_s: int,
    active_time_s: int,
    command: str,
    timers: tuple[int, int],
) -> None:
    fake_module.script[command] = lines("OK")
    requested = Ts27007Modem(fake_session).set_psm(periodic_tau_s=periodic_tau_s, active_time_s=active_time_s)
    assert fake_module.commands == [command]
    assert (requested.periodic_tau_s, requested.active_time_s) == timers
    assert (requested.periodic_tau_bits, requested.active_time_bits) == tuple(command.split('"')[1::2])


def test_set_psm_without_timers_turns_it_off(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+CPSMS=0"] = lines("OK")
    assert Ts27007Modem(fake_session).set_psm(periodic_tau_s=None, active_time_s=None) == PsmTimers(
        periodic_tau_bits=None, active_time_bits=None, periodic_tau_s=None, active_time_s=None
    )
    assert fake_module.commands == ["AT+CPSMS=0"]


def test_set_psm_with_one_timer_is_refused_unsent(fake_module: FakeModule, fake_session: ATSession) -> None:
    with pytest.raises(ModemError, match="PSM needs both timers"):
        Ts27007Modem(fake_session).set_psm(periodic_tau_s=HOUR_S, active_time_s=None)
    assert fake_module.commands == []


def test_set_psm_refused_by_the_module_is_an_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script['AT+CPSMS=1,,,"00000110","00011110"'] = lines("+CME ERROR: 4")
    with pytest.raises(ATCommandError, match=r"\+CME ERROR: 4"):
        Ts27007Modem(fake_session).set_psm(periodic_tau_s=HOUR_S, active_time_s=60)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(periodic_tau_s=st.integers(0, 9920 * HOUR_S), active_time_s=st.integers(0, 11160))
def test_set_psm_sends_codes_that_decode_to_at_least_the_request(
    fake_module: FakeModule, fake_session: ATSession, periodic_tau_s: int, active_time_s: int
) -> None:
    fake_module.script = AnswerOk("AT+CPSMS=1,,,")
    fake_module.commands.clear()
    requested = Ts27007Modem(fake_session).set_psm(periodic_tau_s=periodic_tau_s, active_time_s=active_time_s)
    (command,) = fake_module.commands
    tau_bits, active_bits = command.split('"')[1::2]
    assert decode_gprs_timer3(tau_bits) == requested.periodic_tau_s
    assert decode_gprs_timer2(active_bits) == requested.active_time_s
    assert requested.periodic_tau_s is not None
    assert requested.active_time_s is not None
    assert requested.periodic_tau_s >= periodic_tau_s
    assert requested.active_time_s >= active_time_s


# --- eDRX -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "state"),
    [
        (
            '+CEDRXRDP: 5,"0011","0011","0011"',
            EdrxState(act_type=5, requested_edrx_s=40.96, nw_edrx_s=40.96, ptw_s=10.24),
        ),
        (
            '+CEDRXRDP: 4,"1010","1001","1101"',
            EdrxState(act_type=4, requested_edrx_s=327.68, nw_edrx_s=163.84, ptw_s=17.92),
        ),
        ("+CEDRXRDP: 0", EdrxState(act_type=0, requested_edrx_s=None, nw_edrx_s=None, ptw_s=None)),
    ],
    ids=["nb-s1-bc660k-example", "wb-s1", "cell-without-edrx"],
)
def test_edrx_reads_the_dynamic_parameters(
    fake_module: FakeModule, fake_session: ATSession, answer: str, state: EdrxState
) -> None:
    fake_module.script["AT+CEDRXRDP"] = lines(answer, "OK")
    assert Ts27007Modem(fake_session).edrx() == state


@pytest.mark.parametrize(
    ("cycle_s", "command", "requested_s"),
    [
        (81.92, 'AT+CEDRXS=2,5,"0101"', 81.92),  # [S5] §9.1's example value
        (60.0, 'AT+CEDRXS=2,5,"0101"', 81.92),  # 61.44 s is not an NB-S1 cycle: the next one up
        (5.0, 'AT+CEDRXS=2,5,"0010"', 20.48),  # NB-IoT's shortest
    ],
)
def test_set_edrx_on_nbiot_codes_the_cycle_not_below_the_request(
    fake_module: FakeModule, fake_session: ATSession, cycle_s: float, command: str, requested_s: float
) -> None:
    fake_module.script.update({"AT+CEREG?": REGISTERED_NBIOT, command: lines("OK")})
    state = Ts27007Modem(fake_session).set_edrx(cycle_s)
    assert state == EdrxState(act_type=5, requested_edrx_s=requested_s, nw_edrx_s=None, ptw_s=None)
    assert fake_module.commands == ["AT+CEREG?", command]


def test_set_edrx_on_lte_m_uses_the_wb_s1_codes(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {"AT+CEREG?": lines('+CEREG: 2,1,"E485","093F9E11",7', "OK"), 'AT+CEDRXS=2,4,"0100"': lines("OK")}
    )
    assert Ts27007Modem(fake_session).set_edrx(61.44).requested_edrx_s == 61.44


def test_set_edrx_off(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update({"AT+CEREG?": REGISTERED_NBIOT, "AT+CEDRXS=0": lines("OK")})
    assert Ts27007Modem(fake_session).set_edrx(None).requested_edrx_s is None
    assert fake_module.commands[-1] == "AT+CEDRXS=0"


def test_set_edrx_before_registration_cannot_tell_the_rat(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script["AT+CEREG?"] = lines("+CEREG: 2,2", "OK")
    with pytest.raises(ModemError, match=r"cannot tell which eDRX AcT-type to request: \+CEREG AcT is None"):
        Ts27007Modem(fake_session).set_edrx(81.92)
    assert fake_module.commands == ["AT+CEREG?"]


def test_set_edrx_with_a_ptw_is_refused_unsent(fake_module: FakeModule, fake_session: ATSession) -> None:
    with pytest.raises(ModemError, match="cannot request a paging time window"):
        Ts27007Modem(fake_session).set_edrx(81.92, ptw_s=10.24)
    assert fake_module.commands == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cycle_s=st.floats(0.0, 10485.76, allow_nan=False))
def test_set_edrx_sends_a_code_that_decodes_to_at_least_the_request(
    fake_module: FakeModule, fake_session: ATSession, cycle_s: float
) -> None:
    fake_module.script = {"AT+CEREG?": REGISTERED_NBIOT, **_every_nbiot_cedrxs()}
    fake_module.commands.clear()
    state = Ts27007Modem(fake_session).set_edrx(cycle_s)
    bits = fake_module.commands[-1].split('"')[1]
    assert decode_edrx(bits, "nbiot") == state.requested_edrx_s
    assert state.requested_edrx_s is not None
    assert state.requested_edrx_s >= cycle_s


def _every_nbiot_cedrxs() -> dict[str, Reply]:
    return {f'AT+CEDRXS=2,5,"{code:04b}"': lines("OK") for code in range(16)}

"""harness.at.timers: the 24.008 GPRS Timer / Timer 2 / Timer 3 codecs and the eDRX cycle and PTW codecs per
RAT (cellular-iot.md §2; BC660K manual §9.1-9.4 [S5]; Nordic +CEDRXRDP tables [S2])."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.timers import (
    DEACTIVATED_BITS,
    Encoded,
    decode_edrx,
    decode_gprs_timer,
    decode_gprs_timer2,
    decode_gprs_timer3,
    decode_ptw,
    encode_edrx,
    encode_gprs_timer,
    encode_gprs_timer2,
    encode_gprs_timer3,
    encode_ptw,
)
from harness.rat import Rat

HOUR_S = 3600
OCTETS = [f"{o:08b}" for o in range(256)]
NIBBLES = [f"{n:04b}" for n in range(16)]


# The worked examples of ../shared/reference/cellular-iot.md §2.4: bits, T3324, T3412-ext, legacy T3412.
@pytest.mark.parametrize(
    ("bits", "t3324_s", "t3412_ext_s", "t3412_s"),
    [
        ("00000000", 0, 0, 0),
        ("00100001", 60, HOUR_S, 60),
        ("00100100", 4 * 60, 4 * HOUR_S, 4 * 60),
        ("01000011", 18 * 60, 30 * HOUR_S, 18 * 60),
        ("01000111", 42 * 60, 70 * HOUR_S, 42 * 60),
        ("01001001", 54 * 60, 90 * HOUR_S, 54 * 60),
        ("00111000", 24 * 60, 24 * HOUR_S, 24 * 60),
        ("10100101", 5 * 60, 5 * 60, 5 * 60),
        ("11000001", 60, 320 * HOUR_S, 60),
        ("11100000", None, None, None),
        ("01100010", 2 * 60, 4, 2 * 60),
        ("10000011", 3 * 60, 90, 3 * 60),
        ("00000101", 10, 50 * 60, 10),
    ],
)
def test_worked_examples(
    bits: str, t3324_s: int | None, t3412_ext_s: int | None, t3412_s: int | None
) -> None:
    assert decode_gprs_timer2(bits) == t3324_s
    assert decode_gprs_timer3(bits) == t3412_ext_s
    assert decode_gprs_timer(bits) == t3412_s


@pytest.mark.parametrize("bits", ["", "0000000", "000000000", "0000000x", "00 00000"])
def test_bad_bit_strings_are_refused(bits: str) -> None:
    with pytest.raises(ValueError, match="8 characters"):
        decode_gprs_timer3(bits)


def test_encoding_rounds_up_and_says_so() -> None:
    exact = encode_gprs_timer2(660)
    assert (exact.bits, exact.seconds, exact.is_exact) == ("00101011", 660, True)  # §2.4: 11 x 1 min
    rounded = encode_gprs_timer2(61)
    assert (rounded.bits, rounded.seconds, rounded.requested_s, rounded.is_exact) == (
        "00011111",
        62,
        61,
        False,
    )
    assert encode_gprs_timer2(63).bits == "00100010"  # 62 s is the largest 2 s value; 2 min comes next
    assert encode_gprs_timer3(660).bits == "10010110"  # 22 x 30 s: as exact as 11 x 1 min, finer unit
    assert encode_gprs_timer(54 * 60).bits == "01001001"  # the 24.301 default T3412
    assert encode_gprs_timer3(1_000_000).seconds == 28 * 10 * HOUR_S
    assert encode_gprs_timer3(31 * 10 * HOUR_S + 1).seconds == 320 * HOUR_S  # past the 10 h unit


def test_zero_deactivated_and_out_of_range_requests() -> None:
    assert encode_gprs_timer2(0).bits == "00000000"
    assert encode_gprs_timer3(0).bits == "00000000"
    deactivated = encode_gprs_timer3(None)
    assert (deactivated.bits, deactivated.seconds, deactivated.is_exact) == (DEACTIVATED_BITS, None, True)
    with pytest.raises(ValueError, match="above the largest"):
        encode_gprs_timer2(31 * 360 + 1)
    with pytest.raises(ValueError, match="above the largest"):
        encode_gprs_timer3(31 * 320 * HOUR_S + 1)
    for request in (-2, math.nan):
        with pytest.raises(ValueError, match="not a duration"):
            encode_gprs_timer3(request)


def test_an_encoded_value_is_its_bit_string_where_text_is_wanted() -> None:
    coded = encode_gprs_timer3(70 * HOUR_S)
    assert f'AT+CPSMS=1,,,"{coded}"' == 'AT+CPSMS=1,,,"01000111"'
    assert decode_gprs_timer3(coded) == 70 * HOUR_S


TimerCodec = tuple[
    Callable[[str | Encoded[int | None]], int | None],
    Callable[[float | None], Encoded[int | None]],
    tuple[int, ...],
]
# Each timer with the unit codes its table defines (the encoder never picks "other values read as 1 min").
TIMERS: dict[str, TimerCodec] = {
    "gprs_timer": (decode_gprs_timer, encode_gprs_timer, (0, 1, 2)),
    "gprs_timer2": (decode_gprs_timer2, encode_gprs_timer2, (0, 1, 2)),
    "gprs_timer3": (decode_gprs_timer3, encode_gprs_timer3, (0, 1, 2, 3, 4, 5, 6)),
}


def representable(name: str) -> list[int]:
    decode, _, codes = TIMERS[name]
    values = (decode(bits) for bits in OCTETS if int(bits, 2) >> 5 in codes)
    return sorted({v for v in values if v is not None})


@given(name=st.sampled_from(sorted(TIMERS)), data=st.data())
def test_timer_encoding_is_the_smallest_representable_value_not_below(name: str, data: st.DataObject) -> None:
    decode, encode, _ = TIMERS[name]
    values = representable(name)
    request = data.draw(st.floats(min_value=0, max_value=values[-1]) | st.integers(0, values[-1]))
    coded = encode(request)
    assert coded.seconds is not None
    assert decode(coded.bits) == coded.seconds >= request
    assert coded.seconds == min(v for v in values if v >= request)
    assert coded.is_exact == (coded.seconds == request)


@given(name=st.sampled_from(sorted(TIMERS)), bits=st.sampled_from(OCTETS))
def test_timer_decode_encode_decode_is_stable(name: str, bits: str) -> None:
    decode, encode, _ = TIMERS[name]
    seconds = decode(bits)
    coded = encode(seconds)
    assert decode(coded) == seconds
    assert coded.is_exact


# --- eDRX -------------------------------------------------------------------------------------------------

# BC660K §9.1 (NB-S1) and Nordic's +CEDRXRDP table (WB-S1) [S5][S2].
NB_S1_CYCLES_S = {
    "0010": 20.48,
    "0011": 40.96,
    "0101": 81.92,
    "1001": 163.84,
    "1010": 327.68,
    "1011": 655.36,
    "1100": 1310.72,
    "1101": 2621.44,
    "1110": 5242.88,
    "1111": 10485.76,
}
WB_S1_CYCLES_S = [5.12, 10.24, 20.48, 40.96, 61.44, 81.92, 102.4, 122.88, 143.36, 163.84, 327.68, 655.36]
WB_S1_CYCLES_S += [1310.72, 2621.44, 2621.44, 2621.44]  # 1110 and 1111 are read as 1101


@pytest.mark.parametrize("rat", ["ltem", "lte", Rat.LTE_M, Rat.CAT1])
def test_wb_s1_cycles(rat: str) -> None:
    assert [decode_edrx(bits, rat) for bits in NIBBLES] == WB_S1_CYCLES_S


def test_nb_s1_cycles_and_the_codes_read_as_others() -> None:
    for bits in NIBBLES:
        expected = NB_S1_CYCLES_S.get(bits, 20.48)  # 0100, 0110, 0111, 1000 are read as 0010
        assert decode_edrx(bits, Rat.NB_IOT) == (None if bits in ("0000", "0001") else expected)


def test_nr_reads_the_e_utran_lengths_without_the_lte_m_cap() -> None:
    assert decode_edrx("0000", "nr") == 5.12
    assert decode_edrx("1111", Rat.REDCAP) == 10485.76
    assert decode_ptw("1111", "nr") == 20.48


def test_ptw_per_rat() -> None:
    assert [decode_ptw(bits, "nbiot") for bits in NIBBLES] == [round(2.56 * (n + 1), 2) for n in range(16)]
    assert [decode_ptw(bits, "ltem") for bits in NIBBLES] == [round(1.28 * (n + 1), 2) for n in range(16)]
    assert decode_ptw("0011", "nbiot") == 10.24  # +CEDRXRDP: 5,"0011","0011","0011" [S5]


def test_edrx_encoding_uses_only_codes_valid_on_the_rat() -> None:
    assert (encode_edrx(60, "nbiot").bits, encode_edrx(60, "nbiot").seconds) == ("0101", 81.92)  # not 0100
    assert encode_edrx(60, "ltem").bits == "0100"
    assert encode_edrx(5, "nbiot").bits == "0010"  # NB-S1 starts at 20.48 s
    assert encode_edrx(20.48, "nbiot").is_exact
    assert encode_ptw(10.24, "nbiot").bits == "0011"
    assert encode_ptw(3, "ltem").bits == "0010"
    with pytest.raises(ValueError, match="longest"):
        encode_edrx(2621.45, "ltem")
    with pytest.raises(ValueError, match="longest"):
        encode_ptw(41, "nbiot")


@pytest.mark.parametrize(
    ("bits", "rat"), [("0101", "gsm"), ("010", "nbiot"), ("01010", "ltem"), ("0x01", "nr")]
)
def test_bad_edrx_arguments_are_refused(bits: str, rat: str) -> None:
    with pytest.raises(ValueError, match=r"eDRX|4 characters"):
        decode_edrx(bits, rat)


RATS = ["nbiot", "ltem", "lte", "nr"]
# The cycles each RAT's codes mean by themselves, from the tables above: all an encoder may send.
CYCLES_S = {
    "nbiot": sorted(NB_S1_CYCLES_S.values()),
    "ltem": WB_S1_CYCLES_S[:14],
    "lte": WB_S1_CYCLES_S[:14],
    "nr": [*WB_S1_CYCLES_S[:14], 5242.88, 10485.76],
}


@given(rat=st.sampled_from(RATS), data=st.data())
def test_edrx_encoding_is_the_shortest_cycle_not_below(rat: str, data: st.DataObject) -> None:
    choices = CYCLES_S[rat]
    request = data.draw(st.floats(min_value=0, max_value=choices[-1]))
    coded = encode_edrx(request, rat)
    assert decode_edrx(coded, rat) == coded.seconds >= request
    assert coded.seconds == min(c for c in choices if c >= request)
    assert coded.is_exact == (coded.seconds == request)


@given(rat=st.sampled_from(RATS), request=st.floats(min_value=0, max_value=40.96))
def test_ptw_encoding_is_the_shortest_window_not_below(rat: str, request: float) -> None:
    windows = [decode_ptw(bits, rat) for bits in NIBBLES]
    if request > windows[-1]:
        with pytest.raises(ValueError, match="longest"):
            encode_ptw(request, rat)
        return
    coded = encode_ptw(request, rat)
    assert decode_ptw(coded, rat) == coded.seconds == min(w for w in windows if w >= request)


@given(rat=st.sampled_from(RATS), bits=st.sampled_from(NIBBLES))
def test_edrx_decode_encode_decode_is_stable(rat: str, bits: str) -> None:
    seconds = decode_edrx(bits, rat)
    if seconds is not None:
        assert decode_edrx(encode_edrx(seconds, rat), rat) == seconds
    ptw_s = decode_ptw(bits, rat)
    assert encode_ptw(ptw_s, rat).bits == bits

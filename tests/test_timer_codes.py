"""harness.timer_codes: the rounding down of the PSM timer encoders (BC660K AT+QPSMS [S5 §9.9]); the codecs
themselves are tested through their at-layer name in tests/at/test_timers.py."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.timer_codes import (
    Encoded,
    decode_gprs_timer2,
    decode_gprs_timer3,
    encode_gprs_timer2,
    encode_gprs_timer3,
)

Encoder = Callable[..., Encoded[int | None]]
Decoder = Callable[[str], int | None]
TIMERS = [
    (encode_gprs_timer2, decode_gprs_timer2, 11_160),
    (encode_gprs_timer3, decode_gprs_timer3, 35_712_000),
]


@pytest.mark.parametrize(("encode", "decode", "largest_s"), TIMERS)
@given(data=st.data())
def test_rounded_down_is_the_greatest_value_not_above(
    encode: Encoder, decode: Decoder, largest_s: int, data: st.DataObject
) -> None:
    seconds = data.draw(st.integers(min_value=0, max_value=largest_s + 1000))
    coded = encode(seconds, is_rounded_down=True)
    assert coded.seconds is not None
    assert coded.seconds <= seconds
    assert decode(coded.bits) == coded.seconds
    if coded.seconds < min(seconds, largest_s):
        # nothing codeable lies between: the value rounded up is above the request
        assert encode(coded.seconds + 1).seconds > seconds  # type: ignore[operator]


@pytest.mark.parametrize(("seconds", "bits"), [(100, "00011111"), (120, "00100010"), (0, "00000000")])
def test_rounded_down_t3324_examples(seconds: int, bits: str) -> None:
    assert encode_gprs_timer2(seconds, is_rounded_down=True).bits == bits


def test_rounded_down_t3412_example() -> None:
    assert encode_gprs_timer3(7000, is_rounded_down=True).seconds == 6600  # 11 x 10 min

"""at layer: 3GPP timer and eDRX codecs for the values AT commands carry as bit strings.

The codecs themselves live in the bottom layer, harness.timer_codes, so that harness.virtual (which must not
import harness.at) shares them; this module is their name in the at layer (DESIGN "Public names"), with the
same functions. What they code and how: see harness.timer_codes (3GPP TS 24.008 §10.5.7.3-10.5.7.4a and
§10.5.5.32; ../shared/reference/cellular-iot.md §2).
"""

from harness.timer_codes import (
    DEACTIVATED_BITS,
    Bits,
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

__all__ = [
    "DEACTIVATED_BITS",
    "Bits",
    "Encoded",
    "decode_edrx",
    "decode_gprs_timer",
    "decode_gprs_timer2",
    "decode_gprs_timer3",
    "decode_ptw",
    "encode_edrx",
    "encode_gprs_timer",
    "encode_gprs_timer2",
    "encode_gprs_timer3",
    "encode_ptw",
]

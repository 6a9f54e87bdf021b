"""The probe header codec (harness/probe.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.probe import HEADER_BYTES, ProbeHeader, decode_probe, encode_probe, stamp_reflection

u32 = st.integers(min_value=0, max_value=2**32 - 1)
u64 = st.integers(min_value=0, max_value=2**64 - 1)


@given(seq=u32, tx=u64, size=st.integers(min_value=HEADER_BYTES, max_value=1500))
def test_encode_decode_round_trip(seq: int, tx: int, size: int) -> None:
    payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=tx), size)
    assert len(payload) == size
    assert decode_probe(payload) == ProbeHeader(seq=seq, client_tx_ns=tx)


@given(seq=u32, tx=u64, rx=u64, out=u64, tail=st.binary(max_size=64))
def test_stamping_keeps_length_and_tail(seq: int, tx: int, rx: int, out: int, tail: bytes) -> None:
    payload = encode_probe(ProbeHeader(seq=seq, client_tx_ns=tx), HEADER_BYTES) + tail
    stamped = stamp_reflection(payload, server_rx_ns=rx, server_tx_ns=out)
    assert len(stamped) == len(payload)
    assert stamped[HEADER_BYTES:] == tail
    assert decode_probe(stamped) == ProbeHeader(
        seq=seq, client_tx_ns=tx, server_rx_ns=rx, server_tx_ns=out, is_reflected=True
    )


@given(st.binary(max_size=200))
def test_foreign_bytes_are_not_probes_unless_they_carry_the_magic(data: bytes) -> None:
    header = decode_probe(data)
    if header is not None:
        assert data[:3] == b"MI\x01"


def test_too_small_probe_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        encode_probe(ProbeHeader(seq=0, client_tx_ns=0), 16)

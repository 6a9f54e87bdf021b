"""The control protocol's framing, token check and table codec."""

from __future__ import annotations

import contextlib
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.server.control import (
    LineTooLong,
    bytes_frame,
    decode_line,
    encode_line,
    frame_bytes,
    is_token_valid,
    read_line,
)
from harness.server.session import ServerError

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(message=st.dictionaries(st.text(), JSON_VALUES, max_size=6))
def test_a_message_survives_one_line(message: dict[str, object]) -> None:
    line = encode_line(message)
    assert line.count(b"\n") == 1
    assert line.endswith(b"\n")
    assert read_line(io.BytesIO(line), limit_bytes=len(line)) is not None
    assert decode_line(line[:-1]) == message


@given(junk=st.binary(max_size=200))
def test_junk_is_a_server_error_or_an_object_never_anything_else(junk: bytes) -> None:
    with contextlib.suppress(ServerError):
        assert isinstance(decode_line(junk), dict)


@pytest.mark.parametrize("line", [b"[1, 2]", b'"hello"', b"42", b"{"])
def test_anything_but_a_json_object_is_refused(line: bytes) -> None:
    with pytest.raises(ServerError):
        decode_line(line)


def test_a_line_over_the_limit_cannot_be_framed() -> None:
    stream = io.BytesIO(b"x" * 101 + b"\n")
    with pytest.raises(LineTooLong):
        read_line(stream, limit_bytes=100)


def test_a_line_at_the_limit_is_read_and_the_end_of_stream_is_none() -> None:
    stream = io.BytesIO(b"y" * 100 + b"\n" + b"partial")
    assert read_line(stream, limit_bytes=100) == b"y" * 100
    assert read_line(stream, limit_bytes=100) is None  # the peer went away mid-line
    assert read_line(stream, limit_bytes=100) is None


@pytest.mark.parametrize(
    ("given_token", "is_valid"),
    [("s3cret", True), ("s3cret ", False), ("", False), (None, False), (42, False), ("sécret", False)],
)
def test_only_the_exact_token_is_valid(given_token: object, is_valid: bool) -> None:
    assert is_token_valid(given_token, "s3cret") is is_valid


def test_an_empty_expected_token_accepts_nobody() -> None:
    assert is_token_valid("", "") is False


def test_a_samples_table_survives_the_parquet_codec() -> None:
    frame = pd.DataFrame({"t_s": [0.5, 1.0], "seq": [1, -1]})
    pd.testing.assert_frame_equal(bytes_frame(frame_bytes(frame)), frame)

"""Session parameters: bounds named, JSON round trip, wrong types refused; SessionInfo's BPF per kind."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.server.session import ServerError, SessionInfo, SessionKind, SessionParams

PARAMS = st.builds(
    SessionParams,
    rate_kbps=st.floats(0.001, 1e7),
    payload_bytes=st.integers(32, 65_507),
    duration_s=st.floats(0.001, 3600),
    port=st.integers(0, 65535),
    max_samples=st.integers(0, 1_000_000),
    is_captured=st.booleans(),
)


@given(params=PARAMS, kind=st.sampled_from(SessionKind))
def test_parameters_and_infos_survive_json(params: SessionParams, kind: SessionKind) -> None:
    assert params.problems(kind) == []
    info = SessionInfo(session_id="ab", kind=kind, host="127.0.0.1", port=9, params=params, knock="00")
    assert SessionInfo.from_json(info.to_json()) == info


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rate": 1}, "unknown session parameter"),
        ({"rate_kbps": "fast"}, "rate_kbps must be a number"),
        ({"payload_bytes": 1.5}, "must be a whole number"),
        ({"is_captured": 1}, "is_captured must be true or false"),
        ({"port": True}, "port must be a whole number"),
    ],
)
def test_parameters_of_the_wrong_name_or_type_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ServerError, match=message):
        SessionParams.from_json(data)


@pytest.mark.parametrize(
    ("kind", "bpf"),
    [
        (SessionKind.UDP_REFLECTOR, "udp port 9"),
        (SessionKind.TCP_SINK, "tcp port 9"),
        (SessionKind.UDP_SOURCE, "udp port 9"),
        (SessionKind.IPERF3, "port 9"),
    ],
)
def test_the_capture_filter_names_the_session_port_and_protocol(kind: SessionKind, bpf: str) -> None:
    info = SessionInfo(session_id="ab", kind=kind, host="127.0.0.1", port=9, params=SessionParams())
    assert info.bpf == bpf

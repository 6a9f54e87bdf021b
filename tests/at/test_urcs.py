from __future__ import annotations

import threading
import time

import pytest

from harness.at.exchange import Urc
from harness.at.urcs import DEFAULT_URC_PREFIXES, UrcRouter, urc_shape


def router() -> UrcRouter:
    return UrcRouter(backlog_size=4)


def deadline(seconds: float) -> float:
    return time.monotonic() + seconds


def no_check() -> None:
    pass


@pytest.mark.parametrize(
    ("line", "response_prefix", "is_urc"),
    [
        ("+CEREG: 5", "+CSQ", True),  # a known prefix, another command
        ("+CEREG: 2,5", "+CEREG", False),  # the command's own prefix
        ("SEND OK", "+QISEND", True),
        ("+CSQ: 22,99", "+CSQ", False),
        ("+UNKNOWN: 1", "+CSQ", False),  # nobody said it is a URC
        ("Quectel", None, False),
        ("RDY", None, True),
    ],
)
def test_urc_rule_while_a_command_is_pending(line: str, response_prefix: str | None, is_urc: bool) -> None:
    assert router().is_urc(line, response_prefix=response_prefix) is is_urc


def test_added_and_subscribed_prefixes_count_as_urc_prefixes() -> None:
    urcs = router()
    urcs.add_prefix("+QXYZ")
    unsubscribe = urcs.subscribe("%XSIM", lambda urc: None)
    assert urcs.is_urc("+QXYZ: 1", response_prefix="+CSQ")
    assert urcs.is_urc("%XSIM: 1", response_prefix="+CSQ")
    unsubscribe()
    assert not urcs.is_urc("%XSIM: 1", response_prefix="+CSQ")
    with pytest.raises(ValueError, match="empty"):
        urcs.add_prefix("")


def test_default_prefixes_hold_the_ones_the_issue_names() -> None:
    named = {"RDY", "+CEREG", "+CSCON", "+QIURC", "SEND OK", "+QPING", "+MIPURC", "#XPING"}
    assert named <= DEFAULT_URC_PREFIXES


def test_every_subscriber_gets_every_urc_and_errors_go_to_on_error() -> None:
    urcs = router()
    got: list[str] = []
    errors: list[Exception] = []

    def broken(urc: Urc) -> None:
        raise RuntimeError(urc.line)

    urcs.subscribe("+CSCON", broken)
    urcs.subscribe("+CSCON", lambda urc: got.append(urc.line))
    urcs.publish([Urc(line="+CSCON: 1", t_s=1.0), Urc(line="RDY", t_s=1.0)], on_error=errors.append)
    assert got == ["+CSCON: 1"]
    assert [str(e) for e in errors] == ["+CSCON: 1"]


def test_wait_takes_from_since_matching_and_consumes() -> None:
    urcs = router()
    urcs.publish(
        [Urc(line="+CSCON: 1", t_s=1.0), Urc(line="+CSCON: 0", t_s=2.0), Urc(line="+CSCON: 1", t_s=3.0)],
        on_error=lambda exc: None,
    )
    take = urcs.wait_for
    first = take("+CSCON", match=None, since_s=1.5, deadline_s=deadline(1), check=no_check)
    assert first == Urc(line="+CSCON: 0", t_s=2.0)
    matched = take(
        "+CSCON", match=lambda u: u.line.endswith("1"), since_s=0, deadline_s=deadline(1), check=no_check
    )
    assert matched == Urc(line="+CSCON: 1", t_s=1.0)
    assert take("+CSCON", match=None, since_s=0, deadline_s=deadline(1), check=no_check) == Urc(
        line="+CSCON: 1", t_s=3.0
    )
    assert take("+CSCON", match=None, since_s=0, deadline_s=deadline(0.05), check=no_check) is None


def test_backlog_drops_the_oldest() -> None:
    urcs = router()
    urcs.publish([Urc(line=f"+CSCON: {i}", t_s=float(i)) for i in range(6)], on_error=lambda exc: None)
    found = urcs.wait_for("+CSCON", match=None, since_s=0, deadline_s=deadline(1), check=no_check)
    assert found is not None
    assert found.line == "+CSCON: 2"


def test_a_waiter_is_woken_by_a_publish_and_by_wake() -> None:
    urcs = router()
    timer = threading.Timer(0.05, lambda: urcs.publish([Urc(line="RDY", t_s=5.0)], on_error=lambda e: None))
    timer.start()
    try:
        found = urcs.wait_for("RDY", match=None, since_s=0, deadline_s=deadline(5), check=no_check)
    finally:
        timer.cancel()
    assert found == Urc(line="RDY", t_s=5.0)

    is_gone = threading.Event()

    def check() -> None:
        if is_gone.is_set():
            raise ConnectionError("gone")

    def lose() -> None:
        is_gone.set()
        urcs.wake()

    timer = threading.Timer(0.05, lose)
    timer.start()
    try:
        with pytest.raises(ConnectionError):
            urcs.wait_for("RDY", match=None, since_s=0, deadline_s=deadline(5), check=check)
    finally:
        timer.cancel()


@pytest.mark.parametrize(
    ("line", "response_prefix", "is_query", "is_urc"),
    [
        ("+CEREG: 2", "+CEREG", True, True),  # URC form (one field) during AT+CEREG?
        ('+CEREG: 5,"4C10","05C4EF33",9', "+CEREG", True, True),  # URC form, n=2
        ('+CEREG: 2,1,"4C10","05C4EF33",9', "+CEREG", True, False),  # the read answer
        ("+CEREG: 2", "+CEREG", False, True),  # during AT+CEREG=2
        ("+CSCON: 0,1", "+CSCON", True, False),  # reads both ways: a read command is answered by it
        ("+CSCON: 0,1", "+CSCON", False, True),  # ... a set command is not
        ("+CEREG: (0-5)", "+CEREG", True, False),  # test answer: neither form, the command decides
        ("+QIOPEN: 0,0", "+QIOPEN", False, True),  # no parser: a set command's result URC
        ("+QIOPEN: 0,0", "+QIOPEN", True, False),
        ("+CSQ: 22,99", "+CSQ", False, False),  # not a URC prefix at all
    ],
)
def test_own_prefix_lines_go_by_shape_then_by_command_form(
    line: str, response_prefix: str, is_query: bool, is_urc: bool
) -> None:
    assert router().is_urc(line, response_prefix=response_prefix, is_query=is_query) is is_urc


@pytest.mark.parametrize(
    ("line", "shape"),
    [
        ("+CEREG: 2", True),
        ("+CEREG: 2,5", False),
        ("+CSCON: 1,0", None),
        ("+CEREG: x", None),
        ("+QIOPEN: 0,0", None),
        ("Quectel", None),
    ],
)
def test_urc_shape(line: str, shape: bool | None) -> None:
    assert urc_shape(line) is shape

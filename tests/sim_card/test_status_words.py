"""harness.sim_card.status_words: names per ETSI TS 102 221 §10.2.1 and TS 51.011 §9.4, and the SimError
subclass each refusal raises, naming file and word."""

from __future__ import annotations

import pytest

from harness.errors import SimError, SimFileNotFound, SimSecurityNotSatisfied, SimWrongParameters
from harness.sim_card import StatusWord, check_status


@pytest.mark.parametrize(
    ("sw1", "sw2", "name"),
    [
        (0x90, 0x00, "normal ending of the command"),
        (0x91, 0x10, "normal ending, 16 bytes of proactive command pending"),
        (0x6A, 0x82, "file or application not found"),
        (0x69, 0x82, "security status not satisfied"),
        (0x6B, 0x00, "wrong parameter(s) P1-P2"),
        (0x67, 0x00, "wrong length"),
        (0x6C, 0x0A, "wrong length Le, exact length is 10"),
        (0x63, 0xC2, "verification failed, 2 retries left"),
        (0x94, 0x04, "file ID not found (GSM)"),
        (0x98, 0x04, "access condition not fulfilled (GSM)"),
        (0x12, 0x34, "unknown status word"),
    ],
)
def test_status_words_are_named(sw1: int, sw2: int, name: str) -> None:
    assert StatusWord(sw1, sw2).name == name


@pytest.mark.parametrize(
    ("sw1", "sw2"), [(0x90, 0x00), (0x91, 0x20), (0x9F, 0x0F), (0x61, 0x10), (0x92, 0x01)]
)
def test_normal_endings_pass(sw1: int, sw2: int) -> None:
    assert check_status(sw1, sw2, file="EF_IMSI 6F07", action="READ BINARY").is_normal


@pytest.mark.parametrize(
    ("sw1", "sw2", "error"),
    [
        (0x6A, 0x82, SimFileNotFound),
        (0x94, 0x04, SimFileNotFound),
        (0x69, 0x82, SimSecurityNotSatisfied),
        (0x98, 0x04, SimSecurityNotSatisfied),
        (0x6B, 0x00, SimWrongParameters),
        (0x67, 0x00, SimWrongParameters),
        (0x6C, 0x09, SimWrongParameters),
        (0x6F, 0x00, SimError),
        (0x92, 0x40, SimError),
    ],
)
def test_refusals_raise_the_fitting_error_naming_file_and_word(
    sw1: int, sw2: int, error: type[SimError]
) -> None:
    with pytest.raises(error) as raised:
        check_status(sw1, sw2, file="EF_FPLMN 6F7B", action="UPDATE BINARY")
    assert type(raised.value) is error
    assert f"UPDATE BINARY EF_FPLMN 6F7B: the card answered {sw1:02X} {sw2:02X}" in str(raised.value)
    assert (raised.value.file, raised.value.sw1, raised.value.sw2) == ("EF_FPLMN 6F7B", sw1, sw2)

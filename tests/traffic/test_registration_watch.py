"""Registration reports as the access engines see them: the reject cause of a +CEREG n>=3 URC reaches the
attempt's sample (here from a scripted fake module on a pty; tests/traffic/test_attach.py has the virtual
network's rejects), the report mode is the richest the module accepts, and test-command ranges are read
whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at import ATSession
from harness.dialects.ts27007 import Ts27007Modem
from harness.traffic.attach import AttachSpec, PdnMode, run_attach
from harness.traffic.registration_watch import supported_values
from tests.at.fake_module import FakeModule, fake_link, lines

# EMM cause #15, "no suitable cells in tracking area" (TS 24.301 §5.5.1.2.5; indicators.md §1.5)
REJECT_CAUSE = 15


@pytest.fixture
def rejecting() -> Iterator[tuple[FakeModule, Ts27007Modem]]:
    """A module at n=2 that accepts n 0-5 and is refused with cause #15 whenever the radio goes on."""
    with fake_link() as (module, port), ATSession(port, default_timeout_s=2.0) as session:
        module.script.update(
            {
                "AT+CEREG?": lines("+CEREG: 2,0", "OK"),
                "AT+CEREG=?": lines("+CEREG: (0-5)", "OK"),
                "AT+CEREG=5": lines("OK"),
                "AT+CEREG=2": lines("OK"),
                "AT+CFUN=0": lines("OK"),
                "AT+CFUN=1": lines("OK", "+CEREG: 2", f'+CEREG: 3,"00C3","0012ABCD",9,0,{REJECT_CAUSE}'),
            }
        )
        yield module, Ts27007Modem(session)


def test_a_reject_ends_the_attempt_with_its_cause(rejecting: tuple[FakeModule, Ts27007Modem]) -> None:
    module, modem = rejecting
    result = run_attach(modem, AttachSpec(cycles=2, off_s=0.0, attempt_timeout_s=5.0, pdn=PdnMode.OFF))
    samples = result.samples
    assert samples["outcome"].tolist() == ["rejected", "rejected"]
    assert samples["reject_cause"].tolist() == [REJECT_CAUSE, REJECT_CAUSE]
    assert samples["cause_type"].tolist() == [0, 0]
    assert result.summary["attach_reject_count"].value == 2
    assert result.summary["attach_success_pct"].value == 0.0
    # the richest report mode for the run, then the module's own n back
    assert module.commands.index("AT+CEREG=5") < module.commands.index("AT+CFUN=1")
    assert module.commands[-1] == "AT+CEREG=2"


@pytest.mark.parametrize(
    ("text", "values"),
    [("(0-5)", set(range(6))), ("(0,1,2,3)", {0, 1, 2, 3}), ("(0-2,4),(0,1)", {0, 1, 2, 4}), ("()", set())],
)
def test_supported_values_of_a_test_command(text: str, values: set[int]) -> None:
    assert supported_values(text) == values


@given(st.sets(st.integers(min_value=0, max_value=20), min_size=1))
def test_supported_values_read_back_any_list(values: set[int]) -> None:
    text = "(" + ",".join(str(v) for v in sorted(values)) + ")"
    assert supported_values(text) == values

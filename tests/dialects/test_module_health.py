"""harness.dialects.module_health: a failed case's module told apart as vanished, rebooted or hung, or up
(its failure its own), over the scripted fake module."""

from __future__ import annotations

import threading

import pytest

from harness.at import ATSession
from harness.dialects import module_health
from harness.dialects.module_health import FaultKind, RebootWatch, diagnose
from harness.errors import ATCommandError, ATTimeout, PortLost
from tests.at.fake_module import FakeModule, lines

FAILED_SEND = ATCommandError("AT+QISEND=0,64", "ERROR", None, [], None)


@pytest.fixture(autouse=True)
def short_reboot_settle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(module_health, "REBOOT_SETTLE_S", 0.3)


def answering(fake_module: FakeModule) -> FakeModule:
    fake_module.script["AT"] = lines("OK")
    return fake_module


def test_a_module_that_answers_failed_on_its_own(fake_module: FakeModule, fake_session: ATSession) -> None:
    answering(fake_module)
    watch = RebootWatch(fake_session, "RDY")
    assert diagnose(fake_session, FAILED_SEND, watch, since_s=0.0) is None
    assert diagnose(fake_session, ATTimeout("AT+QISEND=0,64 got no prompt"), watch, since_s=0.0) is None
    assert diagnose(fake_session, None, watch, since_s=0.0) is None


def test_a_ready_urc_nobody_asked_for_is_a_reboot(fake_module: FakeModule, fake_session: ATSession) -> None:
    answering(fake_module)
    watch = RebootWatch(fake_session, "RDY")
    since_s = fake_session.now_s()
    threading.Timer(0.1, fake_module.reply, args=("RDY",)).start()  # after the failure, as a boot is

    fault = diagnose(fake_session, FAILED_SEND, watch, since_s=since_s)

    assert fault is not None
    assert fault.kind is FaultKind.REBOOTED
    assert fault.detail.startswith("RDY at +")


def test_the_ready_urc_after_our_own_reset_is_no_fault(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    answering(fake_module)
    fake_module.script["AT+CFUN=1,1"] = lines("OK", "RDY")
    watch = RebootWatch(fake_session, "RDY")
    since_s = fake_session.now_s()
    fake_session.send("AT+CFUN=1,1")
    assert diagnose(fake_session, FAILED_SEND, watch, since_s=since_s) is None


def test_a_ready_urc_before_the_case_is_not_its_reboot(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    answering(fake_module)
    watch = RebootWatch(fake_session, "RDY")
    fake_module.reply("RDY")
    fake_session.send("AT")
    assert diagnose(fake_session, FAILED_SEND, watch, since_s=fake_session.now_s()) is None


def test_a_timeout_then_no_answer_to_at_is_a_hang(fake_module: FakeModule, fake_session: ATSession) -> None:
    watch = RebootWatch(fake_session, None)  # a dialect without a ready URC: no wait for one
    fake_module.script["AT"] = lambda module: None  # hung: nothing comes back

    fault = diagnose(fake_session, ATTimeout("AT+QISEND=0,64 got no prompt '>'"), watch, since_s=0.0)

    assert fault is not None
    assert fault.kind is FaultKind.HUNG
    assert "AT+QISEND=0,64 got no prompt" in fault.detail


def test_a_lost_port_is_a_vanished_module(fake_module: FakeModule, fake_session: ATSession) -> None:
    watch = RebootWatch(fake_session, "RDY")
    fault = diagnose(fake_session, PortLost("port /dev/pts/9 was lost"), watch, since_s=0.0)
    assert fault is not None
    assert fault.kind is FaultKind.VANISHED
    assert fault.describe() == "vanished (its port went away: port /dev/pts/9 was lost)"

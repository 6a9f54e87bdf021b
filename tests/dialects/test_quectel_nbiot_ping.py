"""harness.dialects.quectel_nbiot_ping: the module's own ping, AT+QPING (BC660K family; syntax and URCs of the
Quectel TCP/IP notes [S13]) and AT+NPING (BC95 family, [S12] p.49), through the Quectel NB-IoT Modem against a
scripted module. The host is loopback; nothing here reaches a network."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.at import ATSession
from harness.dialects import quectel_nbiot_ping
from harness.dialects.modem import PingResult
from harness.dialects.quectel_nbiot import Family, QuectelNbiotModem
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

HOST = "127.0.0.1"
QPING = f'AT+QPING=0,"{HOST}",4,4'


def answers(*urcs: str) -> Callable[[FakeModule], None]:
    """A reply: OK at once, then these URCs, as a module sends them after the command."""

    def reply(module: FakeModule) -> None:
        module.reply("OK")
        module.reply(*urcs)

    return reply


def test_qping_collects_each_reply_until_the_summary(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script[QPING] = answers(
        f'+QPING: 0,"{HOST}",32,461,255',
        f'+QPING: 0,"{HOST}",32,387,255',
        f'+QPING: 0,"{HOST}",32,402,255',
        f'+QPING: 0,"{HOST}",32,599,255',
        "+QPING: 0,4,4,0,387,599,462",
    )
    result = QuectelNbiotModem(fake_session, family=Family.BC660K).ping(HOST)
    assert result == PingResult(host=HOST, sent=4, rtts_ms=(461.0, 387.0, 402.0, 599.0))
    assert result.loss_pct == 0.0
    assert fake_module.commands == [QPING]


def test_qping_counts_a_timed_out_echo_as_lost(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[f'AT+QPING=0,"{HOST}",2,3'] = answers(
        f'+QPING: 0,"{HOST}",32,120,64',
        "+QPING: 569",
        f'+QPING: 0,"{HOST}",32,130,64',
        "+QPING: 0,3,2,1,120,130,125",
    )
    result = QuectelNbiotModem(fake_session, family=Family.BC660K).ping(HOST, count=3, timeout_s=2.0)
    assert (result.sent, result.rtts_ms, result.received) == (3, (120.0, 130.0), 2)


def test_qping_that_cannot_run_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[QPING] = answers("+QPING: 565")  # DNS parse failed [S13]
    with pytest.raises(ModemError, match=r"AT\+QPING to 127\.0\.0\.1 failed: \+QPING: 565"):
        QuectelNbiotModem(fake_session, family=Family.BC660K).ping(HOST)


@pytest.mark.parametrize(("count", "timeout_s"), [(0, 4.0), (11, 4.0), (4, 0.5), (4, 256.0)])
def test_qping_limits_are_checked_before_sending(
    fake_module: FakeModule, fake_session: ATSession, count: int, timeout_s: float
) -> None:
    with pytest.raises(ModemError, match="AT\\+QPING takes 1-10 echo requests and a 1-255 s timeout"):
        QuectelNbiotModem(fake_session, family=Family.BC660K).ping(HOST, count=count, timeout_s=timeout_s)
    assert fake_module.commands == []


def test_nping_sends_one_request_per_echo(fake_module: FakeModule, fake_session: ATSession) -> None:
    command = f"AT+NPING={HOST},12,4000"
    rtts = iter(["1974", "2034"])

    def reply(module: FakeModule) -> None:
        module.reply("OK")
        module.reply(f"+NPING:{HOST},54,{next(rtts)}")  # BC95: no space after the colon

    fake_module.script[command] = reply
    result = QuectelNbiotModem(fake_session, family=Family.BC95).ping(HOST, count=2)
    assert result == PingResult(host=HOST, sent=2, rtts_ms=(1974.0, 2034.0))
    assert fake_module.commands == [command, command]


def test_nping_error_is_a_lost_echo(fake_module: FakeModule, fake_session: ATSession) -> None:
    replies = iter([f"+NPING:{HOST},54,300", "+NPINGERR:1"])

    def reply(module: FakeModule) -> None:
        module.reply("OK")
        module.reply(next(replies))

    fake_module.script[f"AT+NPING={HOST},12,1000"] = reply
    result = QuectelNbiotModem(fake_session, family=Family.BC95).ping(HOST, count=2, timeout_s=1.0)
    assert (result.sent, result.rtts_ms, result.loss_pct) == (2, (300.0,), 50.0)


def test_nping_result_that_never_comes_is_a_modem_error(
    fake_module: FakeModule, fake_session: ATSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quectel_nbiot_ping, "URC_MARGIN_S", 0.2)
    fake_module.script[f"AT+NPING={HOST},12,10"] = lines("OK")
    with pytest.raises(ModemError, match=r"neither \+NPING nor \+NPINGERR"):
        QuectelNbiotModem(fake_session, family=Family.BC95).ping(HOST, count=1, timeout_s=0.01)


@pytest.mark.parametrize("host", ["localhost", "::1", f"{HOST};+CFUN=0"])
def test_nping_takes_only_ipv4_addresses(fake_module: FakeModule, fake_session: ATSession, host: str) -> None:
    with pytest.raises(ModemError, match="AT\\+NPING takes an IPv4 address"):
        QuectelNbiotModem(fake_session, family=Family.BC95).ping(host)
    assert fake_module.commands == []

"""harness.dialects.cmcc_cat1: the OneMO ML307R Modem against a scripted fake module answering as the OneMO
manuals show: detection, ICCID (+MCCID, extended AT manual 4G V1.7.4 §4.6), ping (+MPING, TCP/IP AT manual
V5.1.5 §3.18 and §4.6), radio snapshot (+MUESTATS, extended manual §4.5, with the +CESQ fallback),
capabilities and per-command timeouts. Every wait has a deadline."""

from __future__ import annotations

import time

import pytest

from harness.at import ATSession
from harness.dialects import TCP_SOCKET, UDP_SOCKET, Identity, RadioSnapshot, detect
from harness.dialects import cmcc_cat1 as dialect_module
from harness.dialects.cmcc_cat1 import CmccCat1Modem, matches
from harness.dialects.cmcc_cat1_socket_table import SEND_TIMEOUT_S
from harness.dialects.modem import PING
from harness.errors import ModemError
from tests.at.fake_module import FakeModule, lines

from .conftest import script_identity

ICCID = "89861118216007272115"  # the §4.6 example
IMEI = "490154203237518"
IMSI = "460001234567890"
HOST = "202.120.35.204"
MANUAL_PING = [  # §3.18 example, four requests
    f'+MPING: 0,"{HOST}",16,607,235',
    f'+MPING: 0,"{HOST}",16,334,235',
    f'+MPING: 0,"{HOST}",16,347,235',
    f'+MPING: 0,"{HOST}",16,320,235',
    '+MPING: "statistics",4,0,320,607,402',
]


def ping_command(count: int = 4, timeout_s: int = 4, host: str = HOST) -> str:
    return f'AT+MPING="{host}",{timeout_s},{count}'


# --- detection, identity, capabilities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "model", "is_matched"),
    [
        ("CMCC", "ML307R-DC", True),
        ("CMCC", "ML307R", True),
        ("China Mobile", "ML307A-DCLN", True),
        ("cmcc", "ml305u-dbln", True),
        ("OneMO", "ML302A-GSLM", True),
        ("CMCC", "MN316-DBRS", False),  # NB-IoT part: other id ranges, no data mode
        ("CMCC", "MR880A", False),
        ("CMCC", "ML3070", False),
        ("Quectel", "ML307R", False),
        ("Quectel_Ltd", "Quectel_BC660K-GL", False),
    ],
)
def test_matches_onemo_ml30x_cat1_families(manufacturer: str, model: str, is_matched: bool) -> None:
    assert matches(manufacturer, model) is is_matched


def test_detect_picks_this_dialect_for_an_ml307r(fake_module: FakeModule, fake_session: ATSession) -> None:
    script_identity(fake_module, manufacturer="CMCC", model="ML307R-DC")
    assert detect(fake_session) == "cmcc_cat1"


def test_identity_of_an_ml307r(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script.update(
        {
            "AT+CGMI": lines("CMCC", "OK"),
            "AT+CGMM": lines("ML307R-DC", "OK"),
            "AT+CGMR": lines("ML307R-DC-MBRH0S01", "OK"),  # a bare version line (§4.1)
            "AT+CGSN": lines(IMEI, "OK"),
            "AT+CIMI": lines(IMSI, "OK"),
            "AT+MCCID": lines(f"+MCCID: {ICCID}", "OK"),
        }
    )
    assert CmccCat1Modem(fake_session).identity() == Identity(
        manufacturer="CMCC",
        model="ML307R-DC",
        firmware="ML307R-DC-MBRH0S01",
        imei=IMEI,
        imsi=IMSI,
        iccid=ICCID,
    )


@pytest.mark.parametrize("answer", [f"+MCCID: {ICCID}", f'+MCCID: "{ICCID}"', f"+MCCID:{ICCID} "])
def test_iccid_from_mccid(fake_module: FakeModule, fake_session: ATSession, answer: str) -> None:
    fake_module.script["AT+MCCID"] = lines(answer, "OK")
    assert CmccCat1Modem(fake_session).iccid() == ICCID


def test_no_iccid_without_a_sim(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script["AT+MCCID"] = lines("+CME ERROR: 10")
    assert CmccCat1Modem(fake_session).iccid() is None


def test_capabilities_add_sockets_and_ping(fake_session: ATSession) -> None:
    capabilities = CmccCat1Modem(fake_session).capabilities
    assert {UDP_SOCKET, TCP_SOCKET, PING} <= capabilities


def test_command_timeouts_add_the_data_mode_send_to_the_baseline(fake_session: ATSession) -> None:
    dialect = CmccCat1Modem(fake_session)
    assert dialect.command_timeout_s("AT+MIPSEND=0,5") == SEND_TIMEOUT_S
    assert dialect.command_timeout_s("AT+CFUN=1") == 25.0  # the baseline's entry is kept
    assert dialect.command_timeout_s("AT+MIPRD=0,1") is None  # the session's default


# --- ping ---------------------------------------------------------------------------------------------------


def test_ping_as_the_manual_shows_it(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[ping_command()] = lines("OK", *MANUAL_PING)
    result = CmccCat1Modem(fake_session).ping(HOST)
    assert (result.host, result.sent, result.rtts_ms, result.loss_pct) == (
        HOST,
        4,
        (607.0, 334.0, 347.0, 320.0),
        0.0,
    )


def test_ping_with_a_lost_request(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[ping_command(count=3, timeout_s=2)] = lines(
        "OK",
        f'+MPING: 0,"{HOST}",16,40,60',
        "+MPING: 4",
        f'+MPING: 0,"{HOST}",16,60,60',
        '+MPING: "statistics",3,1,40,60,50',
    )
    result = CmccCat1Modem(fake_session).ping(HOST, count=3, timeout_s=1.5)  # rounded up to 2 s
    assert (result.sent, result.rtts_ms) == (3, (40.0, 60.0))
    assert result.loss_pct == pytest.approx(100 / 3)


def test_single_ping_ends_without_statistics(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[ping_command(count=1)] = lines("OK", f'+MPING: 0,"{HOST}",16,496,233')  # §4.6
    started = time.monotonic()
    result = CmccCat1Modem(fake_session).ping(HOST, count=1)
    assert (result.sent, result.rtts_ms) == (1, (496.0,))
    assert time.monotonic() - started < 3.0  # did not wait for statistics that never come


def test_results_before_ok_and_stale_ping_lines_are_told_apart(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.send(lines('+MPING: "statistics",9,9,0,0,0'))  # a URC from before this ping
    fake_module.script[ping_command(count=2)] = lines(
        f'+MPING: 0,"{HOST}",16,10,60',
        "OK",
        f'+MPING: 0,"{HOST}",16,20,60',
        '+MPING: "statistics",2,0,10,20,15',
    )
    time.sleep(0.1)
    result = CmccCat1Modem(fake_session).ping(HOST, count=2)
    assert (result.sent, result.rtts_ms) == (2, (10.0, 20.0))


def test_ping_that_stops_early_counts_the_rest_as_lost(
    fake_module: FakeModule, fake_session: ATSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dialect_module, "PING_MARGIN_S", 0.2)
    fake_module.script[ping_command(count=2, timeout_s=1)] = lines("OK", "+MPING: 3")  # §4.6: exits on 3
    result = CmccCat1Modem(fake_session).ping(HOST, count=2, timeout_s=1)
    assert (result.sent, result.rtts_ms, result.loss_pct) == (2, (), 100.0)


@pytest.mark.parametrize("result", [1, 2])
def test_dns_failure_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession, result: int) -> None:
    fake_module.script[ping_command(host="example.invalid")] = lines("OK", f"+MPING: {result}")
    with pytest.raises(ModemError, match=rf"could not start: \+MPING: {result} \(DNS resolution"):
        CmccCat1Modem(fake_session).ping("example.invalid")


def test_busy_ping_is_a_modem_error(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script[ping_command()] = lines("+CME ERROR: 582")
    with pytest.raises(ModemError, match=r"\+CME ERROR: 582 \(ping busy\)"):
        CmccCat1Modem(fake_session).ping(HOST)


@pytest.mark.parametrize(
    ("host", "count", "timeout_s", "message"),
    [
        (HOST, 4, 0.0, "outside the module's 1..60 s"),
        (HOST, 4, 60.5, "outside the module's 1..60 s"),
        (HOST, 0, 4.0, "outside 1..65535"),
        ('a";+CFUN=0;"', 4, 4.0, "not allowed"),
    ],
)
def test_ping_values_the_module_cannot_take_are_refused_before_anything_is_written(
    fake_module: FakeModule, fake_session: ATSession, host: str, count: int, timeout_s: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CmccCat1Modem(fake_session).ping(host, count=count, timeout_s=timeout_s)
    assert fake_module.commands == []


# --- radio snapshot -----------------------------------------------------------------------------------------


def test_radio_snapshot_from_muestats(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script['AT+MUESTATS="radio"'] = lines(
        '+MUESTATS: "radio",6,-1015,-933,230,289,421,0D1A84FE,0,211,3684,498,-108', "OK"
    )
    fake_module.script['AT+MUESTATS="sband"'] = lines('+MUESTATS: "sband",8', "OK")
    assert CmccCat1Modem(fake_session).radio_snapshot() == RadioSnapshot(
        rsrp_dbm=-101.5,
        rsrq_db=-10.8,
        sinr_db=21.1,
        ce_level=0,
        cell_id="0D1A84FE",
        pci=498,
        earfcn=3684,
        band=8,
    )


def test_radio_snapshot_not_camped_is_empty(fake_module: FakeModule, fake_session: ATSession) -> None:
    fake_module.script['AT+MUESTATS="radio"'] = lines(
        '+MUESTATS: "radio",4,-32768,-32768,,,,FFFFFFFF,,-32768,-1,65535,-32768', "OK"
    )
    fake_module.script['AT+MUESTATS="sband"'] = lines("+CME ERROR: 3")
    assert CmccCat1Modem(fake_session).radio_snapshot() == RadioSnapshot()


def test_radio_snapshot_falls_back_to_cesq_once_muestats_is_unknown(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script['AT+MUESTATS="radio"'] = lines("ERROR")
    fake_module.script["AT+CESQ"] = lines("+CESQ: 99,99,255,255,25,61", "OK")
    dialect = CmccCat1Modem(fake_session)
    for _ in range(2):
        snapshot = dialect.radio_snapshot()
        assert (snapshot.rsrp_dbm, snapshot.rsrq_db) == (-80, -7.5)
    assert fake_module.commands == ['AT+MUESTATS="radio"', "AT+CESQ", "AT+CESQ"]


def test_radio_snapshot_after_a_passing_error_asks_muestats_again(
    fake_module: FakeModule, fake_session: ATSession
) -> None:
    fake_module.script['AT+MUESTATS="radio"'] = lines("+CME ERROR: 14")  # SIM busy: not "unknown command"
    fake_module.script["AT+CESQ"] = lines("+CESQ: 99,99,255,255,25,61", "OK")
    dialect = CmccCat1Modem(fake_session)
    dialect.radio_snapshot()
    dialect.radio_snapshot()
    assert fake_module.commands.count('AT+MUESTATS="radio"') == 2

"""harness.transport.protocol_replay: a port answering from an AT transcript, as an ATSession and a dialect
meet it (recorded from the virtual module, the example transcripts in fixtures/at/, and hand-written ones)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest

from harness.at import (
    ATSession,
    ATTimeout,
    Direction,
    FinalKind,
    PortLost,
    SerialPort,
    data_length_field,
    read_transcript,
)
from harness.at.transcript import matches_recorded
from harness.dialects import ConnectOptions, connect
from harness.dialects.ts27007 import Ts27007Modem
from harness.errors import UrlError
from harness.transport import check_url, open_port
from harness.transport.protocol_replay import Serial as ReplaySerial

FIXTURES = Path(__file__).parents[2] / "fixtures" / "at"
# Registered after 0.3 s, no radio delay or loss: attach waits for one +CEREG URC, quickly.
VIRTUAL = "virtual://bc660k?attach_s=0.3&delay_ms=0&jitter_ms=0&rrc_setup_ms=0&loss_pct=0"
WAIT_S = 5.0


def write_log(path: Path, *entries: str) -> Path:
    path.write_text("# hand-written\n" + "".join(f"{entry}\n" for entry in entries), encoding="utf-8")
    return path


@contextmanager
def replay_session(url: str, *, at_log: Path | None = None) -> Iterator[tuple[ReplaySerial, ATSession]]:
    port = open_port(url, timeout=1.0)
    assert isinstance(port, ReplaySerial)
    try:
        with ATSession(cast(SerialPort, port), default_timeout_s=WAIT_S, transcript_path=at_log) as session:
            yield port, session
    finally:
        port.close()


# --- a transcript written by a real session, replayed through connect() -----------------------------------


@pytest.mark.parametrize("timing", ["fast", "recorded"])
def test_a_recorded_session_replays_through_connect_identity_and_attach(tmp_path: Path, timing: str) -> None:
    recorded = tmp_path / "lab" / "at.log"
    with connect(VIRTUAL, ConnectOptions(transcript_path=recorded)) as live:
        identity = live.modem.identity()
        registration = live.modem.attach(None, timeout_s=20)
    replayed_log = tmp_path / "replayed.log"
    url = f"replay://{recorded}?timing={timing}"
    with connect(url, ConnectOptions(transcript_path=replayed_log)) as link:
        assert link.dialect == live.dialect
        assert link.modem.identity() == identity
        assert link.modem.attach(None, timeout_s=20) == registration
        assert isinstance(link.port, ReplaySerial)
        assert link.port.writes_left == 0
    written = [e.text for e in read_transcript(recorded) if e.direction is Direction.WRITTEN]
    assert [e.text for e in read_transcript(replayed_log) if e.direction is Direction.WRITTEN] == written


def sha256_16(value: str) -> str:
    """The shape of the lab's keyed hash (harness.results.identifiers), without a key."""
    return "h:" + hashlib.sha256(value.encode()).hexdigest()[:16]


def test_a_transcript_with_hashed_identifiers_replays_stand_ins_of_their_shape(tmp_path: Path) -> None:
    recorded = tmp_path / "lab" / "at.log"
    with connect(VIRTUAL, ConnectOptions(transcript_path=recorded, identifier_hash=sha256_16)) as live:
        identity = live.modem.identity()
    text = recorded.read_text(encoding="utf-8")
    assert [v for v in (identity.imei, identity.imsi, identity.iccid) if v is None or v in text] == []

    replays = []
    for _ in range(2):
        with connect(f"replay://{recorded}", ConnectOptions()) as link:
            replays.append(link.modem.identity())

    stand_in = replays[0]
    assert stand_in == replays[1]
    assert stand_in.model == identity.model
    assert (len(stand_in.imei or ""), len(stand_in.imsi or ""), len(stand_in.iccid or "")) == (15, 15, 19)
    assert stand_in.imei != identity.imei


def test_a_relative_path_is_read_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_log(tmp_path / "at.log", "+0.001s > AT", "+0.002s < OK")
    monkeypatch.chdir(tmp_path)
    with replay_session("replay://at.log") as (port, session):
        assert session.send("AT").kind is FinalKind.OK
        assert port.writes_left == 0


# --- the example transcripts of fixtures/at/ ------------------------------------------------------------


def test_bc660k_example_replays_pin_crossing_urc_prompt_and_data(tmp_path: Path) -> None:
    at_log = tmp_path / "at.log"
    url = f"replay://{FIXTURES / 'bc660k-pin-register-udp.log'}"
    with replay_session(url, at_log=at_log) as (port, session):
        session.add_data_rule("+QIRD", data_length_field(0))
        assert session.wait_for_urc("RDY", timeout_s=WAIT_S, since_s=0).line == "RDY"  # sent on open
        session.send("AT")
        session.send("AT+CMEE=1")
        assert session.send("AT+CPIN?").lines == ("+CPIN: SIM PIN",)
        session.send('AT+CPIN="1234"')  # the recorded PIN was redacted: any PIN matches
        assert session.wait_for_urc("+CPIN", timeout_s=WAIT_S).line == "+CPIN: READY"
        session.send("AT+CEREG=2")
        Ts27007Modem(session).registration()
        registration = Ts27007Modem(session).registration()  # a URC crossed this answer
        assert (registration.stat, registration.tac, registration.ci) == (1, "4C10", "05C4EF33")
        session.send('AT+QIOPEN=0,0,"UDP","198.18.0.10",5683,0,1')
        assert session.wait_for_urc("+QIOPEN", timeout_s=WAIT_S).line == "+QIOPEN: 0,0"
        assert session.send_payload("AT+QISEND=0,4", b"test").kind is FinalKind.OK
        assert session.wait_for_urc("SEND OK", timeout_s=WAIT_S).line == "SEND OK"
        assert session.wait_for_urc('+QIURC: "recv"', timeout_s=WAIT_S).line == '+QIURC: "recv",0'
        assert session.send("AT+QIRD=0,512").data == b"test"
        session.send("AT+QICLOSE=0")
        assert port.writes_left == 0
    text = at_log.read_text()
    assert "1234" not in text  # the replayed echo repeats the PIN; the session redacts it again
    assert text.count("AT+CPIN=<redacted>") == 2


def test_bc95_example_reads_urcs_without_a_space_after_the_colon() -> None:
    with replay_session(f"replay://{FIXTURES / 'bc95-nsonmi-no-space.log'}") as (port, session):
        assert session.send("AT+NSOCR=DGRAM,17,56000,1").lines == ("1",)
        assert session.send("AT+NSOST=1,198.18.0.10,5683,4,AABBCCDD").lines == ("1,4",)
        assert session.wait_for_urc("+NSONMI", timeout_s=WAIT_S).line == "+NSONMI:1,8"
        answer = session.send("AT+NSORF=1,512")
        assert answer.lines == ("1,198.18.0.10,5683,8,0102030405060708,0",)
        assert session.wait_for_urc("+CSCON", timeout_s=WAIT_S, since_s=answer.started_s).line == "+CSCON:0"
        session.send("AT+NSOCL=1")
        assert port.writes_left == 0


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.log")))
def test_every_example_transcript_passes_check_url(name: str) -> None:
    assert check_url(f"replay://{FIXTURES / name}") is None


# --- divergence ------------------------------------------------------------------------------------------


def test_a_different_command_names_the_line_and_both_commands(tmp_path: Path) -> None:
    path = write_log(tmp_path / "at.log", "+0.001s > AT", "+0.002s < OK", "+0.003s > AT+CSQ", "+0.004s < OK")
    with replay_session(f"replay://{path}") as (_, session):
        session.send("AT")
        with pytest.raises(PortLost) as raised:
            session.send("AT+CESQ")
        assert f"replay of {path} diverged at line 4" in str(raised.value)
        assert "the transcript has `AT+CSQ` there, the client wrote `AT+CESQ`" in str(raised.value)
        with pytest.raises(PortLost):  # the replay cannot go on
            session.send("AT+CSQ")


def test_a_command_after_the_last_recorded_one_is_an_error(tmp_path: Path) -> None:
    path = write_log(tmp_path / "at.log", "+0.001s > AT", "+0.002s < OK")
    with replay_session(f"replay://{path}") as (port, session):
        session.send("AT")
        over = r"is over \(all 1 written entries replayed\).*`AT\+CPIN=<redacted>`"
        with pytest.raises(PortLost, match=over):
            session.send('AT+CPIN="4711"')
        assert port.writes_left == 0


def test_a_different_payload_is_named_in_hex(tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "at.log", "+0.1s > AT+QISEND=0,4", "+0.2s < >", "+0.3s >> 74657374", "+0.4s < OK"
    )
    with replay_session(f"replay://{path}") as (_, session), pytest.raises(PortLost) as raised:
        session.send_payload("AT+QISEND=0,4", b"TEST")
    assert "line 4: the transcript has payload 74657374 (4 bytes) there" in str(raised.value)
    assert "the client wrote payload 54455354 (4 bytes)" in str(raised.value)


def test_a_redacted_payload_matches_one_write_and_its_echo_repeats_it(tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "at.log",
        "+0.1s > AT+QAUTH=0",
        "+0.1s < AT+QAUTH=0",
        "+0.2s < >",
        "+0.3s >> <redacted>",
        "+0.3s << <redacted>",
        "+0.4s < OK",
        "+0.5s > AT",
        "+0.5s < OK",
    )
    with replay_session(f"replay://{path}") as (port, session):
        response = session.send_payload("AT+QAUTH=0", b"tok\r\nOK\r\n", is_secret=True)
        assert (response.lines, response.kind) == ((), FinalKind.OK)
        session.send("AT")
        assert port.writes_left == 0


def test_a_secret_written_against_a_redacted_entry_stays_out_of_the_message(tmp_path: Path) -> None:
    path = write_log(tmp_path / "at.log", "+0.1s > AT+QTOKEN=<redacted>", "+0.2s < OK")
    with replay_session(f"replay://{path}") as (_, session), pytest.raises(PortLost) as raised:
        session.send('AT+QTOKEM="s3cr3t"', is_secret=True)
    assert "s3cr3t" not in str(raised.value)
    assert "the client wrote `AT+QTOKEM=<redacted>`" in str(raised.value)


@pytest.mark.parametrize(
    ("recorded", "written", "is_match"),
    [
        ("AT+CSQ", "AT+CSQ", True),
        ("AT+CSQ", "at+csq", False),
        ("AT+CPIN=<redacted>", 'AT+CPIN="1234"', True),
        ("AT+CPIN=<redacted>", "AT+CPIN?", False),
        ("<redacted>", "ATD*99#", True),
        ("AT+X=<redacted>,1", "AT+X=a.b*c,1", True),
        ("AT+X=<redacted>,1", "AT+X=a,2", False),
    ],
)
def test_redacted_stands_for_any_text_and_nothing_else_is_loose(
    recorded: str, written: str, is_match: bool
) -> None:
    assert matches_recorded(recorded, written) is is_match


# --- what is sent, when ----------------------------------------------------------------------------------


def test_unsolicited_lines_between_commands_are_delivered_as_urcs(tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "at.log",
        "+0.1s > AT+CFUN=1",
        "+0.2s < OK",
        "+0.3s < +CSCON: 1",
        "+2.0s < +CEREG: 5",
        "+2.1s > AT+CSQ",
        "+2.1s < +CSQ: 20,99",
        "+2.2s < OK",
    )
    with replay_session(f"replay://{path}") as (_, session):
        session.send("AT+CFUN=1")
        assert session.wait_for_urc("+CEREG", timeout_s=WAIT_S).line == "+CEREG: 5"
        assert session.wait_for_urc("+CSCON", timeout_s=WAIT_S).line == "+CSCON: 1"
        assert session.send("AT+CSQ").lines == ("+CSQ: 20,99",)


def test_recorded_timing_keeps_each_delay_after_its_command(tmp_path: Path) -> None:
    path = write_log(tmp_path / "at.log", "+5.0s > AT+CFUN=1", "+5.0s < OK", "+5.4s < +CEREG: 5")
    with replay_session(f"replay://{path}?timing=recorded") as (_, session):
        response = session.send("AT+CFUN=1")
        urc = session.wait_for_urc("+CEREG", timeout_s=WAIT_S)
    # Only a lower bound: the replay may be late under load, never early.
    assert urc.t_s - response.started_s >= 0.4


def test_an_unanswered_command_times_out_again(tmp_path: Path) -> None:
    path = write_log(
        tmp_path / "at.log",
        "+0.1s > AT+COPS=0",
        "# timeout: AT+COPS=0 got no final result code within 0.2 s",
        "+0.4s > AT",
        "+0.4s < OK",
    )
    with replay_session(f"replay://{path}") as (_, session):
        with pytest.raises(ATTimeout):
            session.send("AT+COPS=0", timeout_s=0.2)
        assert session.send("AT").kind is FinalKind.OK


def test_port_reads_honour_timeout_and_cancel(tmp_path: Path) -> None:
    path = write_log(tmp_path / "at.log", "+0.0s < RDY", "+0.1s > AT", "+0.1s < OK")
    port = open_port(f"replay://{path}", timeout=0)
    try:
        assert port.in_waiting == len(b"\r\nRDY\r\n")
        port.reset_input_buffer()
        assert port.read(10) == b""  # non-blocking, nothing there
        port.write(b"AT\r\n")  # a client ending commands with CR LF
        port.timeout = WAIT_S
        assert port.read(6) == b"\r\nOK\r\n"
        port.timeout = None
        assert isinstance(port, ReplaySerial)
        port.cancel_read()
        assert port.read(1) == b""  # a cancelled read returns at once, even without a timeout
    finally:
        port.close()


# --- URL checks ------------------------------------------------------------------------------------------


def test_check_url_names_what_is_wrong(tmp_path: Path) -> None:
    good = write_log(tmp_path / "good.log", "+0.1s > AT", "+0.1s < OK")
    bad = write_log(tmp_path / "bad.log", "+0.1s > AT", "garbage", "+0.2s << zz")
    (tmp_path / "latin1.log").write_bytes(b"+0.1s < caf\xe9\n")
    assert check_url(f"replay://{good}") is None
    assert check_url(f"replay://{good}?timing=recorded") is None
    assert check_url(f"replay://{tmp_path / 'none.log'}") == (
        f"replay transcript {tmp_path / 'none.log'} does not exist (or is not a file)"
    )
    assert check_url(f"replay://{tmp_path}") is not None
    assert "unknown option speed='0'" in (check_url(f"replay://{good}?speed=0") or "")
    assert "unknown option timing='slow'" in (check_url(f"replay://{good}?timing=slow") or "")
    problem = check_url(f"replay://{bad}") or ""
    assert f"{bad}: line 3: " in problem  # line 1 is write_log's comment
    assert f"{bad}: line 4: " in problem
    assert "\n" not in problem
    assert "line 1" in (check_url(f"replay://{tmp_path / 'latin1.log'}") or "")
    assert check_url("replay://") is not None


def test_open_port_refuses_a_bad_replay_url(tmp_path: Path) -> None:
    with pytest.raises(UrlError, match="does not exist"):
        open_port(f"replay://{tmp_path / 'missing.log'}")

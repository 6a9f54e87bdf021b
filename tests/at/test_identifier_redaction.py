"""Tests of harness/at/identifier_redaction.py and its use by the transcript: IMEI, IMSI and ICCID replaced by
their hash in what the transcript writes, the session's answers unchanged."""

from __future__ import annotations

from pathlib import Path

import serial
from hypothesis import given
from hypothesis import strategies as st

from harness.at import ATSession
from harness.at.identifier_redaction import IDENTIFIER_PREFIXES, IdentifierRedactor, normalised
from harness.at.responses import read_imei, read_imsi
from harness.at.transcript import Direction, Transcript
from harness.sim_codes import encode_imsi_file, encode_swapped

from .fake_module import FakeModule, lines

IMEI = "866818039921444"
IMSI = "001010123456789"
ICCID = "8900101234567890123"


def fake_hash(value: str) -> str:
    """A stand-in for the keyed hash: visibly derived from the value, without its digits."""
    return f"h:{sum(map(ord, value)):016x}"


_digits = st.text("0123456789", min_size=15, max_size=15)
_iccids = st.text("0123456789ABCDEF", min_size=18, max_size=19).map(lambda v: "89" + v[2:])


def _redactor_after(command: str) -> IdentifierRedactor:
    redactor = IdentifierRedactor(fake_hash)
    redactor.redact_written(command)
    return redactor


@given(
    value=st.one_of(_digits, _iccids, _iccids.map(lambda v: v[:19] + "F")),
    prefix=st.sampled_from(IDENTIFIER_PREFIXES),
    space=st.sampled_from(["", " ", "  "]),
    quote=st.sampled_from(["", '"']),
)
def test_a_prefixed_identifier_line_carries_the_hash_only(
    value: str, prefix: str, space: str, quote: str
) -> None:
    line = f"{prefix}:{space}{quote}{value}{quote}"

    shown = IdentifierRedactor(fake_hash).redact_read(line)

    assert shown == f"{prefix}:{space}{quote}{fake_hash(normalised(value))}{quote}"
    assert value not in shown


@given(
    value=st.one_of(_digits, _iccids),
    command=st.sampled_from(["AT+CGSN", "at+cgsn", "AT+CGSN=0", "AT+GSN", "AT+CIMI", "AT+QCCID"]),
    padding=st.sampled_from(["", " ", "\t"]),
)
def test_a_bare_answer_to_an_identifier_command_carries_the_hash(
    value: str, command: str, padding: str
) -> None:
    redactor = _redactor_after(command)

    assert redactor.redact_read(f"{padding}{value}") == f"{padding}{fake_hash(value)}"


@given(value=_digits)
def test_a_bare_number_after_another_command_stays(value: str) -> None:
    assert _redactor_after("AT+CEREG?").redact_read(value) == value


@given(
    line=st.one_of(
        st.sampled_from(["OK", "ERROR", '+CEREG: 2,5,"1A2B","01A2B3C4",9', "+CGSN: 01", "+CGSN: (0-3)"]),
        st.from_regex(r"\+C[A-Z]{2,5}: [0-9,\"A-F]{0,30}", fullmatch=True).filter(
            lambda t: not t.upper().startswith(("+CGSN", "+CIMI", "+CCID"))
        ),
    )
)
def test_lines_without_an_identifier_are_kept(line: str) -> None:
    assert _redactor_after("AT+CGSN").redact_read(line) == line


@given(
    value=_digits,
    before=st.sampled_from(["+QENG: ", "IMEI=", "x,"]),
    after=st.sampled_from(["", ",1", " ok"]),
)
def test_a_value_seen_is_hidden_wherever_it_comes_back(value: str, before: str, after: str) -> None:
    redactor = IdentifierRedactor(fake_hash)
    redactor.redact_read(f"+CGSN: {value}")

    assert redactor.redact_read(f"{before}{value}{after}") == f"{before}{fake_hash(value)}{after}"
    assert redactor.redact_written(f'AT+QCFG="x","{value}"') == f'AT+QCFG="x","{fake_hash(value)}"'
    # a longer number that merely contains it is another number
    assert redactor.hide_known(f"9{value}") == f"9{value}"


def test_a_padded_iccid_hashes_as_the_dialect_reports_it() -> None:
    redactor = IdentifierRedactor(fake_hash)

    assert redactor.redact_read(f"+ICCID: {ICCID}F") == f"+ICCID: {fake_hash(ICCID)}"
    assert redactor.hide_known(f"{ICCID}f and {ICCID}") == f"{fake_hash(ICCID)} and {fake_hash(ICCID)}"


def test_the_transcript_file_tail_and_notes_carry_hashes_only(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    transcript = Transcript(path, identifier_hash=fake_hash)
    transcript.start("/dev/ttyUSB2")
    transcript.record_line(Direction.WRITTEN, "AT+CIMI", t_s=1.0)
    transcript.record_line(Direction.READ, IMSI, t_s=1.1)
    transcript.note(f"SIM preparation: IMSI {IMSI} roams")
    transcript.close()

    text = path.read_text(encoding="utf-8")
    assert IMSI not in text
    assert f"+1.100s < {fake_hash(IMSI)}" in text
    assert f"# SIM preparation: IMSI {fake_hash(IMSI)} roams" in text
    assert transcript.recent_lines(since_s=0.0, count=5) == [fake_hash(IMSI)]


def test_without_a_hash_the_transcript_keeps_identifiers(tmp_path: Path) -> None:
    path = tmp_path / "at.log"
    transcript = Transcript(path)
    transcript.start("/dev/ttyUSB2")
    transcript.record_line(Direction.READ, f"+CGSN: {IMEI}", t_s=1.0)
    transcript.close()

    assert f"+CGSN: {IMEI}" in path.read_text(encoding="utf-8")


def test_the_session_reads_real_values_while_its_transcript_hides_them(
    link: tuple[FakeModule, serial.Serial], at_log: Path
) -> None:
    module, port = link
    module.script.update(
        {
            "AT+CGSN": lines(IMEI, "OK"),
            "AT+CIMI": lines(IMSI, "OK"),
            "AT+QCCID": lines(f"+QCCID: {ICCID}", "OK"),
        }
    )
    with ATSession(port, default_timeout_s=2.0, transcript_path=at_log, identifier_hash=fake_hash) as at:
        assert read_imei(at.send("AT+CGSN").lines) == IMEI
        assert read_imsi(at.send("AT+CIMI").lines) == IMSI
        assert at.send("AT+QCCID").value_of("+QCCID") == ICCID

    text = at_log.read_text(encoding="utf-8")
    for value in (IMEI, IMSI, ICCID):
        assert value not in text
        assert fake_hash(value) in text


@given(
    iccid=st.from_regex(r"89[0-9A-E]{16,18}", fullmatch=True),
    imsi=st.from_regex(r"[0-9]{6,15}", fullmatch=True),
    quote=st.sampled_from(["", '"']),
)
def test_sim_file_reads_of_iccid_and_imsi_carry_the_hash_of_what_they_code(
    iccid: str, imsi: str, quote: str
) -> None:
    """AT+CRSM READ BINARY of EF_ICCID / EF_IMSI (harness.sim_card) answers their swapped-BCD content."""
    iccid_file = encode_swapped(iccid, 10).hex().upper()
    redactor = _redactor_after("AT+CRSM=176,12258,0,0,10")
    assert redactor.redact_read(f"+CRSM: 144,0,{quote}{iccid_file}{quote}") == (
        f"+CRSM: 144,0,{quote}{fake_hash(normalised(iccid))}{quote}"
    )
    imsi_file = encode_imsi_file(imsi).hex().upper()
    redactor.redact_written('AT+CRSM=176,28423,0,0,9,,"7FFF"')
    assert redactor.redact_read(f'+CRSM: 144,0,"{imsi_file}"') == f'+CRSM: 144,0,"{fake_hash(imsi)}"'
    assert redactor.redact_read(f"the IMSI is {imsi}") == f"the IMSI is {fake_hash(imsi)}"  # learnt


def test_other_sim_file_reads_stay_and_an_undecodable_identity_file_is_still_hashed() -> None:
    redactor = _redactor_after('AT+CRSM=176,28539,0,0,12,,"7FFF"')
    assert (
        redactor.redact_read('+CRSM: 144,0,"64F000FFFFFFFFFFFFFFFFFF"')
        == '+CRSM: 144,0,"64F000FFFFFFFFFFFFFFFFFF"'
    )
    redactor.redact_written("AT+CRSM=176,28423,0,0,9")
    assert "0829435190" not in redactor.redact_read('+CRSM: 144,0,"0829435190FFFF"')

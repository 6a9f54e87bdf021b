"""Reading a module's activity back from an AT transcript: which commands are attach, PDN, report, DNS and
power-saving requests, and which lines are registration and RRC states; a URC and the answer to a read
command are told apart; the header gives the port and the session's wall-clock start."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from harness.results.transcript_activity import activity_of, parse_command, read_activity
from harness.transcript_grammar import Direction, TranscriptEntry


def written(t_s: float, text: str) -> TranscriptEntry:
    return TranscriptEntry(t_s=t_s, direction=Direction.WRITTEN, text=text)


def read(t_s: float, text: str) -> TranscriptEntry:
    return TranscriptEntry(t_s=t_s, direction=Direction.READ, text=text)


def test_commands_are_sorted_into_their_kinds() -> None:
    entries = [
        written(1.0, "AT+CFUN=1"), read(1.01, "OK"),
        written(2.0, "AT+CGATT=1"), read(2.01, "+CME ERROR: 30"),
        written(3.0, "AT+CGACT=1,1"), read(3.01, "OK"),
        written(4.0, "AT+QIACT=1"), read(4.01, "OK"),
        written(5.0, "AT+QISEND=0,50,1"), read(5.01, "OK"),
        written(6.0, "AT+QISEND=0,50"), read(6.01, "OK"),
        written(7.0, "AT+QISEND=0,0"), read(7.01, "+QISEND: 100,100,0"), read(7.02, "OK"),
        written(8.0, "AT+QIDNSGIP=1,\"example.com\""), read(8.01, "OK"),
        written(9.0, "AT+CPSMS=1,,,\"00000110\",\"00000100\""), read(9.01, "OK"),
        written(10.0, "AT+CFUN=0"), read(10.01, "OK"),
        written(11.0, "AT+CGACT=0,1"), read(11.01, "OK"),
        written(12.0, "AT+CEDRXS=0"), read(12.01, "OK"),
        written(13.0, 'AT+QEDRXCFG=2,5,"0010","0001"'), read(13.01, "OK"),
        written(14.0, "AT+QEDRXCFG=0"), read(14.01, "OK"),
        written(15.0, "AT+QEDRXCFG?"), read(15.01, '+QEDRXCFG: 5,"0010","0001"'), read(15.02, "OK"),
    ]  # fmt: skip
    activity = activity_of(entries)
    assert activity.attach_commands == (1.0, 2.0)
    assert activity.command_failures == (2.01,)
    assert activity.pdn_activations == (3.0, 4.0)
    assert activity.report_sends == (5.0, 6.0)
    assert activity.release_assisted_sends == (5.0,)
    assert activity.dns_lookups == (8.0,)
    assert activity.power_saving_requests == (9.0, 13.0)  # PSM on; eDRX on with a PTW (Quectel)


def test_registration_and_rrc_states_from_urcs_and_read_answers() -> None:
    entries = [
        read(1.0, "+CEREG: 2"),
        read(2.0, "+CEREG: 3,,,,0,17"),
        written(3.0, "AT+CEREG?"), read(3.01, "+CEREG: 5,2"), read(3.02, "OK"),
        read(4.0, "+CSCON: 1"), read(5.0, "+CSCON: 0"),
        read(6.0, "+CEREG: 1,\"1A2B\",\"01A2B3C4\",9,,,\"00000100\",\"00000110\""),
    ]  # fmt: skip
    activity = activity_of(entries)
    assert [(r.t_s, r.stat, r.reject_cause, r.is_read) for r in activity.registration] == [
        (1.0, 2, None, False),
        (2.0, 3, 17, False),
        (3.01, 2, None, True),  # read form: n=5, stat 2
        (6.0, 1, None, False),
    ]
    assert activity.rrc_connected == (4.0,)
    assert activity.rrc_released == (5.0,)
    assert activity.granted_active_time_s == (8,)  # "00000100": 4 x 2 s (24.008 GPRS timer 2)


def test_the_header_gives_port_start_and_timer_scale(tmp_path: Path) -> None:
    log = tmp_path / "at.log"
    log.write_text(
        "# miot-harness AT transcript; port virtual://bc660k?reject=17&timer_scale=0.01\n"
        "# session opened 2026-11-25T19:29:04.500Z; t = seconds since then (monotonic)\n"
        "# this file starts at +0.000s\n"
        "+1.000s > AT+QISEND=0,5\n+1.001s < OK\n",
        encoding="utf-8",
    )
    activity = read_activity(log)
    assert activity.timer_scale == 0.01
    assert activity.opened_utc_s == 1795634944.5
    assert activity.utc_s(1.0) == 1795634945.5
    assert activity.report_sends == (1.0,)


def test_a_session_reopened_in_the_same_file_continues_on_the_first_clock(tmp_path: Path) -> None:
    # module recovery reopens the port for the same test: a second header, its clock at 0 again
    log = tmp_path / "at.log"
    log.write_text(
        "# miot-harness AT transcript; port virtual://bc660k\n"
        "# session opened 2026-11-25T19:29:04.500Z; t = seconds since then (monotonic)\n"
        "# this file starts at +0.000s\n"
        "+1.000s > AT+CFUN=1\n+1.001s < OK\n"
        "# miot-harness AT transcript; port virtual://bc660k\n"
        "# session opened 2026-11-25T19:29:34.500Z; t = seconds since then (monotonic)\n"
        "# this file starts at +0.000s\n"
        "+2.000s > AT+CFUN=1\n+2.001s < OK\n",
        encoding="utf-8",
    )
    assert read_activity(log).attach_commands == (1.0, 32.0)


def test_hardware_runs_its_timers_at_their_length() -> None:
    assert activity_of([], port="/dev/ttyUSB2").timer_scale == 1.0
    assert activity_of([], port="virtual://bc660k?ce=1").timer_scale == 1.0


@given(st.text(max_size=40))
def test_any_written_line_is_a_command_or_none_and_never_raises(text: str) -> None:
    command = parse_command(0.0, text)
    assert command is None or command.name.startswith(("+", "%"))


@given(st.lists(st.text(max_size=30), max_size=20))
def test_any_read_lines_give_an_activity_without_raising(lines: list[str]) -> None:
    activity = activity_of([read(float(i), line) for i, line in enumerate(lines)])
    assert len(activity.registration) <= len(lines)

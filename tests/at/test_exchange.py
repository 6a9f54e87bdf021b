from __future__ import annotations

from harness.at.exchange import ATResponse, Urc
from harness.at.framing import FinalKind
from harness.at.responses import Cgpaddr, Cscon


def response(*lines: str) -> ATResponse:
    return ATResponse(
        command="AT+CGPADDR",
        lines=lines,
        final="OK",
        kind=FinalKind.OK,
        code=None,
        data=b"",
        started_s=1.0,
        ended_s=1.25,
    )


def test_accessors_pick_lines_by_whole_prefix() -> None:
    answer = response('+CGPADDR: 0,"10.0.0.2"', "+CGPADDRX: 9", '+CGPADDR: 1,"10.0.0.3"', "+CPIN: READY")
    assert answer.matching("+CGPADDR") == ('+CGPADDR: 0,"10.0.0.2"', '+CGPADDR: 1,"10.0.0.3"')
    assert answer.first("+CGPADDR") == '+CGPADDR: 0,"10.0.0.2"'
    assert answer.first("+CSQ") is None
    assert answer.value_of("+CPIN") == "READY"
    assert answer.value_of("+CSQ") is None
    assert answer.duration_s == 0.25


def test_parsed_reads_the_line_as_an_answer_and_a_urc_as_a_urc() -> None:
    answer = response("+CSCON: 1,0", '+CGPADDR: 1,"10.0.0.3"')
    assert answer.parsed("+CSCON") == Cscon(n=1, mode=0, state=None, access=None)
    assert isinstance(answer.parsed("+CGPADDR"), Cgpaddr)
    assert answer.parsed("+CSQ") is None
    assert Urc(line="+CSCON: 1,7", t_s=0.0).parsed() == Cscon(n=None, mode=1, state=7, access=None)

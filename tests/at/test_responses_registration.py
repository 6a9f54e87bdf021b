"""harness.at.responses.registration: +CEREG, +CGREG, +CREG and +C5GREG in every n mode and both forms.

Golden lines come from cellular-iot.md §1.1-1.2 ([S1][S5][S7][S26]), the BC660K manual §4.1/§4.5 [S5] and
the RG50xQ/RM5xxQ network application note §3.1 [S14]; property tests build lines from generated values.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import C5greg, Cereg, Cgreg, Creg, parse, parse_as
from harness.at.timers import decode_gprs_timer, decode_gprs_timer2, decode_gprs_timer3
from tests.at.test_responses import assert_refused, quirky_line

R = TypeVar("R")


def make(kind: type[R], **fields: object) -> R:
    """A dataclass of `kind` with every field None (an empty tuple for tuples) unless given."""
    names = {f.name: "tuple" in str(f.type) for f in dataclasses.fields(cast(Any, kind))}
    base: dict[str, Any] = {name: () if is_tuple else None for name, is_tuple in names.items()}
    base.update(fields)
    return kind(**base)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('+CEREG: 2,"E485","093F9E11",7', make(Cereg, stat=2, tac="E485", ci="093F9E11", act=7)),
        (
            '+CEREG: 1,"E485","093F9E11",7,,,"11100000","11100000"',
            make(
                Cereg,
                stat=1,
                tac="E485",
                ci="093F9E11",
                act=7,
                active_time_bits="11100000",
                periodic_tau_bits="11100000",
            ),
        ),
        (
            '+CEREG: 1,"0001","01A2D002",7,,,"00100110","11100000"',
            make(
                Cereg,
                stat=1,
                tac="0001",
                ci="01A2D002",
                act=7,
                active_time_bits="00100110",
                periodic_tau_bits="11100000",
                active_time_s=360,
            ),
        ),
        (
            '+CEREG: 4,5,"54DB","0F6B0578",7,,,"00100100","01000111"',
            make(
                Cereg,
                n=4,
                stat=5,
                tac="54DB",
                ci="0F6B0578",
                act=7,
                active_time_bits="00100100",
                periodic_tau_bits="01000111",
                active_time_s=240,
                periodic_tau_s=70 * 3600,
            ),
        ),
        (
            '+CEREG: 3,3,"4C10","05C4EF33",9,0,15',
            make(Cereg, n=3, stat=3, tac="4C10", ci="05C4EF33", act=9, cause_type=0, reject_cause=15),
        ),
        # BC660K [S5] §4.1: the read form's location only while registered, so a reject leaves it empty
        ("+CEREG: 3,3,,,,0,15", make(Cereg, n=3, stat=3, cause_type=0, reject_cause=15)),
        ("+CEREG: 5,3,,,,0,7", make(Cereg, n=5, stat=3, cause_type=0, reject_cause=7)),
        (  # the virtual RG255C's +C5GREG URC after #7 (n=3)
            '+C5GREG: 3,"690E0F","9013B004",11,4,"01.000000",0,7',
            make(
                C5greg,
                stat=3,
                tac="690E0F",
                ci="9013B004",
                act=11,
                allowed_nssai_length=4,
                allowed_nssai="01.000000",
                allowed_s_nssais=("01.000000",),
                cause_type=0,
                reject_cause=7,
            ),
        ),
        ('+CEREG: 2,1,"DE10","5A29C0B",7', make(Cereg, n=2, stat=1, tac="DE10", ci="5A29C0B", act=7)),
        ("+CEREG: 1,1", make(Cereg, n=1, stat=1)),
        ("+CEREG: 4", make(Cereg, stat=4)),
        ("+CEREG:5", make(Cereg, stat=5)),  # BC95: no space after the colon
        ('+CEREG: 1, "4c10", "05c4ef33", 9  ', make(Cereg, stat=1, tac="4C10", ci="05C4EF33", act=9)),
        ("+CEREG: 1,4C10,05C4EF33,9", make(Cereg, stat=1, tac="4C10", ci="05C4EF33", act=9)),
        ("+CEREG: 90", make(Cereg, stat=90)),
        (
            '+CGREG: 2,1,"D5D5","8054BBF",2,"0"',
            make(Cgreg, n=2, stat=1, lac="D5D5", ci="8054BBF", act=2, rac="0"),
        ),
        ('+CGREG: 1,"D5D5","8054BBF",2,"0"', make(Cgreg, stat=1, lac="D5D5", ci="8054BBF", act=2, rac="0")),
        (
            '+CGREG: 5,1,"D5D5","8054BBF",2,"3F",0,7,"00100100","01000111","00001010"',
            make(
                Cgreg,
                n=5,
                stat=1,
                lac="D5D5",
                ci="8054BBF",
                act=2,
                rac="3F",
                cause_type=0,
                reject_cause=7,
                active_time_bits="00100100",
                periodic_rau_bits="01000111",
                gprs_ready_timer_bits="00001010",
                active_time_s=240,
                periodic_rau_s=70 * 3600,
                gprs_ready_timer_s=20,
            ),
        ),
        ("+CREG: 0 , 6", make(Creg, n=0, stat=6)),  # BC660K §4.5's example, space before the comma
        ('+CREG: 1,"D509","80D413D",7', make(Creg, stat=1, lac="D509", ci="80D413D", act=7)),
        (
            '+CREG: 3,3,"D509","80D413D",7,0,11',
            make(Creg, n=3, stat=3, lac="D509", ci="80D413D", act=7, cause_type=0, reject_cause=11),
        ),
        (
            '+C5GREG: 2,1,"690E0F","9013B004",11,4,"01.000000"',
            make(
                C5greg,
                n=2,
                stat=1,
                tac="690E0F",
                ci="9013B004",
                act=11,
                allowed_nssai_length=4,
                allowed_nssai="01.000000",
                allowed_s_nssais=("01.000000",),
            ),
        ),
        (
            '+C5GREG: 1,"690E0F","FAD5383F2",11,,',
            make(C5greg, stat=1, tac="690E0F", ci="FAD5383F2", act=11),
        ),
        (
            '+C5GREG: 1,"690E0F","09013B004",11,9,"01.D143A5:02;01"',
            make(
                C5greg,
                stat=1,
                tac="690E0F",
                ci="09013B004",
                act=11,
                allowed_nssai_length=9,
                allowed_nssai="01.D143A5:02;01",
                allowed_s_nssais=("01.D143A5", "02;01"),
            ),
        ),
        ("+C5GREG: 8", make(C5greg, stat=8)),
    ],
)
def test_golden_lines(line: str, expected: object) -> None:
    assert parse(line) == expected


@pytest.mark.parametrize(
    ("line", "solicited"),
    [
        ("+CEREG: 1,2,3", None),  # 3 fields: neither form
        ("+CEREG: 2,5", False),  # read shape, but said to be a URC
        ("+CEREG: 5", True),  # a URC of the answer's own prefix, inside the answer
        ("+CEREG:", None),
        ("+CEREG: x", None),
        ("+CEREG: 6,1", None),  # n is 0..5
        ("+CEREG: -1", None),
        ('+CEREG: 1,"GG10","05C4EF33",9', None),
        ('+CEREG: 1,"04C10","05C4EF33",9', None),  # TAC is 2 bytes
        ('+CEREG: 1,"4C10","1FFFFFFF",9', None),  # E-UTRAN CI is 28 bits
        ('+CEREG: 1,"4C10","05C4EF33",9,,,"0010001","11100000"', None),
        ('+CEREG: 1,"4C10","05C4EF33",9,2,,"00100001","11100000"', None),  # cause_type is 0 or 1
        ('+CEREG: 1,"4C10,"05C4EF33",9', None),  # unbalanced quotes
        ('+CEREG: 1,"4C10"x,"05C4EF33",9', None),
        ("+CEREG: (0-5)", None),  # a test command's answer is not a status
        ('+CGREG: 1,"D5D5","8054BBF",2,"100"', None),  # RAC is 1 byte
        ('+CGREG: 2,1,"D5D5","8054BBF",2', None),  # +CGREG has <rac>: 5 fields are no form
        ("+CREG: 4,1", None),  # +CREG's n is 0..3
        ('+CREG: 1,"D509","80D413D",7,,,"00100100","01000111"', None),  # no PSM timers in +CREG
        ('+C5GREG: 1,"1690E0F","9013B004",11,,', None),  # 5GS TAC is 3 bytes
        ('+C5GREG: 1,"690E0F","1FAD5383F2",11,,', None),  # NR CI is 36 bits
        ('+C5GREG: 1,"690E0F","9013B004",11,4,"01.xyz"', None),
        ('+C5GREG: 1,"690E0F","9013B004",11,4,"01::02"', None),
        ('+C5GREG: 2,1,"690E0F","9013B004",11,4,"01.000000",0,2,1', None),  # CAG fields are not read
    ],
)
def test_lines_that_cannot_be_read_are_refused(line: str, solicited: bool | None) -> None:
    assert_refused(line, solicited=solicited)


def test_the_shape_tells_an_answer_from_a_urc_of_the_same_prefix() -> None:
    answer, urc = '+CEREG: 2,1,"4C10","05C4EF33",9', '+CEREG: 1,"4C10","05C4EF33",9'
    assert parse_as(answer, Cereg, solicited=True).n == 2
    assert parse_as(urc, Cereg, solicited=False).n is None
    assert_refused(answer, solicited=False)
    assert_refused(urc, solicited=True)


# --- properties ------------------------------------------------------------------------------------------


def hex_text(max_value: int, *, digits: int) -> st.SearchStrategy[str]:
    """Hex of a value below max_value: zero-padded to `digits` or not, upper or lower case."""

    def render(value: int, is_padded: bool, is_lower: bool) -> str:
        text = f"{value:0{digits}X}" if is_padded else f"{value:X}"
        return text.lower() if is_lower else text

    return st.builds(render, st.integers(0, max_value - 1), st.booleans(), st.booleans())


bits8 = st.integers(0, 255).map(lambda v: f"{v:08b}")
stats = st.sampled_from([0, 1, 2, 3, 4, 5, 6, 8, 90])


@st.composite
def registration_case(draw: st.DrawFn) -> tuple[type[Any], str, bool, dict[str, Any]]:
    """A command, its line (read or URC form, any allowed n), whether it is the read form, and the fields
    the parser must return."""
    kind = draw(st.sampled_from([Cereg, Cgreg, Creg, C5greg]))
    n_high = {Cereg: 5, Cgreg: 5, Creg: 3, C5greg: 3}[kind]
    n = draw(st.integers(1, n_high))
    is_read = draw(st.booleans())
    is_registered = draw(st.booleans())
    stat = draw(stats)
    area_name = "lac" if kind in (Cgreg, Creg) else "tac"
    area = draw(hex_text(1 << 24, digits=6) if kind is C5greg else hex_text(1 << 16, digits=4))
    ci = draw(hex_text(1 << 36, digits=10) if kind is C5greg else hex_text(1 << 28, digits=8))
    act = draw(st.sampled_from([2, 7, 9, 11, 13]))
    cause = (draw(st.integers(0, 1)), draw(st.integers(0, 65_535)))
    values: list[str | None] = [str(stat)]
    expected: dict[str, Any] = {"n": n if is_read else None, "stat": stat}
    if n >= 2 and is_registered:
        values += [area, ci, str(act)]
        expected |= {area_name: area.upper(), "ci": ci.upper(), "act": act}
        if kind is Cgreg:
            rac = draw(hex_text(256, digits=2))
            values.append(rac)
            expected["rac"] = rac.upper()
        if kind is C5greg:
            nssai = draw(st.lists(hex_text(256, digits=2), min_size=1, max_size=3).map(":".join))
            values += [str(len(nssai)), nssai]
            expected |= {"allowed_nssai_length": len(nssai), "allowed_nssai": nssai}
            expected["allowed_s_nssais"] = tuple(nssai.split(":"))
        if n in (3, 5):
            values += [str(cause[0]), str(cause[1])]
            expected |= {"cause_type": cause[0], "reject_cause": cause[1]}
        if n == 4:
            values += [None, None]
        if n in (4, 5):
            timers = draw(st.lists(bits8, min_size=3, max_size=3))
            names = ["active_time", "periodic_tau"] if kind is Cereg else ["active_time", "periodic_rau"]
            names += [] if kind is Cereg else ["gprs_ready_timer"]
            decoders = [decode_gprs_timer2, decode_gprs_timer3, decode_gprs_timer]
            for name, bits, decode in zip(names, timers, decoders, strict=False):
                values.append(bits)
                expected |= {f"{name}_bits": bits, f"{name}_s": decode(bits)}
    prefix = {Cereg: "+CEREG", Cgreg: "+CGREG", Creg: "+CREG", C5greg: "+C5GREG"}[kind]
    line = draw(quirky_line(prefix, [str(n), *values] if is_read else values))
    return kind, line, is_read, expected


@given(case=registration_case(), say_form=st.booleans())
def test_generated_lines_read_back(case: tuple[type[Any], str, bool, dict[str, Any]], say_form: bool) -> None:
    kind, line, is_read, expected = case
    value = parse_as(line, kind, solicited=is_read if say_form else None)
    assert value == make(kind, **expected)
    assert_refused(line, solicited=not is_read)

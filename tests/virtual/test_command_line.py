"""harness.virtual.command_line: V.250 command line syntax on the module side."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.virtual.command_line import ATCommand, CommandKind, int_arg, parse_command_line, split_args


def test_parse_command_line_kinds_and_names() -> None:
    commands = parse_command_line('+cereg=?;+CEREG?;+QIOPEN=0,1,"UDP","127.0.0.1",5683;+CGMM;E1&F')
    assert [(c.name, c.kind) for c in commands] == [
        ("+CEREG", CommandKind.TEST),
        ("+CEREG", CommandKind.READ),
        ("+QIOPEN", CommandKind.WRITE),
        ("+CGMM", CommandKind.EXECUTE),
        ("E", CommandKind.EXECUTE),
        ("&F", CommandKind.EXECUTE),
    ]
    assert commands[2].args == ("0", "1", "UDP", "127.0.0.1", "5683")
    assert commands[4].args == ("1",)


def test_split_args_keeps_quoted_commas_and_spaces_and_empty_fields() -> None:
    assert split_args('1, "a, b" ,,"x y"') == ("1", "a, b", "", "x y")


@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_characters='",', blacklist_categories=("Cs",))),
        min_size=1,
        max_size=6,
    )
)
def test_quoted_args_round_trip(values: list[str]) -> None:
    assert split_args(",".join(f'"{value}"' for value in values)) == tuple(values)


@pytest.mark.parametrize("text", ['+X="unterminated', "+", "+X?junk", "9", "+X;?"])
def test_lines_that_are_not_v250_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_command_line(text)


def test_int_arg_checks_range_and_takes_a_default_for_an_empty_field() -> None:
    command = ATCommand(name="+X", kind=CommandKind.WRITE, args=("3", "", "x"))
    assert int_arg(command, 0, 0, 5) == 3
    assert int_arg(command, 1, 0, 5, default=4) == 4
    assert int_arg(command, 5, 0, 5, default=1) == 1
    for index, low, high in ((0, 4, 5), (1, 0, 5), (2, 0, 5)):
        with pytest.raises(ValueError, match=r"argument"):
            int_arg(command, index, low, high)

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.command import CommandForm, check_command, command_form, quote_arg, read_head, response_prefix


@pytest.mark.parametrize("value", ["CMNBIOT", "", "a b", "ims.mnc001.mcc460.gprs", "x,y"])
def test_quote_arg_quotes_plain_values(value: str) -> None:
    assert quote_arg(value) == f'"{value}"'


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ('cmnet"\r\nAT+CFUN=0', "'\"'"),
        ("cmnet\rAT+CFUN=0", "'\\r'"),
        ("cmnet\n", "'\\n'"),
        ("cmnet;+CFUN=0", "';'"),
        ("cm\\22net", "'\\\\'"),
        ("cm\x00net", "'\\x00'"),
        ("cmnét", "'é'"),
    ],
)
def test_quote_arg_rejects_what_could_inject_a_command(value: str, named: str) -> None:
    with pytest.raises(ValueError, match="AT string argument") as raised:
        quote_arg(value)
    assert named in str(raised.value)


@given(st.text())
def test_quote_arg_output_is_one_safe_string(value: str) -> None:
    try:
        quoted = quote_arg(value)
    except ValueError:
        return
    inner = quoted[1:-1]
    assert quoted == f'"{inner}"'
    assert not set(inner) & set('";\\\r\n')
    check_command(f"AT+CGDCONT=1,{quoted}")


@pytest.mark.parametrize("cmd", ["AT", 'AT+CGDCONT=1,"IP","cmnet"', "AT+CMEE=1;+CEREG=2", "ATE0"])
def test_check_command_accepts_one_printable_line(cmd: str) -> None:
    check_command(cmd)


@pytest.mark.parametrize("cmd", ["", "  ", "AT\r", "AT\nAT", "AT\x1a", "AT\x7f", "AT+COPS=é"])
def test_check_command_rejects_line_ends_and_control_characters(cmd: str) -> None:
    with pytest.raises(ValueError, match="AT command"):
        check_command(cmd)


@pytest.mark.parametrize(
    ("cmd", "prefix"),
    [
        ("AT+CEREG?", "+CEREG"),
        ("AT+CEREG=?", "+CEREG"),
        ("AT+QIRD=0,512", "+QIRD"),
        ("at+csq", "+CSQ"),
        ('AT#XPING="127.0.0.1",45,5000', "#XPING"),
        ("AT%XMONITOR", "%XMONITOR"),
        ("AT^SEDRXS?", "^SEDRXS"),
        ("ATE0", None),
        ("ATI", None),
        ("AT", None),
    ],
)
def test_response_prefix_of_a_command(cmd: str, prefix: str | None) -> None:
    assert response_prefix(cmd) == prefix


@pytest.mark.parametrize(
    ("cmd", "form"),
    [
        ("AT+CEREG=?", CommandForm.TEST),
        ("AT+CEREG?", CommandForm.READ),
        ("at+cereg?", CommandForm.READ),
        ("AT+CEREG=2", CommandForm.SET),
        ('AT+QIOPEN=0,0,"UDP","127.0.0.1",5683', CommandForm.SET),
        ("AT+CGMI", CommandForm.EXECUTE),
        ("AT+CEREG?;+CSQ", CommandForm.READ),
        ("ATE0", CommandForm.EXECUTE),
        ("AT", CommandForm.EXECUTE),
        ('AT#XPING="127.0.0.1"', CommandForm.SET),
    ],
)
def test_command_form(cmd: str, form: CommandForm) -> None:
    assert command_form(cmd) is form
    assert read_head(cmd) == (response_prefix(cmd), form)

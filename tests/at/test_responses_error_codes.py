"""harness.at.responses.error_codes: +CME ERROR / +CMS ERROR, numeric and verbose, and their code tables
(TS 27.007 §9.2, TS 27.005 §3.2.5; cellular-iot.md §1.7; BC660K manual Tables 5 and 6 [S5])."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.at.responses import CME_ERRORS, CMS_ERRORS, CmeError, CmsError, parse
from tests.at.test_responses import assert_refused


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("+CME ERROR: 10", CmeError(code=10, text="SIM not inserted")),
        ("+CME ERROR: SIM not inserted", CmeError(code=10, text="SIM not inserted")),
        ("+CME ERROR: USIM not inserted", CmeError(code=10, text="USIM not inserted")),  # BC660K wording
        ("+CME ERROR: Incorrect Parameters", CmeError(code=50, text="Incorrect Parameters")),
        ("+CME ERROR: operation not allowed ", CmeError(code=3, text="operation not allowed")),
        ("+CME ERROR: Mission or unknown APN", CmeError(code=127, text="Mission or unknown APN")),
        ("+CME ERROR:  3 ", CmeError(code=3, text="operation not allowed")),
        (
            "+CME ERROR: Network not allowed - emergency call only",
            CmeError(code=32, text="Network not allowed - emergency call only"),
        ),
        ("+CME ERROR: 301", CmeError(code=301, text=None)),  # BC660K's own: a dialect's business
        ("+CME ERROR: 557", CmeError(code=557, text=None)),  # ML307R socket error
        ("+CME ERROR: no such error here", CmeError(code=None, text="no such error here")),
        ("+CMS ERROR: 500", CmsError(code=500, text="unknown error")),
        ("+CMS ERROR: 301", CmsError(code=301, text="SMS service of ME reserved")),
        ("+CMS ERROR: USIM PUK required", CmsError(code=316, text="USIM PUK required")),
        ("+CMS ERROR: 42", CmsError(code=42, text=None)),  # a TS 24.011 network cause
    ],
)
def test_numeric_lines_get_their_text_and_verbose_lines_their_code(line: str, expected: object) -> None:
    assert parse(line) == expected


def test_cme_and_cms_codes_are_not_mixed() -> None:
    assert parse("+CME ERROR: SMS service of ME reserved") == CmeError(
        code=None, text="SMS service of ME reserved"
    )
    assert parse("+CMS ERROR: phone failure") == CmsError(code=None, text="phone failure")


@pytest.mark.parametrize("line", ["+CME ERROR:", "+CME ERROR:   ", "+CMS ERROR:"])
def test_empty_error_lines_are_refused(line: str) -> None:
    assert_refused(line)


def test_the_tables_hold_the_reference_codes() -> None:
    # cellular-iot.md §1.7 lists these; the texts are the codes' meaning there.
    assert CME_ERRORS.text_of(13) == "SIM failure"
    assert CME_ERRORS.text_of(148) == "unspecified GPRS error"
    assert CME_ERRORS.text_of(171) == "last PDN disconnection not allowed"
    assert CMS_ERRORS.text_of(330) == "SMSC address unknown"
    assert CME_ERRORS.text_of(602) is None
    assert all(300 <= code <= 500 for code in CMS_ERRORS.names)


def test_no_two_codes_share_a_text() -> None:
    for table in (CME_ERRORS, CMS_ERRORS):
        for code, names in table.names.items():
            assert all(table.code_of(name) == code for name in names)


_cme = st.sampled_from(sorted(CME_ERRORS.names))
_cms = st.sampled_from(sorted(CMS_ERRORS.names))


@st.composite
def restyled(draw: st.DrawFn, text: str) -> str:
    """The text as modules print it: any case, USIM for SIM, blanks and a full stop around it."""
    text = draw(st.sampled_from([text, text.upper(), text.lower(), text.title()]))
    if draw(st.booleans()):
        text = re.sub(r"\b(sim)\b", r"u\1", text, flags=re.IGNORECASE)
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", ".", " "]))


@given(code=_cme, data=st.data())
def test_cme_round_trip(code: int, data: st.DataObject) -> None:
    text = CME_ERRORS.text_of(code)
    assert text is not None
    assert parse(f"+CME ERROR: {code}") == CmeError(code=code, text=text)
    verbose = data.draw(restyled(text))
    assert parse(f"+CME ERROR: {verbose}") == CmeError(code=code, text=verbose.strip(" "))


@given(code=_cms, data=st.data())
def test_cms_round_trip(code: int, data: st.DataObject) -> None:
    text = CMS_ERRORS.text_of(code)
    assert text is not None
    assert parse(f"+CMS ERROR: {code}") == CmsError(code=code, text=text)
    verbose = data.draw(restyled(text))
    assert parse(f"+CMS ERROR: {verbose}") == CmsError(code=code, text=verbose.strip(" "))

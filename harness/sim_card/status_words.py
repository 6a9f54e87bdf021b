"""sim_card layer: the status word (SW1 SW2) that ends every card answer, named as ETSI TS 102 221 §10.2.1
lists them (UICC), with the GSM SIM words of 3GPP TS 51.011 §9.4 (94 04, 98 04, 9F xx ...) that older
cards and some modules still pass through +CRSM.

`check_status(sw1, sw2, file=...)` returns the StatusWord of a normal ending (90 00, 91 xx, 92 xx, 9F xx,
61 xx) and raises the SimError subclass of harness.errors that fits any other, naming the file and the
word: SimFileNotFound, SimSecurityNotSatisfied, SimWrongParameters, or SimError itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import SimError, SimFileNotFound, SimSecurityNotSatisfied, SimWrongParameters

# Exact words, TS 102 221 §10.2.1.1-10.2.1.6 and TS 51.011 §9.4.
_NAMES: dict[tuple[int, int], str] = {
    (0x90, 0x00): "normal ending of the command",
    (0x62, 0x00): "no information given, state of non-volatile memory unchanged",
    (0x62, 0x81): "part of returned data may be corrupted",
    (0x62, 0x82): "end of file/record reached before reading Le bytes",
    (0x62, 0x83): "selected file invalidated",
    (0x62, 0x85): "selected file in termination state",
    (0x62, 0xF1): "more data available",
    (0x62, 0xF2): "more data available and proactive command pending",
    (0x62, 0xF3): "response data available",
    (0x63, 0xF1): "more data expected",
    (0x63, 0xF2): "more data expected and proactive command pending",
    (0x64, 0x00): "execution error, state of non-volatile memory unchanged",
    (0x65, 0x00): "no information given, state of non-volatile memory changed",
    (0x65, 0x81): "memory problem",
    (0x67, 0x00): "wrong length",
    (0x68, 0x00): "functions in CLA not supported",
    (0x68, 0x81): "logical channel not supported",
    (0x68, 0x82): "secure messaging not supported",
    (0x69, 0x81): "command incompatible with file structure",
    (0x69, 0x82): "security status not satisfied",
    (0x69, 0x83): "authentication/PIN method blocked",
    (0x69, 0x84): "referenced data invalidated",
    (0x69, 0x85): "conditions of use not satisfied",
    (0x69, 0x86): "command not allowed (no EF selected)",
    (0x6A, 0x80): "incorrect parameters in the data field",
    (0x6A, 0x81): "function not supported",
    (0x6A, 0x82): "file or application not found",
    (0x6A, 0x83): "record not found",
    (0x6A, 0x84): "not enough memory space",
    (0x6A, 0x86): "incorrect parameters P1 to P2",
    (0x6A, 0x87): "Lc inconsistent with P1 to P2",
    (0x6A, 0x88): "referenced data not found",
    (0x6B, 0x00): "wrong parameter(s) P1-P2",
    (0x6D, 0x00): "instruction code not supported or invalid",
    (0x6E, 0x00): "class not supported",
    (0x6F, 0x00): "technical problem, no precise diagnosis",
    (0x98, 0x50): "increase cannot be performed, max value reached",
    (0x98, 0x62): "authentication error, application specific",
    (0x98, 0x63): "security session or association expired",
    # TS 51.011 §9.4 (GSM SIM)
    (0x94, 0x00): "no EF selected (GSM)",
    (0x94, 0x02): "out of range, invalid address (GSM)",
    (0x94, 0x04): "file ID not found (GSM)",
    (0x94, 0x08): "file is inconsistent with the command (GSM)",
    (0x98, 0x02): "no CHV initialized (GSM)",
    (0x98, 0x04): "access condition not fulfilled (GSM)",
    (0x98, 0x08): "in contradiction with CHV status (GSM)",
    (0x98, 0x10): "in contradiction with invalidation status (GSM)",
    (0x98, 0x40): "unsuccessful CHV verification, no attempt left (GSM)",
    (0x92, 0x40): "memory problem (GSM)",
}
# Words whose SW2 is a number, by SW1.
_NAMES_BY_SW1: dict[int, str] = {
    0x91: "normal ending, {} bytes of proactive command pending",
    0x92: "normal ending, extra information about an ongoing data transfer session ({})",
    0x9F: "normal ending, {} bytes of response data (GSM)",
    0x61: "normal ending, {} response bytes still available",
    0x6C: "wrong length Le, exact length is {}",
    0x67: "wrong length (GSM: incorrect parameter P3, {})",
    0x6B: "wrong parameter(s) P1-P2 ({})",
    0x6F: "technical problem ({})",
}
_NORMAL_SW1 = frozenset({0x90, 0x91, 0x9F, 0x61})
_NOT_FOUND = frozenset({(0x6A, 0x82), (0x94, 0x04), (0x6A, 0x83), (0x94, 0x02)})
_SECURITY = frozenset({(0x69, 0x82), (0x98, 0x04), (0x69, 0x83), (0x69, 0x85), (0x98, 0x40)})
_WRONG_PARAMETERS_SW1 = frozenset({0x67, 0x6B, 0x6C})
_WRONG_PARAMETERS = frozenset({(0x6A, 0x86), (0x6A, 0x87), (0x6A, 0x80), (0x69, 0x81), (0x94, 0x08)})


@dataclass(frozen=True, slots=True)
class StatusWord:
    sw1: int
    sw2: int

    @property
    def hex(self) -> str:
        return f"{self.sw1:02X} {self.sw2:02X}"

    @property
    def name(self) -> str:
        exact = _NAMES.get((self.sw1, self.sw2))
        if exact is not None:
            return exact
        if self.sw1 == 0x63 and self.sw2 & 0xF0 == 0xC0:
            return f"verification failed, {self.sw2 & 0x0F} retries left"
        pattern = _NAMES_BY_SW1.get(self.sw1)
        return pattern.format(self.sw2) if pattern is not None else "unknown status word"

    @property
    def is_normal(self) -> bool:
        """A normal ending (TS 102 221 §10.2.1.1; 92 0x of TS 51.011 too, but not 92 40)."""
        word = (self.sw1, self.sw2)
        return self.sw1 in _NORMAL_SW1 or (self.sw1 == 0x92 and word != (0x92, 0x40))

    def __str__(self) -> str:
        return f"{self.hex} ({self.name})"


def check_status(sw1: int, sw2: int, *, file: str, action: str) -> StatusWord:
    """The word when it is a normal ending; else the SimError that fits, naming `action` on `file`."""
    word = StatusWord(sw1, sw2)
    if word.is_normal:
        return word
    message = f"{action} {file}: the card answered {word}"
    error_class = _error_class(word)
    raise error_class(message, file=file, sw1=sw1, sw2=sw2)


def _error_class(word: StatusWord) -> type[SimError]:
    pair = (word.sw1, word.sw2)
    if pair in _NOT_FOUND:
        return SimFileNotFound
    if pair in _SECURITY:
        return SimSecurityNotSatisfied
    if word.sw1 in _WRONG_PARAMETERS_SW1 or pair in _WRONG_PARAMETERS:
        return SimWrongParameters
    return SimError

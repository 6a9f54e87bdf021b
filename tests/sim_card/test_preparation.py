"""harness.sim_card.preparation against a scripted card (every command the module would get recorded):
warm and dry runs send no write and no radio change, a SIM not marked writable gets no command at all, and
a card that refuses a write mid-way still gets its radio back on."""

from __future__ import annotations

import pytest

from harness.at import ATResponse, FinalKind
from harness.errors import SimNotWritable, SimSecurityNotSatisfied
from harness.sim_card import Preparation, SimCard, prepare

ISSUED_LOCI = "0000000100F11000010000"  # TMSI 1, LAI 001/01 LAC 1, updated


class ScriptedCard:
    """Answers +CRSM as a card holding the issued EF_LOCI and empty other files; UPDATE BINARY refused
    (69 82) when `is_refusing`."""

    def __init__(self, *, is_refusing: bool = False) -> None:
        self.commands: list[str] = []
        self.is_refusing = is_refusing

    def send(self, cmd: str, *, timeout_s: float | None = None, is_secret: bool = False) -> ATResponse:
        self.commands.append(cmd)
        return ATResponse(
            command=cmd, lines=self._lines(cmd), final="OK", kind=FinalKind.OK, code=None, data=b"",
            started_s=0.0, ended_s=0.0,
        )  # fmt: skip

    def _lines(self, cmd: str) -> tuple[str, ...]:
        if not cmd.startswith("AT+CRSM="):
            return ()
        ins, fid, *rest = cmd.removeprefix("AT+CRSM=").split(",")
        if ins == "192":  # GET RESPONSE of EF_FPLMN: 12 bytes
            return ('+CRSM: 144,0,"62078002000C"',)
        if ins == "214":
            return ("+CRSM: 105,130",) if self.is_refusing else ("+CRSM: 144,0",)
        length = int(rest[2])
        content = ISSUED_LOCI if fid == "28542" else "00" * length
        return (f'+CRSM: 144,0,"{content}"',)

    @property
    def updates(self) -> list[str]:
        return [c for c in self.commands if c.startswith("AT+CRSM=214")]


def test_warm_and_dry_runs_neither_write_nor_touch_the_radio() -> None:
    card = ScriptedCard()
    assert prepare(SimCard(card, is_writable=True), Preparation.WARM).writes == ()
    dry = prepare(SimCard(card), Preparation.COLD, is_dry_run=True)
    assert [w.file for w in dry.writes] == [
        "EF_FPLMN 6F7B",
        "EF_LOCI 6F7E",
        "EF_PSLOCI 6F73",
        "EF_EPSLOCI 6FE3",
    ]
    assert dry.writes[1].old_hex == ISSUED_LOCI
    assert "would write" in dry.describe()
    assert card.updates == []
    assert not [c for c in card.commands if c.startswith("AT+CFUN")]


def test_a_sim_not_marked_writable_gets_no_command() -> None:
    card = ScriptedCard()
    with pytest.raises(SimNotWritable, match="nothing was written"):
        prepare(SimCard(card), Preparation.COLD)
    assert card.commands == []


def test_cold_writes_with_the_radio_off_and_turns_it_on_again() -> None:
    card = ScriptedCard()
    result = prepare(SimCard(card, is_writable=True), Preparation.COLD)
    assert card.commands[0] == "AT+CFUN=4"
    assert card.commands[-1] == "AT+CFUN=1"
    assert len(card.updates) == len(result.writes) == 4
    assert card.updates[0] == 'AT+CRSM=214,28539,0,0,12,"FFFFFFFFFFFFFFFFFFFFFFFF","7FFF"'


def test_a_refused_write_still_turns_the_radio_on_again() -> None:
    card = ScriptedCard(is_refusing=True)
    with pytest.raises(SimSecurityNotSatisfied, match="UPDATE BINARY EF_FPLMN 6F7B: the card answered 69 82"):
        prepare(SimCard(card, is_writable=True), Preparation.COLD)
    assert card.commands[-1] == "AT+CFUN=1"
    assert len(card.updates) == 1

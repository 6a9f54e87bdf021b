"""virtual layer: +CRSM (restricted SIM access, 3GPP TS 27.007 §8.18) and +CSIM (generic SIM access, §8.17)
as a virtual module answers them, on its UICC (harness.virtual.uicc). Shared by every model
(harness.virtual.ts27007_commands.standard_table).

+CRSM: READ BINARY 176, GET RESPONSE 192 (the file's FCP), UPDATE BINARY 214 and STATUS 242 (the USIM ADF's
FCP); READ RECORD 178 / UPDATE RECORD 220 meet transparent files only: 69 81. The answer is `+CRSM: <sw1>,
<sw2>[,"<hex>"]`, as BC660K prints it ([S5] §8.7). +CSIM takes SELECT (A4: P1 00 by file id, 08 by path from
the MF; P2 0C answers no data, otherwise the FCP), READ BINARY (B0) and UPDATE BINARY (D6) on the selected EF,
with CLA 00 (UICC) or A0 (GSM); the answer is `+CSIM: <length>,"<hex + status word>"`. Malformed arguments
(not numbers, odd hex, a length that does not count the APDU) are +CME ERROR: 50, as the front answers any
ValueError.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from harness.virtual.at_front import Handler, Reply, error, ok
from harness.virtual.command_line import ATCommand, CommandKind, int_arg
from harness.virtual.uicc import (
    MF,
    SW_INCOMPATIBLE,
    SW_NOT_FOUND,
    USIM,
    CardAnswer,
    CardFile,
    Uicc,
)

if TYPE_CHECKING:
    from harness.virtual.module import VirtualModule


class Crsm(IntEnum):
    READ_BINARY = 176
    READ_RECORD = 178
    GET_RESPONSE = 192
    UPDATE_BINARY = 214
    UPDATE_RECORD = 220
    STATUS = 242


class Ins(IntEnum):
    """Instruction codes of TS 102 221 §10.1.2."""

    SELECT = 0xA4
    READ_BINARY = 0xB0
    UPDATE_BINARY = 0xD6


SW_UNKNOWN_INS = (0x6D, 0x00)
SW_UNKNOWN_CLASS = (0x6E, 0x00)
SW_NO_EF = (0x69, 0x86)
_CLASSES = (0x00, 0xA0)
_NO_DATA_P2 = 0x0C
_DF_FCP = bytes.fromhex("62078202782183027FFF")  # a DF (descriptor 78 21), the USIM ADF's id


class UiccCommands:
    def __init__(self, module: VirtualModule) -> None:
        self._module = module
        self._selected: CardFile | None = None  # the EF +CSIM selected last

    @property
    def _card(self) -> Uicc:
        return self._module.uicc

    def table(self) -> dict[str, Handler]:
        return {"+CRSM": self.crsm, "+CSIM": self.csim}

    def crsm(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.TEST:
                return ok()
            case CommandKind.WRITE:
                answer = self._restricted(command)
                shown = f',"{answer.data.hex().upper()}"' if answer.data else ""
                return ok(f"+CRSM: {answer.sw[0]},{answer.sw[1]}{shown}")
        return error()

    def csim(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.TEST:
                return ok()
            case CommandKind.WRITE:
                length = int_arg(command, 0, 8, 2 * 261)
                text = command.args[1] if len(command.args) == 2 else ""
                if len(text) != length:
                    raise ValueError(f"+CSIM length {length} does not count the {len(text)} hex characters")
                answer = self._apdu(bytes.fromhex(text))
                reply = answer.data + bytes(answer.sw)
                return ok(f'+CSIM: {2 * len(reply)},"{reply.hex().upper()}"')
        return error()

    def _restricted(self, command: ATCommand) -> CardAnswer:
        ins = int_arg(command, 0, 0, 255)
        if ins == Crsm.STATUS:
            return CardAnswer(data=_DF_FCP)
        fid = f"{int_arg(command, 1, 0, 0xFFFF):04X}"
        p1, p2, p3 = (int_arg(command, i, 0, 255, default=0) for i in (2, 3, 4))
        data = bytes.fromhex(command.args[5]) if len(command.args) > 5 else b""
        path = command.args[6] if len(command.args) > 6 else ""
        card_file = self._card.find(fid, path)
        if card_file is None:
            return CardAnswer(sw=SW_NOT_FOUND)
        offset = p1 << 8 | p2
        match ins:
            case Crsm.READ_BINARY:
                return self._card.read_binary(card_file, offset, p3)
            case Crsm.UPDATE_BINARY:
                return self._card.update_binary(card_file, offset, data, length=p3)
            case Crsm.GET_RESPONSE:
                return CardAnswer(data=self._card.fcp(card_file))
            case Crsm.READ_RECORD | Crsm.UPDATE_RECORD:
                return CardAnswer(sw=SW_INCOMPATIBLE)
        return CardAnswer(sw=SW_UNKNOWN_INS)

    def _apdu(self, apdu: bytes) -> CardAnswer:
        if len(apdu) < 4:
            raise ValueError("an APDU has at least CLA, INS, P1 and P2")
        cla, ins, p1, p2, body = apdu[0], apdu[1], apdu[2], apdu[3], apdu[4:]
        if cla not in _CLASSES:
            return CardAnswer(sw=SW_UNKNOWN_CLASS)
        p3, data = (body[0], body[1:]) if body else (0, b"")
        if ins == Ins.SELECT:
            return self._select(p1, p2, data)
        if ins not in (Ins.READ_BINARY, Ins.UPDATE_BINARY):
            return CardAnswer(sw=SW_UNKNOWN_INS)
        if self._selected is None:
            return CardAnswer(sw=SW_NO_EF)
        if ins == Ins.READ_BINARY:
            return self._card.read_binary(self._selected, p1 << 8 | p2, p3)
        return self._card.update_binary(self._selected, p1 << 8 | p2, data, length=p3)

    def _select(self, p1: int, p2: int, data: bytes) -> CardAnswer:
        ids = data.hex().upper()
        if ids in (MF, USIM, "7F20", MF + USIM, MF + "7F20") and p1 in (0x00, 0x08):
            self._selected = None
            return CardAnswer(data=b"" if p2 == _NO_DATA_P2 else _DF_FCP)
        path, fid = (ids[:-4], ids[-4:]) if p1 == 0x08 else ("", ids)
        card_file = self._card.find(fid, path) if len(ids) >= 4 else None
        if card_file is None:
            return CardAnswer(sw=SW_NOT_FOUND)
        self._selected = card_file
        return CardAnswer(data=b"" if p2 == _NO_DATA_P2 else self._card.fcp(card_file))

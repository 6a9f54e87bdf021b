"""sim_card layer: `SimCard`, the files of a module's SIM read and written over its AT session with +CRSM
(harness.sim_card.restricted_access; files in harness.sim_card.elementary_files).

    card = sim_card_of(modem, sim=rig_module.sim, on_write=log_write)
    card.read(EF_FPLMN).used            # ('46001',)
    card.write(EF_FPLMN, EfPlmnList(plmns=()))

A read of a file whose size the card decides asks it first (GET RESPONSE). A write replaces the whole file
and is allowed only on a SIM the rig marks as a test SIM (`[module.sim] writable = true`): on any other it
raises SimNotWritable before a command reaches the module. Every write reads the old content first and
reports a SimWrite (file, old hex, new hex) to `on_write` before it is sent, so what the card held can be
restored even when the write fails half-way; a write that changes nothing is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar, runtime_checkable

from harness.at import ATSession
from harness.errors import ModemError, SimNotWritable
from harness.sim_card.elementary_files import EF_AD, EF_ICCID, EF_IMSI, ElementaryFile
from harness.sim_card.restricted_access import (
    GET_RESPONSE_BYTES,
    MAX_TRANSFER_BYTES,
    CommandSession,
    CrsmCommand,
    CrsmRequest,
    file_size_of,
    send_crsm,
)

T = TypeVar("T")
LOG = logging.getLogger("harness.sim_card")


@dataclass(frozen=True, slots=True, kw_only=True)
class SimWrite:
    """One file write: what the card held (`old_hex`) and what was (or, in a dry run, would be) written."""

    file: str  # `EF_FPLMN 6F7B`
    path: str
    old_hex: str
    new_hex: str

    def describe(self) -> str:
        return f"{self.file}: {self.old_hex} -> {self.new_hex}"


WriteLog = Callable[[SimWrite], None]


@runtime_checkable
class SessionModem(Protocol):
    """A Modem that exposes its AT session (every dialect built on harness.dialects.ts27007)."""

    session: ATSession


class SimCard:
    def __init__(
        self, session: CommandSession, *, is_writable: bool = False, on_write: WriteLog | None = None
    ) -> None:
        self.session = session
        self.is_writable = is_writable
        self._on_write = on_write

    def read(self, ef: ElementaryFile[T]) -> T:
        """The file decoded; SimError when the card refuses, ValueError when its content is malformed."""
        return ef.decode(self.read_bytes(ef))

    def write(self, ef: ElementaryFile[T], value: T) -> SimWrite | None:
        """Replace the file's content with `value`; the SimWrite, or None when it already held it."""
        if not self.is_writable:
            raise self.refusal(ef)
        change = self.planned_write(ef, value)
        if change is None:
            return None
        LOG.info("SIM write %s", change.describe())
        if self._on_write is not None:
            self._on_write(change)
        self._update_binary(ef, bytes.fromhex(change.new_hex))
        return change

    def planned_write(self, ef: ElementaryFile[T], value: T) -> SimWrite | None:
        """What write() would change (the old content read now), without writing; None for no change."""
        old = self.read_bytes(ef)
        new = ef.encode(value, len(old))
        if new == old:
            return None
        return SimWrite(file=ef.label, path=ef.path, old_hex=old.hex().upper(), new_hex=new.hex().upper())

    def refusal(self, ef: ElementaryFile[T]) -> SimNotWritable:
        return SimNotWritable(
            f"{ef.label}: not written: the rig does not mark this SIM as a test SIM "
            "(set writable = true in [module.sim] only for a SIM the lab may change)"
        )

    def read_bytes(self, ef: ElementaryFile[T]) -> bytes:
        size = ef.size_bytes if ef.size_bytes is not None else self.file_size(ef)
        data = b""
        while len(data) < size:
            chunk = min(MAX_TRANSFER_BYTES, size - len(data))
            request = _binary(CrsmCommand.READ_BINARY, ef, offset=len(data), length=chunk)
            answer, _ = send_crsm(self.session, request, file=ef.label)
            if len(answer) != chunk:
                raise ValueError(f"{ef.label}: READ BINARY of {chunk} bytes returned {len(answer)}")
            data += answer
        return data

    def file_size(self, ef: ElementaryFile[T]) -> int:
        request = CrsmRequest(
            command=CrsmCommand.GET_RESPONSE, fid=ef.fid, p3=GET_RESPONSE_BYTES, path=ef.path or None
        )
        answer, _ = send_crsm(self.session, request, file=ef.label)
        return file_size_of(answer)

    def read_iccid(self) -> str:
        return self.read(EF_ICCID).iccid

    def read_imsi(self) -> str:
        return self.read(EF_IMSI).imsi

    def read_mnc_length(self) -> int | None:
        return self.read(EF_AD).mnc_length

    def _update_binary(self, ef: ElementaryFile[T], data: bytes) -> None:
        for offset in range(0, len(data), MAX_TRANSFER_BYTES):
            chunk = data[offset : offset + MAX_TRANSFER_BYTES]
            request = _binary(CrsmCommand.UPDATE_BINARY, ef, offset=offset, length=len(chunk), data=chunk)
            send_crsm(self.session, request, file=ef.label)


def sim_card_of(modem: object, *, is_writable: bool = False, on_write: WriteLog | None = None) -> SimCard:
    """The SimCard of a Modem's SIM; ModemError for a dialect that exposes no AT session."""
    if not isinstance(modem, SessionModem):
        raise ModemError(
            f"{type(modem).__name__} exposes no AT session: SIM files are read with AT+CRSM over the "
            "session of a dialect built on harness.dialects.ts27007"
        )
    return SimCard(modem.session, is_writable=is_writable, on_write=on_write)


def _binary(
    command: CrsmCommand, ef: ElementaryFile[T], *, offset: int, length: int, data: bytes = b""
) -> CrsmRequest:
    return CrsmRequest(
        command=command,
        fid=ef.fid,
        p1=offset >> 8,
        p2=offset & 0xFF,
        p3=length,
        data=data,
        path=ef.path or None,
    )

"""dialects layer: vendor URCs that tell when a module enters and leaves PSM.

3GPP TS 27.007 has no such report (a module in PSM keeps answering +CEREG with stat 1), so an engine that
must know the module is in PSM, not assume it from the timers, listens to the vendor's. A dialect that has
one names it in a `psm_report` attribute; one without it has none and the engine says so.

  Quectel BC660K-GL / BC950K-GL: AT+QNBIOTEVENT=<enable>,1 switches +QNBIOTEVENT: "ENTER PSM" / "EXIT PSM"
  on or off; AT+QNBIOTEVENT? answers +QNBIOTEVENT: <enable>,1; the setting is kept in NVRAM
  (BC660K-GL AT Commands Manual v1.4 [S5] §9.8, ../shared/reference/cellular-iot.md §3.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.at import ATSession


@dataclass(frozen=True, slots=True, kw_only=True)
class PsmReport:
    """A URC `<prefix>: <enter_text>` / `<prefix>: <exit_text>` and the command that switches it."""

    prefix: str
    enter_text: str
    exit_text: str
    command: str  # `AT<command>=<1|0><suffix>` sets it, `AT<command>?` reads `<prefix>: <1|0>,...`
    suffix: str = ""

    def entry_of(self, line: str) -> bool | None:
        """True for the entry report, False for the exit one, None for any other line."""
        if not line.startswith(f"{self.prefix}:"):
            return None
        text = line[len(self.prefix) + 1 :].strip()
        if text == self.enter_text:
            return True
        return False if text == self.exit_text else None

    def is_enabled(self, session: ATSession) -> bool:
        answer = session.send(f"AT{self.command}?").value_of(self.prefix) or ""
        return answer.split(",")[0].strip() == "1"

    def set_enabled(self, session: ATSession, is_enabled: bool) -> None:
        session.send(f"AT{self.command}={int(is_enabled)}{self.suffix}")


QNBIOTEVENT = PsmReport(
    prefix="+QNBIOTEVENT",
    enter_text='"ENTER PSM"',
    exit_text='"EXIT PSM"',
    command="+QNBIOTEVENT",
    suffix=",1",
)

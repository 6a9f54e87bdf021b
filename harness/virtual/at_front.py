"""virtual layer: the module side of an AT interface, the same for every virtual model.

ITU-T V.250 framing as the BC660K AT manual [S5] §1.2-1.4 and §10.2 describes it (the line syntax itself
is command_line's): a command line starts with AT (any case) and ends with CR (an LF is ignored, backspace
deletes); ATE0/ATE1 echo what the host types; responses are framed <CR><LF>...<CR><LF>; the final result
is OK, ERROR or, with AT+CMEE=1/2, +CME ERROR: <n>/<text>. A command nobody knows gets ERROR (§1.2); wrong
arguments give +CME ERROR: 50 (ERROR under CMEE=0). After a `> ` prompt the front is in data mode: exactly
<n> bytes, or bytes up to Ctrl-Z (Esc cancels).
URCs wait while a command runs or data mode lasts, so they never split a response (cellular-iot.md intro);
the manual says URCs are lost in data mode (§1.4), which would only make virtual runs flaky.
A model may put the UART to sleep (BC660K deep sleep in PSM with AT+QSCLK=1): the first byte from the host
wakes it and the command line it starts is lost ("Send an AT command to the module (this AT command will be
lost)", BC660K-GL Hardware Design §3.4.2 [S19]; cellular-iot.md §3.1), or, as the fault wake_loss can choose,
only that first byte. `on_input` hears every byte the host writes, so a model can count down to the next
sleep. `guards` may answer a command before its handler (a fault: no SIM, +CME ERROR: 10).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from harness.virtual.command_line import ATCommand, CommandKind, int_arg, parse_command_line

CR, LF, BACKSPACE, DELETE, CTRL_Z, ESC = 0x0D, 0x0A, 0x08, 0x7F, 0x1A, 0x1B
CRLF = b"\r\n"
MAX_LINE_BYTES = 4096  # judgement: longer than any real command; a runaway line is dropped with ERROR
PROMPT = b"\r\n> "
CONTROL_CHARACTERS = "".join(chr(code) for code in range(0x20))

# Verbose texts for AT+CMEE=2: the BC660K manual's Table 5 [S5 §15] for the codes the virtual modules use.
CME_TEXTS: Mapping[int, str] = MappingProxyType(
    {
        3: "Operation not allowed",
        4: "Operation not supported",
        10: "USIM not inserted",
        30: "No network service",
        50: "Incorrect Parameters",
        100: "Unknown",
    }
)
INCORRECT_PARAMETERS = 50


class Final(StrEnum):
    OK = "OK"
    ERROR = "ERROR"
    CME_ERROR = "+CME ERROR"


@dataclass(frozen=True, slots=True, kw_only=True)
class DataRequest:
    """A `> ` prompt: what to collect and what to do with it. length_bytes None: up to Ctrl-Z."""

    length_bytes: int | None
    max_bytes: int
    on_data: Callable[[bytes], Reply]


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """A command's answer: information items (str: a line; bytes: raw data followed by CR LF), then the final
    result, or a prompt for data instead."""

    items: tuple[str | bytes, ...] = ()
    final: Final = Final.OK
    cme_code: int | None = None
    data: DataRequest | None = None


Handler = Callable[[ATCommand], Reply]
Guard = Callable[[ATCommand], Reply | None]  # an answer instead of the handler's, or None


def ok(*items: str | bytes) -> Reply:
    return Reply(items=items)


def error() -> Reply:
    return Reply(final=Final.ERROR)


def cme_error(code: int) -> Reply:
    return Reply(final=Final.CME_ERROR, cme_code=code)


def prompt(request: DataRequest) -> Reply:
    return Reply(data=request)


def frame(items: Iterable[str | bytes]) -> bytes:
    """<CR><LF> once, then every line or data block followed by <CR><LF> (the Quectel layout of +QIRD)."""
    body = b"".join((item.encode("latin-1") if isinstance(item, str) else item) + CRLF for item in items)
    return CRLF + body if body else b""


class ATFront:
    """Bytes from the host in (`feed`), framed responses and URCs out (`write`)."""

    def __init__(self, *, write: Callable[[bytes], None], is_echo_on: bool, cmee_mode: int = 1) -> None:
        self._write = write
        self.is_echo_on = is_echo_on
        self.cmee_mode = cmee_mode
        self._commands: dict[str, Handler] = {"E": self._echo, "+CMEE": self._cmee}
        self._line = bytearray()
        self._data: DataRequest | None = None
        self._data_bytes = bytearray()
        self._held_urcs: list[bytes] = []
        self._is_busy = False
        self.is_asleep = False
        self._is_line_lost_on_wake = True
        self._is_losing_line = False
        self.on_input: Callable[[], None] = _nothing
        self.guards: list[Guard] = []

    def install(self, commands: Mapping[str, Handler]) -> None:
        self._commands.update(commands)

    def reset(self) -> None:
        """Forget a half-typed line and leave data mode (a reboot)."""
        self._line.clear()
        self._data = None
        self._data_bytes.clear()
        self._is_busy = False
        self._held_urcs.clear()

    def sleep(self, *, is_line_lost: bool = True) -> None:
        """The UART goes deaf: the next byte wakes it, and the command line it starts is lost (or only that
        byte, when not `is_line_lost`)."""
        self.is_asleep = True
        self._is_line_lost_on_wake = is_line_lost

    def wake(self) -> None:
        """The module woke the UART itself (it left deep sleep): nothing is lost."""
        self.is_asleep = False

    def emit_urc(self, *items: str | bytes) -> None:
        urc = frame(items)
        if self._is_busy:
            self._held_urcs.append(urc)
        else:
            self._write(urc)

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.is_asleep:
            self.is_asleep = False
            self._is_losing_line = self._is_line_lost_on_wake
            self._line.clear()
            if not self._is_losing_line:
                chunk = chunk[1:]
        self.on_input()
        index = 0
        if self._is_losing_line:
            end = chunk.find(CR)
            if end < 0:
                return
            self._is_losing_line = False
            index = end + 1
        while index < len(chunk):
            if self._data is not None:
                index = self._feed_data(self._data, chunk, index)
            else:
                index = self._feed_command(chunk, index)

    def _feed_command(self, chunk: bytes, index: int) -> int:
        """Take bytes up to and including the next CR; run the line; return where the rest starts."""
        end = chunk.find(CR, index)
        part = chunk[index:] if end < 0 else chunk[index : end + 1]
        if self.is_echo_on:
            self._write(part)
        for byte in part:
            if byte == CR:
                self._run_line()
            elif byte in (BACKSPACE, DELETE):
                del self._line[-1:]
            elif byte != LF:
                self._line.append(byte)
        if len(self._line) > MAX_LINE_BYTES:
            self._line.clear()
            self._write(frame([Final.ERROR]))
        return index + len(part)

    def _run_line(self) -> None:
        # stray control characters before AT (an Esc meant for data mode, a NUL on wake-up) are dropped
        text = self._line.decode("latin-1").lstrip(CONTROL_CHARACTERS).strip()
        self._line.clear()
        if not text:
            return
        self._is_busy = True
        try:
            self._answer(error() if text[:2].upper() != "AT" else self._run_commands(text[2:]))
        finally:
            self._is_busy = self._data is not None
            if not self._is_busy:
                self._release_urcs()

    def _run_commands(self, text: str) -> Reply:
        try:
            commands = parse_command_line(text)
        except ValueError:
            return error()
        items: list[str | bytes] = []
        reply = ok()
        for command in commands:
            handler = self._commands.get(command.name)
            if handler is None:
                reply = error()
                break
            try:
                reply = self._guarded(command) or handler(command)
            except ValueError:
                reply = cme_error(INCORRECT_PARAMETERS)
            items.extend(reply.items)
            if reply.final is not Final.OK or reply.data is not None:
                break
        return Reply(items=tuple(items), final=reply.final, cme_code=reply.cme_code, data=reply.data)

    def _guarded(self, command: ATCommand) -> Reply | None:
        """The first guard's answer instead of the handler's, or None when every guard lets it through."""
        return next((reply for guard in self.guards if (reply := guard(command)) is not None), None)

    def _answer(self, reply: Reply) -> None:
        if reply.data is not None:
            self._write(frame(reply.items) + PROMPT)
            self._data = reply.data
            self._data_bytes.clear()
        else:
            self._write(frame(reply.items) + frame([self._final_text(reply)]))

    def _final_text(self, reply: Reply) -> str:
        if reply.final is not Final.CME_ERROR:
            return str(reply.final)
        if reply.cme_code is None or self.cmee_mode == 0:
            return str(Final.ERROR)
        if self.cmee_mode == 2:
            return f"+CME ERROR: {CME_TEXTS.get(reply.cme_code, CME_TEXTS[100])}"
        return f"+CME ERROR: {reply.cme_code}"

    def _feed_data(self, request: DataRequest, chunk: bytes, index: int) -> int:
        # no echo in data mode: an echoed payload with CR or LF in it would read as response lines
        if request.length_bytes is not None:
            take = chunk[index : index + request.length_bytes - len(self._data_bytes)]
            self._data_bytes += take
            if len(self._data_bytes) == request.length_bytes:
                self._end_data(request.on_data(bytes(self._data_bytes)))
            return index + len(take)
        for position in range(index, len(chunk)):
            byte = chunk[position]
            if byte == CTRL_Z:
                self._end_data(request.on_data(bytes(self._data_bytes)))
                return position + 1
            if byte == ESC:
                # judgement: the manuals read say Esc cancels but not what it answers; OK, nothing sent
                self._end_data(ok())
                return position + 1
            self._data_bytes.append(byte)
            if len(self._data_bytes) > request.max_bytes:
                self._end_data(cme_error(INCORRECT_PARAMETERS))
                return position + 1
        return len(chunk)

    def _end_data(self, reply: Reply) -> None:
        self._data = None
        self._data_bytes.clear()
        self._answer(reply)
        self._is_busy = False
        self._release_urcs()

    def _release_urcs(self) -> None:
        held, self._held_urcs = self._held_urcs, []
        for urc in held:
            self._write(urc)

    def _echo(self, command: ATCommand) -> Reply:
        if command.kind is not CommandKind.EXECUTE or command.args not in ((), ("0",), ("1",)):
            return error()
        self.is_echo_on = command.args == ("1",)  # V.250: ATE alone is ATE0
        return ok()

    def _cmee(self, command: ATCommand) -> Reply:
        match command.kind:
            case CommandKind.WRITE:
                self.cmee_mode = int_arg(command, 0, 0, 2)
                return ok()
            case CommandKind.READ:
                return ok(f"+CMEE: {self.cmee_mode}")
            case CommandKind.TEST:
                return ok("+CMEE: (0-2)")
            case _:
                return error()


def _nothing() -> None:
    pass

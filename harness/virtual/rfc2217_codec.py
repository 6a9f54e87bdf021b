"""virtual layer: the access-server side of RFC 2217 (Telnet COM Port Control Option) for a virtual module.

What ser2net does in front of a real module on a remote rig (DESIGN "Real parts"), so that pyserial's
`rfc2217://` client, and the harness code that uses it, can be tested against a virtual module. A plain
object: bytes from the client in (`decode`), the serial data for the module and the answers for the client
out; the module's output in (`encode`), the bytes for the client out. No sockets, no clock.

Telnet (RFC 854): IAC (255) starts a command; a data byte 255 travels doubled. Options are agreed with
WILL/WONT/DO/DONT, answered the way RFC 1143 describes so that no two peers ever loop: an option already in
the asked state gets no answer, an answer to our own request gets none either. This side offers BINARY
(RFC 856) both ways, SGA (RFC 858), ECHO (RFC 857: the module's own ATE echo is what the user sees, so a
Telnet client must not echo locally) and COM-PORT-OPTION (44). Without BINARY from the client, a CR it sends
is followed by NUL (RFC 854's NVT rule), which is dropped.

RFC 2217 sub-negotiations (IAC SB 44 <command> <value> IAC SE) are answered with <command> + 100: the serial
settings (baud rate, data size, parity, stop size; value 0 asks for the current one, an unsupported value
is answered with the current one so the client sees the refusal), SET-CONTROL (flow control, BREAK, DTR,
RTS: stored and echoed), the line and modem state masks, PURGE-DATA, and the polls of line and modem state.
The modem lines are those of a module that is powered and ready: CD, DSR and CTS on; they are notified once
the client agrees to the option, as pyserial expects. FLOWCONTROL-SUSPEND/RESUME are ignored: TCP already
holds back a writer the client does not read. Settings change nothing on a pty.
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass
from enum import Enum, IntEnum

IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
NUL, CR = 0x00, 0x0D


class TelnetOption(IntEnum):
    BINARY = 0
    ECHO = 1
    SGA = 3
    COM_PORT = 44


class ComPortCommand(IntEnum):
    """Client-to-server commands of RFC 2217; the server answers with the value + SERVER_OFFSET."""

    SET_BAUDRATE = 1
    SET_DATASIZE = 2
    SET_PARITY = 3
    SET_STOPSIZE = 4
    SET_CONTROL = 5
    NOTIFY_LINESTATE = 6
    NOTIFY_MODEMSTATE = 7
    FLOWCONTROL_SUSPEND = 8
    FLOWCONTROL_RESUME = 9
    SET_LINESTATE_MASK = 10
    SET_MODEMSTATE_MASK = 11
    PURGE_DATA = 12


COMMAND_VALUES = frozenset(int(command) for command in ComPortCommand)
SERVER_OFFSET = 100
# RFC 2217 modem state bits: carrier detect, data set ready, clear to send.
MODEMSTATE_CD, MODEMSTATE_DSR, MODEMSTATE_CTS = 0x80, 0x20, 0x10
# RFC 2217 line state bits: transfer shift register and holding register empty (an idle line).
LINESTATE_IDLE = 0x60
PURGE_RECEIVE, PURGE_BOTH = 1, 3
# (request value, values that set it, power-on value) per SET-CONTROL group, RFC 2217 "SET-CONTROL".
CONTROL_GROUPS = (
    (0, frozenset({1, 2, 3, 17, 19}), 1),  # outbound (or both ways) flow control: none
    (4, frozenset({5, 6}), 6),  # BREAK: off
    (7, frozenset({8, 9}), 8),  # DTR: on
    (10, frozenset({11, 12}), 11),  # RTS: on
    (13, frozenset({14, 15, 16, 18}), 14),  # inbound flow control: none
)
MAX_SUBNEGOTIATION_BYTES = 64  # the longest RFC 2217 value is 4 bytes; more is garbage, kept short
LOCAL_OPTIONS = frozenset({TelnetOption.BINARY, TelnetOption.ECHO, TelnetOption.SGA, TelnetOption.COM_PORT})
REMOTE_OPTIONS = frozenset({TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.COM_PORT})


@dataclass(frozen=True, slots=True, kw_only=True)
class PortSettings:
    """The serial settings as the client last set them (RFC 2217 encodings: parity 1 = none, stop 1 = 1)."""

    baudrate: int = 115200
    datasize: int = 8
    parity: int = 1
    stopsize: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Decoded:
    """What a chunk from the client holds: serial data for the module, answers for the client, and whether
    the client asked to drop the output not yet sent to it (PURGE-DATA of the receive buffer)."""

    data: bytes = b""
    answer: bytes = b""
    is_output_purged: bool = False


class _Q(Enum):
    """RFC 1143 option states, without the queue bits this side never needs."""

    NO = "no"
    YES = "yes"
    WANT_YES = "want yes"


class _Mode(Enum):
    DATA = "data"
    COMMAND = "command"  # after IAC
    OPTION = "option"  # after IAC WILL/WONT/DO/DONT
    SUB = "sub"  # inside IAC SB ... IAC SE
    SUB_COMMAND = "sub command"  # IAC inside a sub-negotiation


class Rfc2217Codec:
    def __init__(self) -> None:
        self.settings = PortSettings()
        self.modemstate_mask = 0xFF
        self.linestate_mask = 0
        self._controls = {request: initial for request, _, initial in CONTROL_GROUPS}
        self._local: dict[int, _Q] = {}
        self._remote: dict[int, _Q] = {}
        self._mode = _Mode.DATA
        self._verb = 0
        self._sub = bytearray()
        self._is_after_cr = False
        self._has_notified = False

    def is_enabled(self, option: TelnetOption, *, is_local: bool) -> bool:
        """Whether `option` is in effect on this side (WILL agreed) or the client's (DO agreed)."""
        return (self._local if is_local else self._remote).get(option) is _Q.YES

    def greeting(self) -> bytes:
        """The requests this side sends on connect."""
        out = bytearray()
        for option in (TelnetOption.BINARY, TelnetOption.SGA, TelnetOption.ECHO):
            self._request(self._local, option, WILL, out)
        self._request(self._remote, TelnetOption.BINARY, DO, out)
        return bytes(out)

    def encode(self, data: bytes) -> bytes:
        return data.replace(b"\xff", b"\xff\xff")

    def decode(self, chunk: bytes) -> Decoded:
        data, answer = bytearray(), bytearray()
        is_purged = False
        for byte in chunk:
            match self._mode:
                case _Mode.DATA:
                    if byte == IAC:
                        self._mode = _Mode.COMMAND
                    else:
                        self._add_data(byte, data)
                case _Mode.COMMAND:
                    self._mode = _Mode.DATA
                    if byte == IAC:
                        self._add_data(byte, data)
                    elif byte == SB:
                        self._sub.clear()
                        self._mode = _Mode.SUB
                    elif byte in (WILL, WONT, DO, DONT):
                        self._verb = byte
                        self._mode = _Mode.OPTION
                    # other commands (NOP, AYT, BRK, a stray SE ...) have no meaning for a serial line
                case _Mode.OPTION:
                    self._mode = _Mode.DATA
                    self._negotiate(self._verb, byte, answer)
                case _Mode.SUB:
                    if byte == IAC:
                        self._mode = _Mode.SUB_COMMAND
                    elif len(self._sub) < MAX_SUBNEGOTIATION_BYTES:
                        self._sub.append(byte)
                case _Mode.SUB_COMMAND:
                    if byte == IAC:
                        self._mode = _Mode.SUB
                        if len(self._sub) < MAX_SUBNEGOTIATION_BYTES:
                            self._sub.append(IAC)
                    else:
                        # SE ends it; any other byte is a broken sub-negotiation, dropped unanswered
                        self._mode = _Mode.DATA
                        if byte == SE:
                            is_purged |= self._subnegotiate(bytes(self._sub), answer)
        return Decoded(data=bytes(data), answer=bytes(answer), is_output_purged=is_purged)

    def _add_data(self, byte: int, data: bytearray) -> None:
        is_nvt_padding = byte == NUL and self._is_after_cr
        self._is_after_cr = byte == CR
        if is_nvt_padding and not self.is_enabled(TelnetOption.BINARY, is_local=False):
            return
        data.append(byte)

    def _request(self, states: dict[int, _Q], option: TelnetOption, verb: int, out: bytearray) -> None:
        if states.get(option, _Q.NO) is _Q.NO:
            states[option] = _Q.WANT_YES
            out += bytes((IAC, verb, option))

    def _negotiate(self, verb: int, option: int, answer: bytearray) -> None:
        is_local = verb in (DO, DONT)
        states = self._local if is_local else self._remote
        supported = LOCAL_OPTIONS if is_local else REMOTE_OPTIONS
        yes, no = (WILL, WONT) if is_local else (DO, DONT)
        state = states.get(option, _Q.NO)
        if verb in (DO, WILL):
            if state is _Q.WANT_YES:
                states[option] = _Q.YES
            elif state is _Q.NO:
                is_supported = option in supported
                if is_supported:
                    states[option] = _Q.YES
                answer += bytes((IAC, yes if is_supported else no, option))
        elif state is not _Q.NO:
            states[option] = _Q.NO
            if state is _Q.YES:
                answer += bytes((IAC, no, option))
        is_com_port = self.is_enabled(TelnetOption.COM_PORT, is_local=True) or self.is_enabled(
            TelnetOption.COM_PORT, is_local=False
        )
        if is_com_port and not self._has_notified:
            self._has_notified = True
            answer += self._reply(ComPortCommand.NOTIFY_MODEMSTATE, self._modemstate())

    def _subnegotiate(self, sub: bytes, answer: bytearray) -> bool:
        """Answer one RFC 2217 sub-negotiation; True when it purges the output."""
        if len(sub) < 2 or sub[0] != TelnetOption.COM_PORT or sub[1] not in COMMAND_VALUES:
            return False  # not ours: RFC 855 says ignore
        command, value = ComPortCommand(sub[1]), sub[2:]
        match command:
            case ComPortCommand.SET_BAUDRATE if len(value) == 4:
                (baudrate,) = struct.unpack("!I", value)
                if baudrate:
                    self.settings = dataclasses.replace(self.settings, baudrate=baudrate)
                answer += self._reply(command, struct.pack("!I", self.settings.baudrate))
            case ComPortCommand.SET_DATASIZE | ComPortCommand.SET_PARITY | ComPortCommand.SET_STOPSIZE:
                answer += self._reply(command, bytes((self._set_setting(command, value),)))
            case ComPortCommand.SET_CONTROL if len(value) == 1:
                answer += self._reply(command, bytes((self._set_control(value[0]),)))
            case ComPortCommand.NOTIFY_LINESTATE:
                answer += self._reply(command, bytes((LINESTATE_IDLE & self.linestate_mask,)))
            case ComPortCommand.NOTIFY_MODEMSTATE:
                answer += self._reply(command, self._modemstate())
            case ComPortCommand.SET_LINESTATE_MASK if len(value) == 1:
                self.linestate_mask = value[0]
                answer += self._reply(command, value)
            case ComPortCommand.SET_MODEMSTATE_MASK if len(value) == 1:
                self.modemstate_mask = value[0]
                answer += self._reply(command, value)
            case ComPortCommand.PURGE_DATA if len(value) == 1:
                answer += self._reply(command, value)
                return value[0] in (PURGE_RECEIVE, PURGE_BOTH)
        return False

    def _set_setting(self, command: ComPortCommand, value: bytes) -> int:
        """Data size, parity or stop size: set when the value is valid, and the value in force."""
        name, valid = {
            ComPortCommand.SET_DATASIZE: ("datasize", range(5, 9)),
            ComPortCommand.SET_PARITY: ("parity", range(1, 6)),
            ComPortCommand.SET_STOPSIZE: ("stopsize", range(1, 4)),
        }[command]
        if len(value) == 1 and value[0] in valid:
            self.settings = dataclasses.replace(self.settings, **{name: value[0]})
        current: int = getattr(self.settings, name)
        return current

    def _set_control(self, value: int) -> int:
        for request, settable, _ in CONTROL_GROUPS:
            if value in settable:
                self._controls[request] = value
                return value
            if value == request:
                return self._controls[request]
        return value  # outside RFC 2217's table: echoed, nothing changes

    def _modemstate(self) -> bytes:
        return bytes(((MODEMSTATE_CD | MODEMSTATE_DSR | MODEMSTATE_CTS) & self.modemstate_mask,))

    def _reply(self, command: ComPortCommand, value: bytes) -> bytes:
        body = bytes((TelnetOption.COM_PORT, command + SERVER_OFFSET)) + value
        return bytes((IAC, SB)) + body.replace(b"\xff", b"\xff\xff") + bytes((IAC, SE))

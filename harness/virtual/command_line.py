"""virtual layer: the syntax of an AT command line on the module side (ITU-T V.250 §5.3-5.4).

As the BC660K AT manual [S5] §1.2 describes it: after the AT prefix, basic commands (`E1`, `I`, `&F`) may
follow each other directly; extended commands (`+CEREG=2`) are separated by `;`; `=?` tests, `?` reads,
`=` writes and a bare name executes; arguments are separated by commas, strings are quoted, and spaces are
ignored outside quotes. Anything else is a ValueError, which the front answers with ERROR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class CommandKind(StrEnum):
    EXECUTE = "execute"  # AT+X
    READ = "read"  # AT+X?
    WRITE = "write"  # AT+X=a,b
    TEST = "test"  # AT+X=?


@dataclass(frozen=True, slots=True, kw_only=True)
class ATCommand:
    """One command of a line: `name` upper case with its prefix (`+CEREG`, `E`, `&F`), its kind, and its
    arguments with surrounding spaces and quotes removed (a basic command's number is its one argument)."""

    name: str
    kind: CommandKind
    args: tuple[str, ...] = ()


def int_arg(command: ATCommand, index: int, low: int, high: int, *, default: int | None = None) -> int:
    """Argument `index` as an integer in [low, high]; ValueError (-> +CME ERROR: 50) when it is not."""
    text = command.args[index] if index < len(command.args) else ""
    if text == "" and default is not None:
        return default
    if not re.fullmatch(r"[0-9]+", text) or not low <= int(text) <= high:
        raise ValueError(f"{command.name} argument {index + 1} must be {low}..{high}, got {text!r}")
    return int(text)


def parse_command_line(text: str) -> list[ATCommand]:
    """The commands of a line after its `AT` prefix; ValueError for a line that is not V.250 syntax."""
    commands: list[ATCommand] = []
    rest = text.strip()
    while rest:
        if rest[0] in "+%^$#*":
            command, rest = _split_extended(rest)
        else:
            command, rest = _split_basic(rest)
        commands.append(command)
    return commands


def _split_extended(text: str) -> tuple[ATCommand, str]:
    match = re.match(r"[+%^$#*][A-Za-z0-9_.!&]+", text)
    if match is None:
        raise ValueError(f"no command name in {text!r}")
    name, rest = match.group().upper(), text[match.end() :]
    if rest.startswith("=?"):
        kind, rest = CommandKind.TEST, rest[2:]
    elif rest.startswith("?"):
        kind, rest = CommandKind.READ, rest[1:]
    elif rest.startswith("="):
        kind, rest = CommandKind.WRITE, rest[1:]
    else:
        kind = CommandKind.EXECUTE
    args_text, rest = _until_semicolon(rest)
    if kind is CommandKind.WRITE:
        args = split_args(args_text)
    elif args_text.strip():
        raise ValueError(f"unexpected {args_text!r} after {name}")
    else:
        args = ()
    return ATCommand(name=name, kind=kind, args=args), rest.lstrip(";").lstrip()


def _split_basic(text: str) -> tuple[ATCommand, str]:
    match = re.match(r"(&?[A-Za-z])([0-9]*)(\?)?", text)
    if match is None:
        raise ValueError(f"no command in {text!r}")
    letter, number, question = match.groups()
    kind = CommandKind.READ if question else CommandKind.EXECUTE
    command = ATCommand(name=letter.upper(), kind=kind, args=(number,) if number else ())
    return command, text[match.end() :].lstrip(";").lstrip()


def _until_semicolon(text: str) -> tuple[str, str]:
    is_quoted = False
    for index, char in enumerate(text):
        if char == '"':
            is_quoted = not is_quoted
        elif char == ";" and not is_quoted:
            return text[:index], text[index:]
    if is_quoted:
        raise ValueError(f"unterminated quote in {text!r}")
    return text, ""


def split_args(text: str) -> tuple[str, ...]:
    """Comma-separated arguments; commas inside quotes are kept; quotes and outside spaces removed."""
    args: list[str] = []
    current: list[str] = []
    is_quoted = False
    for char in text:
        if char == '"':
            is_quoted = not is_quoted
        elif char == "," and not is_quoted:
            args.append("".join(current))
            current = []
        elif is_quoted or char != " ":
            current.append(char)
    if is_quoted:
        raise ValueError(f"unterminated quote in {text!r}")
    args.append("".join(current))
    return tuple(args)

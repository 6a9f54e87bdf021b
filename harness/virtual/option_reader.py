"""virtual layer: the options of one `virtual://` URL, read one at a time, and the parsers of their values.

Shared by harness.virtual.options (the options every model has), harness.virtual.network_policy (the test
network's behaviour) and the model files, which declare their own options (STYLE 3: a model adds options by
declaring them, nothing else changes). An option is read at most once; whatever nobody asked for is unknown.
Every problem is a UrlError naming the URL, the option and the value, except that the values of
SECRET_OPTIONS (the SIM's PIN, harness.virtual.sim_lock) are never shown: `shown_url` is a URL as messages,
transcripts and logs may show it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar
from urllib.parse import parse_qsl

from harness.errors import UrlError

T = TypeVar("T")
SECRET_OPTIONS = frozenset({"pin"})
REDACTED = "<redacted>"  # as harness.at.transcript writes a secret command's arguments


def shown_url(url: str) -> str:
    """`url` with the value of every secret query option replaced by REDACTED; the rest as written."""
    head, is_query, rest = url.partition("?")
    if not is_query:
        return url
    query, hash_mark, fragment = rest.partition("#")
    pairs = []
    for pair in query.split("&"):
        name, equals, value = pair.partition("=")
        pairs.append(f"{name}{equals}{REDACTED if equals and name in SECRET_OPTIONS else value}")
    return f"{head}?{'&'.join(pairs)}{hash_mark}{fragment}"


class OptionReader:
    def __init__(self, url: str, query: str) -> None:
        self.url = url
        self._values: dict[str, str] = {}
        self._asked: list[str] = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in self._values:
                raise UrlError(f"{shown_url(url)}: option {name} is given twice")
            self._values[name] = value

    def get(self, name: str, parse: Callable[[str], T], default: T) -> T:
        self._asked.append(name)
        if name not in self._values:
            return default
        try:
            return parse(self._values[name])
        except ValueError as exc:
            shown = REDACTED if name in SECRET_OPTIONS else repr(self._values[name])
            raise UrlError(f"{shown_url(self.url)}: option {name} {exc}, got {shown}") from None

    def reject_unknown(self) -> None:
        unknown = sorted(set(self._values) - set(self._asked))
        if unknown:
            known = ", ".join(sorted(set(self._asked)))
            raise UrlError(f"{shown_url(self.url)}: unknown option {unknown[0]!r} (known: {known})")


def number(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:  # also rejects nan
            raise ValueError(f"must be a number from {low:g} to {high:g}")
        return value

    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not re.fullmatch(r"-?[0-9]+", text) or not low <= int(text) <= high:
            raise ValueError(f"must be an integer from {low} to {high}")
        return int(text)

    return parse


def one_of(choices: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return text

    return parse


def digits(low: int, high: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not re.fullmatch(rf"[0-9]{{{low},{high}}}", text):
            raise ValueError(f"must be {low} to {high} digits")
        return text

    return parse


def bits(count: int) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not re.fullmatch(rf"[01]{{{count}}}", text):
            raise ValueError(f"must be {count} characters 0 or 1")
        return text

    return parse


def flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return text == "1"

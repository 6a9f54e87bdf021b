"""inputs layer: build validated frozen dataclasses from TOML tables (harness.toml_reader reads them).

One builder serves rig files, plan files and procedure parameters (a plan case's `params` table checked
against the procedure's spec). It is driven by the dataclass's fields and type hints, and it collects every
problem instead of stopping at the first (DESIGN "Inputs": all problems of a file are reported at once).

Supported field types: str, int, float (an int is accepted; a bool is never a number), bool, StrEnum (by
value), Literal[...], `X | None`, `tuple[X, ...]` (TOML array), nested dataclasses (TOML table), tuples of
dataclasses (array of tables), `Mapping[str, X]` (table with free keys, kept read-only), and `object`/Any
(raw TOML kept as is, deep-frozen). TOML has no null, so `None` only ever comes from a default (or from a
missing `X | None` field that has no default).

Field metadata (`dataclasses.field(metadata={...})`; an unknown key raises TypeError at the first build):
    min, max        inclusive bounds of a number (of each item, for a tuple or mapping of numbers)
    above, below    exclusive bounds of a number
    pattern         regular expression a string must match whole (each item, for a tuple of strings)
    doc             how to describe what is expected, used in place of the generic text
    redact          True: never show the value written (a field that might receive a secret by mistake)
    min_items       fewest items of a tuple or mapping
    unique          attribute name that must differ between the items of a tuple of tables
    key_check       `(key) -> str | None`: a problem with a mapping key, e.g. an unknown metric name

A dataclass may define `problems() -> Iterable[str | tuple[str | FieldPath, str]]` for cross-field rules: a
str is a problem of the table itself, a (field, message) pair one of a field below it (a FieldPath such as
("sweep", "conditions.ce", 0) for one deeper down). It runs only on an instance
whose own fields are all valid. An unknown key `k` next to a field `k_env` is taken for a secret written
directly: the message says to name an environment variable instead and never shows the value.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar, Union, cast, get_args, get_origin, get_type_hints

from harness.errors import InputError, Problem

T = TypeVar("T")

RULE_KEYS = frozenset(
    {"min", "max", "above", "below", "pattern", "doc", "redact", "min_items", "unique", "key_check"}
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SHOWN_CHARS = 40


FieldPath = tuple[str | int, ...]


class SelfChecking(Protocol):
    """A dataclass with cross-field rules the builder runs once its fields are valid."""

    def problems(self) -> Iterable[str | tuple[str | FieldPath, str]]: ...


def build(cls: type[T], data: object, *, file: str, field: str = "") -> T:
    """Build `cls` from a TOML value, or raise one InputError listing every problem found.

    `file` and `field` say where `data` came from: with `file="smoke.toml", field="case[2].params"` a bad
    value reads `smoke.toml: case[2].params.probes: expected an integer >= 1, got 0 (an integer)`.
    """
    problems: list[Problem] = []
    built = try_build(cls, data, file=file, field=field, problems=problems)
    if problems or built is None:
        raise InputError(problems or [Problem(file, field, "could not be built")])
    return built


def try_build(cls: type[T], data: object, *, file: str, field: str, problems: list[Problem]) -> T | None:
    """Like build, but append the problems to `problems` and return None when there are any."""
    count = len(problems)
    value = _Builder(file=file, problems=problems).convert(cls, data, field, _Rules())
    if value is _INVALID or len(problems) > count:
        return None
    return cast(T, value)


def join(where: str, key: str | int) -> str:
    """The dotted field path of a key or index below `where`: `case[2]`, `case[2].limits."a b"`."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    shown = key if _BARE_KEY.fullmatch(key) else f'"{key}"'
    return f"{where}.{shown}" if where else shown


def freeze(value: object) -> object:
    """A read-only copy of raw TOML: tables become mapping proxies, arrays tuples."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


class _Invalid:
    """Marks a value that produced problems (None is a legitimate value, so it cannot mark that)."""


_INVALID = _Invalid()


@dataclass(frozen=True, slots=True, kw_only=True)
class _Rules:
    min: float | None = None
    max: float | None = None
    above: float | None = None
    below: float | None = None
    pattern: str | None = None
    doc: str | None = None
    redact: bool = False
    min_items: int | None = None
    unique: str | None = None
    key_check: Callable[[str], str | None] | None = None

    @classmethod
    def of(cls, owner: type, spec: dataclasses.Field[Any]) -> _Rules:
        unknown = set(spec.metadata) - RULE_KEYS
        if unknown:
            raise TypeError(f"{owner.__name__}.{spec.name}: unknown metadata {sorted(unknown)}")
        return cls(**dict(spec.metadata))

    def bounds(self) -> str:
        parts = [
            f"{sign} {bound:g}"
            for sign, bound in ((">=", self.min), ("<=", self.max), (">", self.above), ("<", self.below))
            if bound is not None
        ]
        return " and ".join(parts)

    def number_problem(self, value: float) -> bool:
        return (
            (self.min is not None and value < self.min)
            or (self.max is not None and value > self.max)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Builder:
    file: str
    problems: list[Problem]

    def add(self, where: str, message: str) -> _Invalid:
        self.problems.append(Problem(self.file, where, message))
        return _INVALID

    def wrong(self, hint: object, raw: object, where: str, rules: _Rules) -> _Invalid:
        return self.add(where, f"expected {_describe(hint, rules)}, got {_shown(raw, rules.redact)}")

    def convert(self, hint: object, raw: object, where: str, rules: _Rules) -> object:
        origin = get_origin(hint)
        if hint is object or hint is Any:
            return freeze(raw)
        if origin in (Union, types.UnionType):
            return self.convert(_optional_of(hint), raw, where, rules)
        if origin is tuple:
            return self.array(_item_of(hint), raw, where, rules, hint)
        if origin is Mapping:
            return self.mapping(get_args(hint)[1], raw, where, rules, hint)
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.table(hint, raw, where)
        return self.scalar(hint, raw, where, rules)

    def scalar(self, hint: object, raw: object, where: str, rules: _Rules) -> object:
        if get_origin(hint) is Literal:
            # Compared with the type too: in Python `True == 1`, in TOML a boolean is never a number.
            is_choice = any(type(raw) is type(choice) and raw == choice for choice in get_args(hint))
            return raw if is_choice else self.wrong(hint, raw, where, rules)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            choices = {member.value: member for member in hint}
            found = choices.get(raw) if isinstance(raw, str) else None
            return found if found is not None else self.wrong(hint, raw, where, rules)
        if hint is bool or hint is str:
            if not isinstance(raw, hint):
                return self.wrong(hint, raw, where, rules)
            if isinstance(raw, str) and rules.pattern is not None and not re.fullmatch(rules.pattern, raw):
                return self.wrong(hint, raw, where, rules)
            return raw
        if hint is int or hint is float:
            # bool is a subclass of int in Python, never in TOML; a float field takes an int.
            accepted = (int,) if hint is int else (int, float)
            if isinstance(raw, bool) or not isinstance(raw, accepted):
                return self.wrong(hint, raw, where, rules)
            number = float(raw) if hint is float else raw
            if not math.isfinite(number) or rules.number_problem(number):
                return self.wrong(hint, raw, where, rules)
            return number
        raise TypeError(f"the builder does not support the type hint {hint!r} (at {where or 'top'})")

    def array(self, item: object, raw: object, where: str, rules: _Rules, hint: object) -> object:
        if isinstance(raw, str) or not isinstance(raw, list | tuple):
            return self.wrong(hint, raw, where, rules)
        values = [self.convert(item, value, join(where, i), rules) for i, value in enumerate(raw)]
        valid = self.counted(len(raw), where, rules) and self.distinct(raw, where, rules)
        if not valid or any(v is _INVALID for v in values):
            return _INVALID
        return tuple(values)

    def mapping(self, item: object, raw: object, where: str, rules: _Rules, hint: object) -> object:
        if not isinstance(raw, Mapping):
            return self.wrong(hint, raw, where, rules)
        values: dict[str, object] = {}
        for key, value in raw.items():
            problem = rules.key_check(key) if rules.key_check is not None else None
            values[key] = (
                self.add(join(where, key), problem)
                if problem
                else self.convert(item, value, join(where, key), rules)
            )
        if not self.counted(len(raw), where, rules) or any(v is _INVALID for v in values.values()):
            return _INVALID
        return types.MappingProxyType(values)

    def counted(self, count: int, where: str, rules: _Rules) -> bool:
        if rules.min_items is None or count >= rules.min_items:
            return True
        self.add(where, f"needs at least {rules.min_items} item(s), got {count}")
        return False

    def distinct(self, raw: list[object] | tuple[object, ...], where: str, rules: _Rules) -> bool:
        # Checked on the raw tables, so a duplicate shows even when one of the two items has other problems.
        if rules.unique is None:
            return True
        first: dict[object, int] = {}
        is_distinct = True
        for i, item in enumerate(raw):
            key = item.get(rules.unique) if isinstance(item, Mapping) else None
            if not isinstance(key, str | int) or isinstance(key, bool):
                continue
            if key in first:
                self.add(
                    join(join(where, i), rules.unique), f"duplicate {key!r} (first at {where}[{first[key]}])"
                )
                is_distinct = False
            first.setdefault(key, i)
        return is_distinct

    def table(self, cls: type, raw: object, where: str) -> object:
        if not isinstance(raw, Mapping):
            return self.wrong(cls, raw, where, _Rules())
        specs = {spec.name: spec for spec in dataclasses.fields(cls) if spec.init}
        hints = get_type_hints(cls)
        unknown = [key for key in raw if not self.known(str(key), specs, where)]
        values: dict[str, object] = {}
        for name, spec in specs.items():
            rules = _Rules.of(cls, spec)
            if name in raw:
                values[name] = self.convert(hints[name], raw[name], join(where, name), rules)
            elif spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
                if type(None) in get_args(hints[name]):
                    values[name] = None
                else:
                    values[name] = self.add(
                        join(where, name), f"missing (expected {_describe(hints[name], rules)})"
                    )
        if unknown or any(v is _INVALID for v in values.values()):
            return _INVALID
        return self.checked(cls(**values), where)

    def known(self, key: str, specs: Mapping[str, object], where: str) -> bool:
        if key in specs:
            return True
        if f"{key}_env" in specs:
            self.add(
                join(where, key),
                f"holds a secret written directly (value not shown): put it in an environment variable "
                f"and write that variable's NAME as {key}_env",
            )
            return False
        close = difflib.get_close_matches(key, list(specs), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        self.add(join(where, key), f"unknown key{hint}; known keys: {', '.join(sorted(specs))}")
        return False

    def checked(self, instance: object, where: str) -> object:
        check = getattr(instance, "problems", None)
        if not callable(check):
            return instance
        found = [
            self.add(where, p) if isinstance(p, str) else self.add(_below(where, p[0]), p[1]) for p in check()
        ]
        return _INVALID if found else instance


def _below(where: str, path: str | FieldPath) -> str:
    for key in (path,) if isinstance(path, str) else path:
        where = join(where, key)
    return where


def _optional_of(hint: object) -> object:
    members = [arg for arg in get_args(hint) if arg is not type(None)]
    if len(members) != 1:
        raise TypeError(f"the builder supports `X | None` unions only, not {hint!r}")
    return members[0]


def _item_of(hint: object) -> object:
    args = get_args(hint)
    if len(args) != 2 or args[1] is not Ellipsis:
        raise TypeError(f"the builder supports `tuple[X, ...]` only, not {hint!r}")
    return args[0]


def _describe(hint: object, rules: _Rules | None = None) -> str:
    """What a value of this type hint looks like, in words: `an integer >= 1`, `one of local, remote`."""
    rules = rules or _Rules()
    if rules.doc is not None:
        return rules.doc
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return _describe(_optional_of(hint), rules)
    if origin is tuple:
        return f"an array of {_plural(_describe(_item_of(hint), rules))}"
    if origin is Mapping:
        return f"a table of {_plural(_describe(get_args(hint)[1], rules))}"
    if origin is Literal:
        return "one of " + ", ".join(str(arg) for arg in get_args(hint))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return "one of " + ", ".join(str(member.value) for member in hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return "a table"
    words = {str: "a string", int: "an integer", float: "a number", bool: "a boolean (true or false)"}
    text = words.get(hint, "a value") if isinstance(hint, type) else "a value"
    if rules.pattern is not None:
        text += f" matching {rules.pattern}"
    return f"{text} {rules.bounds()}".rstrip()


def _plural(text: str) -> str:
    # "an integer >= 1" -> "integers >= 1"; good enough for the few nouns _describe() uses.
    article, _, rest = text.partition(" ")
    if article not in ("a", "an"):
        return text
    noun, _, tail = rest.partition(" ")
    return f"{noun}s {tail}".rstrip()


def _shown(raw: object, redact: bool = False) -> str:
    """A value as TOML would write it, with its TOML type, or only its type when it may be a secret."""
    kinds = [(bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string")]
    kind = next((name for cls, name in kinds if isinstance(raw, cls)), None)
    if isinstance(raw, Mapping):
        return "a table"
    if isinstance(raw, list | tuple):
        return "an array"
    if kind is None:
        return f"a {type(raw).__name__}"
    if redact:
        return f"{kind} (value not shown)"
    if isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, str):
        text = '"' + (raw if len(raw) <= _SHOWN_CHARS else raw[:_SHOWN_CHARS] + "…") + '"'
    else:
        text = repr(raw)
    return f"{text} ({kind})"

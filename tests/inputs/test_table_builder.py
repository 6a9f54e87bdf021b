"""harness.table_builder: TOML tables -> frozen dataclasses, every problem collected."""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import InputError, Problem
from harness.table_builder import build, freeze, join, try_build


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True, slots=True, kw_only=True)
class Inner:
    id: str = "a"
    level: int = field(default=0, metadata={"min": 0, "max": 3})


def _no_entries() -> Mapping[str, Any]:
    return types.MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    probes: int = field(metadata={"min": 1})
    interval_s: float = field(default=1.0, metadata={"above": 0})
    name: str = field(default="x", metadata={"pattern": r"[a-z]+"})
    is_on: bool = False
    colour: Colour = Colour.RED
    mode: Literal["up", "down"] = "up"
    label: str | None = None
    sizes_bytes: tuple[int, ...] = field(default=(), metadata={"min": 32})
    inner: Inner = Inner()
    inners: tuple[Inner, ...] = field(default=(), metadata={"unique": "id"})
    gains_db: Mapping[str, float] = field(default_factory=_no_entries)
    raw: Mapping[str, object] = field(default_factory=_no_entries)
    token_env: str | None = field(default=None, metadata={"pattern": r"[A-Z_]+", "redact": True})


@dataclass(frozen=True, slots=True, kw_only=True)
class Window:
    start_s: float
    end_s: float
    note: str | None

    def problems(self) -> list[str | tuple[str, str]]:
        if self.start_s > self.end_s:
            return ["start_s is after end_s", ("end_s", "must not be before start_s")]
        return []


@dataclass(frozen=True, slots=True, kw_only=True)
class Gear:
    number: Literal[1, 2] = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Typo:
    count: int = field(default=1, metadata={"minimum": 1})


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsupported:
    values: list[int] = field(default_factory=list)


def problems(cls: type, data: object, where: str = "case[0].params") -> list[str]:
    with pytest.raises(InputError) as caught:
        build(cls, data, file="plan.toml", field=where)
    return [str(p) for p in caught.value.problems]


def test_every_kind_of_field_builds_from_good_data() -> None:
    spec = build(
        Spec,
        {
            "probes": 20,
            "interval_s": 0.5,
            "name": "abc",
            "is_on": True,
            "colour": "blue",
            "mode": "down",
            "label": "L",
            "sizes_bytes": [32, 64],
            "inner": {"level": 2},
            "inners": [{"id": "a"}, {"id": "b", "level": 3}],
            "gains_db": {"a": 1, "b": -2.5},
            "raw": {"nested": {"list": [1, 2]}},
        },
        file="plan.toml",
    )
    assert spec == Spec(
        probes=20,
        interval_s=0.5,
        name="abc",
        is_on=True,
        colour=Colour.BLUE,
        mode="down",
        label="L",
        sizes_bytes=(32, 64),
        inner=Inner(level=2),
        inners=(Inner(id="a"), Inner(id="b", level=3)),
        gains_db={"a": 1.0, "b": -2.5},
        raw={"nested": {"list": (1, 2)}},
    )
    assert spec.colour is Colour.BLUE
    assert isinstance(spec.gains_db["a"], float)


def test_defaults_fill_what_is_left_out() -> None:
    assert build(Spec, {"probes": 1}, file="f") == Spec(probes=1)


def test_a_bool_is_not_an_integer() -> None:
    assert problems(Spec, {"probes": True}) == [
        "plan.toml: case[0].params.probes: expected an integer >= 1, got true (a boolean)"
    ]


def test_a_bool_is_not_a_number_either() -> None:
    assert problems(Spec, {"probes": 1, "interval_s": False}) == [
        "plan.toml: case[0].params.interval_s: expected a number > 0, got false (a boolean)"
    ]


def test_an_integer_is_accepted_for_a_float_and_becomes_one() -> None:
    spec = build(Spec, {"probes": 1, "interval_s": 2}, file="f")
    assert spec.interval_s == 2.0
    assert isinstance(spec.interval_s, float)


def test_a_float_is_not_accepted_for_an_integer() -> None:
    assert problems(Spec, {"probes": 3.0}) == [
        "plan.toml: case[0].params.probes: expected an integer >= 1, got 3.0 (a float)"
    ]


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_a_float_must_be_finite(value: float) -> None:
    assert len(problems(Spec, {"probes": 1, "interval_s": value})) == 1


def test_a_string_of_digits_is_not_an_integer() -> None:
    assert problems(Spec, {"probes": "3"}) == [
        'plan.toml: case[0].params.probes: expected an integer >= 1, got "3" (a string)'
    ]


def test_a_bool_field_takes_only_true_or_false() -> None:
    assert problems(Spec, {"probes": 1, "is_on": 1}) == [
        "plan.toml: case[0].params.is_on: expected a boolean (true or false), got 1 (an integer)"
    ]


def test_enum_by_value_and_the_message_lists_the_choices() -> None:
    assert problems(Spec, {"probes": 1, "colour": "RED"}) == [
        'plan.toml: case[0].params.colour: expected one of red, blue, got "RED" (a string)'
    ]


def test_literal_choices() -> None:
    assert problems(Spec, {"probes": 1, "mode": "sideways"}) == [
        'plan.toml: case[0].params.mode: expected one of up, down, got "sideways" (a string)'
    ]


def test_literal_choices_compare_types_too() -> None:
    assert build(Gear, {"number": 2}, file="f").number == 2
    assert problems(Gear, {"number": True}) == [
        "plan.toml: case[0].params.number: expected one of 1, 2, got true (a boolean)"
    ]


def test_min_is_inclusive_and_above_is_exclusive() -> None:
    assert build(Spec, {"probes": 1}, file="f").probes == 1
    assert problems(Spec, {"probes": 0}) == [
        "plan.toml: case[0].params.probes: expected an integer >= 1, got 0 (an integer)"
    ]
    assert problems(Spec, {"probes": 1, "interval_s": 0}) == [
        "plan.toml: case[0].params.interval_s: expected a number > 0, got 0 (an integer)"
    ]


def test_max_bounds_a_nested_field() -> None:
    assert problems(Spec, {"probes": 1, "inner": {"level": 4}}) == [
        "plan.toml: case[0].params.inner.level: expected an integer >= 0 and <= 3, got 4 (an integer)"
    ]


def test_pattern_must_match_the_whole_string() -> None:
    assert problems(Spec, {"probes": 1, "name": "abc1"}) == [
        'plan.toml: case[0].params.name: expected a string matching [a-z]+, got "abc1" (a string)'
    ]


def test_optional_field_missing_without_default_becomes_none() -> None:
    assert build(Window, {"start_s": 0, "end_s": 1}, file="f").note is None


def test_a_missing_required_key_says_what_was_expected() -> None:
    assert problems(Spec, {}) == ["plan.toml: case[0].params.probes: missing (expected an integer >= 1)"]


def test_unknown_keys_are_named_with_a_suggestion_and_the_known_keys() -> None:
    found = problems(Spec, {"probes": 1, "inner": {"levle": 1}})
    assert found == [
        "plan.toml: case[0].params.inner.levle: unknown key (did you mean level?); known keys: id, level"
    ]


def test_tuple_items_are_checked_one_by_one_with_their_index() -> None:
    assert problems(Spec, {"probes": 1, "sizes_bytes": [64, 16, "x"]}) == [
        "plan.toml: case[0].params.sizes_bytes[1]: expected an integer >= 32, got 16 (an integer)",
        'plan.toml: case[0].params.sizes_bytes[2]: expected an integer >= 32, got "x" (a string)',
    ]


def test_a_string_is_not_an_array() -> None:
    assert problems(Spec, {"probes": 1, "sizes_bytes": "64"}) == [
        'plan.toml: case[0].params.sizes_bytes: expected an array of integers >= 32, got "64" (a string)'
    ]


def test_a_table_is_needed_for_a_nested_dataclass() -> None:
    assert problems(Spec, {"probes": 1, "inner": 3}) == [
        "plan.toml: case[0].params.inner: expected a table, got 3 (an integer)"
    ]


def test_unique_items_name_the_duplicate_and_the_first() -> None:
    assert problems(Spec, {"probes": 1, "inners": [{"id": "a"}, {"id": "b"}, {"id": "a", "level": 9}]}) == [
        "plan.toml: case[0].params.inners[2].level: expected an integer >= 0 and <= 3, got 9 (an integer)",
        "plan.toml: case[0].params.inners[2].id: duplicate 'a' (first at case[0].params.inners[0])",
    ]


def test_mapping_values_are_checked_and_the_result_is_read_only() -> None:
    assert problems(Spec, {"probes": 1, "gains_db": {"a b": "1"}}) == [
        'plan.toml: case[0].params.gains_db."a b": expected a number, got "1" (a string)'
    ]
    spec = build(Spec, {"probes": 1, "gains_db": {"a": 1}}, file="f")
    with pytest.raises(TypeError):
        spec.gains_db["a"] = 2.0  # type: ignore[index]


def test_raw_values_are_kept_but_frozen() -> None:
    raw = build(Spec, {"probes": 1, "raw": {"t": {"x": [1, {"y": 2}]}}}, file="f").raw
    assert raw == {"t": {"x": (1, {"y": 2})}}
    assert isinstance(raw["t"], types.MappingProxyType)


def test_every_problem_is_reported_at_once() -> None:
    found = problems(Spec, {"probes": 0, "interval_s": -1, "colour": "green", "bogus": 1})
    assert [line.split(": ")[1] for line in found] == [
        "case[0].params.bogus",
        "case[0].params.probes",
        "case[0].params.interval_s",
        "case[0].params.colour",
    ]


def test_a_secret_written_directly_is_refused_without_showing_it() -> None:
    found = problems(Spec, {"probes": 1, "token": "hunter2"})
    assert len(found) == 1
    assert found[0].startswith("plan.toml: case[0].params.token: holds a secret written directly")
    assert "token_env" in found[0]
    assert "hunter2" not in found[0]


def test_a_redacted_field_never_shows_the_value() -> None:
    found = problems(Spec, {"probes": 1, "token_env": "hunter2"})
    assert found == [
        "plan.toml: case[0].params.token_env: "
        "expected a string matching [A-Z_]+, got a string (value not shown)"
    ]


def test_class_problems_run_once_the_fields_are_valid() -> None:
    assert problems(Window, {"start_s": 2, "end_s": 1}, where="window") == [
        "plan.toml: window: start_s is after end_s",
        "plan.toml: window.end_s: must not be before start_s",
    ]


def test_class_problems_do_not_run_on_invalid_fields() -> None:
    assert problems(Window, {"start_s": "2", "end_s": 1}, where="window") == [
        'plan.toml: window.start_s: expected a number, got "2" (a string)'
    ]


def test_top_level_must_be_a_table() -> None:
    assert problems(Spec, [1], where="") == ["plan.toml: expected a table, got an array"]


def test_try_build_appends_to_the_list_and_returns_none() -> None:
    found = [Problem("other.toml", "x", "earlier")]
    assert try_build(Spec, {"probes": 0}, file="f", field="p", problems=found) is None
    assert [p.field for p in found] == ["x", "p.probes"]
    assert try_build(Spec, {"probes": 5}, file="f", field="p", problems=found) == Spec(probes=5)
    assert len(found) == 2


def test_a_typo_in_field_metadata_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match=r"Typo.count: unknown metadata \['minimum'\]"):
        build(Typo, {}, file="f")


def test_an_unsupported_type_hint_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="does not support"):
        build(Unsupported, {"values": [1]}, file="f")


def test_join_quotes_keys_that_are_not_bare() -> None:
    assert join("", "case") == "case"
    assert join("case", 2) == "case[2]"
    assert join("case[2].limits", "rtt_p95_ms") == "case[2].limits.rtt_p95_ms"
    assert join("limits", "a.b") == 'limits."a.b"'


def test_freeze_turns_tables_and_arrays_read_only() -> None:
    frozen = freeze({"a": [1, {"b": []}]})
    assert frozen == {"a": (1, {"b": ()})}


_KNOWN_KEYS = set(Spec.__dataclass_fields__)
_toml_scalars = st.one_of(st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=8))
_toml_values = st.recursive(
    _toml_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(key=st.text(min_size=1, max_size=12).filter(lambda k: k not in _KNOWN_KEYS), value=_toml_values)
def test_an_unknown_key_is_always_reported_never_accepted(key: str, value: object) -> None:
    with pytest.raises(InputError) as caught:
        build(Spec, {"probes": 1, key: value}, file="f", field="t")
    assert [p.field for p in caught.value.problems] == [join("t", key)]


@given(value=_toml_values)
def test_anything_but_an_integer_is_refused_for_an_integer(value: object) -> None:
    if type(value) is int and value >= 1:
        assert build(Spec, {"probes": value}, file="f").probes == value
    else:
        with pytest.raises(InputError):
            build(Spec, {"probes": value}, file="f")


@given(data=st.dictionaries(st.sampled_from([*sorted(_KNOWN_KEYS), "x"]), _toml_values, max_size=6))
def test_any_table_either_builds_or_reports_problems(data: dict[str, object]) -> None:
    found: list[Problem] = []
    built = try_build(Spec, data, file="f", field="", problems=found)
    assert (built is None) == bool(found)
    assert built is None or isinstance(built, Spec)

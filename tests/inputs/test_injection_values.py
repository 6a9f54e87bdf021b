"""Injection at the inputs (issue 9 item 4): a rig or plan value that reaches an AT command (the SIM's APN and
operator, the server's host, the PIN's variable name, a procedure's parameters) holding CR, LF, quotes,
`;`, `\\` or `+++` with text after it is refused when the file is loaded, with one line naming the file
and the field."""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.errors import InputError
from harness.plan import load_plan
from harness.rig import load_rig
from harness.traffic.udp_echo import UdpEchoSpec
from tests.inputs.toml_text import toml_document
from tests.reliability_tally import tally

CHECKOUT = Path(__file__).resolve().parents[2]
VIRTUAL_RIG = CHECKOUT / "fixtures" / "rigs" / "virtual.toml"
SMOKE_PLAN = CHECKOUT / "testplans" / "smoke.toml"
HOSTILE = ('"', "\r", "\n", ";", "\\", "\x00", "\x1a", '";AT+CFUN=0;"', "\r\nAT+CFUN=0\r\n", "+++\rAT+CFUN=0")
INJECTION_SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# (table path in the rig, key, a good value): each reaches an AT command or the module's network
RIG_FIELDS = {
    "module[0].sim.apn": (("module", 0, "sim"), "apn", "iot.test"),
    "module[0].sim.operator": (("module", 0, "sim"), "operator", "China Mobile"),
    "module[0].sim.pin_env": (("module", 0, "sim"), "pin_env", "MIOT_PIN"),
    "server.host": (("server",), "host", "192.0.2.1"),
}


def hostile(good: str) -> st.SearchStrategy[str]:
    return st.tuples(
        st.integers(0, len(good)), st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3)
    ).map(lambda cut_pieces: good[: cut_pieces[0]] + "".join(cut_pieces[1]) + good[cut_pieces[0] :])


@pytest.mark.parametrize("where", sorted(RIG_FIELDS))
@INJECTION_SETTINGS
@given(data=st.data())
def test_a_rig_value_that_could_inject_is_refused_naming_its_field(
    where: str, data: st.DataObject, tmp_path: Path
) -> None:
    path_in_rig, key, good = RIG_FIELDS[where]
    value = data.draw(hostile(good))
    rig = tomllib.loads(VIRTUAL_RIG.read_text(encoding="utf-8"))
    table: Any = rig
    for step in path_in_rig:
        table = table[step]
    table[key] = value
    path = tmp_path / "rig.toml"
    path.write_text(toml_document(rig), encoding="utf-8")

    tally("injection.attempts")
    with pytest.raises(InputError) as caught:
        load_rig(path)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"{path}: {where}: ")


@INJECTION_SETTINGS
@given(value=hostile("64"))
def test_a_procedure_parameter_that_could_inject_is_refused_naming_its_field(value: str) -> None:
    plan = load_plan(SMOKE_PLAN)
    case = next(case for case in plan.cases if case.test == "test_udp_echo")
    hostile_case = dataclasses.replace(case, params={**case.params, "payload_bytes": value})
    tally("injection.attempts")
    with pytest.raises(InputError) as caught:
        plan.build_params(hostile_case, UdpEchoSpec)
    (line,) = str(caught.value).splitlines()
    assert line.startswith(f"{plan.path}: {plan.field_of(case)}.params.payload_bytes: ")

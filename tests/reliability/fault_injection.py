"""A pytest plugin the fault matrix loads into `miot run` (`-p tests.reliability.fault_injection`): it plays
the lab's fault injector, switching a fault on in a virtual module just after each case body starts, so the
fault lands inside the procedure rather than in the module's bring-up.

Which fault each module gets comes from the environment variable MIOT_FAULT_MATRIX: a JSON object of module
id -> control request without its op (harness.virtual.faults: `{"kind": "reboot", "at_s": 0.5}`). The
request goes through the virtual module's control channel, the one the harness's radio control uses; a
module the variable does not name is left alone.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Generator, Mapping

import pytest

from harness.pytest_plugin.modems import ModemPool

FAULTS_VARIABLE = "MIOT_FAULT_MATRIX"
_MODULE_OF_TEST = re.compile(r"@([a-z0-9][a-z0-9_.-]*)(?:=retry\d+)?\]$")


def faults_by_module(environ: Mapping[str, str]) -> dict[str, dict[str, object]]:
    text = environ.get(FAULTS_VARIABLE, "{}")
    faults = json.loads(text)
    if not isinstance(faults, dict) or not all(isinstance(v, dict) for v in faults.values()):
        raise ValueError(
            f"{FAULTS_VARIABLE} must be a JSON object of module id -> fault request, got {text!r}"
        )
    return faults


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside the harness's own wrapper: before its body starts
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    match = _MODULE_OF_TEST.search(item.name)
    fault = faults_by_module(os.environ).get(match[1]) if match else None
    pool = getattr(item, "funcargs", {}).get("modem_pool")
    if fault is not None and match is not None and isinstance(pool, ModemPool):
        module = getattr(pool.port_of(match[1]), "virtual_module", None)
        if module is None:
            raise RuntimeError(f"module {match[1]} is not virtual: the fault matrix cannot inject into it")
        module.control({"op": "clear_faults"})  # a lasting fault of an earlier case must not carry over
        module.control({"op": "fault", **fault})
    return (yield)

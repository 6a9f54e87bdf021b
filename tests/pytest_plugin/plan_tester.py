"""A plan run in pytester's directory, for the plugin tests: rig, plan and test file written there, pytest run
on them with --rig, --plan, --results and --run-id given explicitly.

The default rig's modules have ports that are valid URLs but are opened only by a bring-up (a test asking
for `registered_modem`), so most plugin tests start no virtual module at all.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from harness.results import RunDirectory, RunRecord, read_measurements, read_run_record

RUN_ID = "run-1"
TESTPLANS = Path(__file__).resolve().parents[2] / "testplans"
_ITEM_ID = re.compile(r"^test_procedures\.py::test_\w+\[(.+)\]$")
# Two NB-IoT modules and one Cat-1; their ports are valid URLs that only a bring-up would open.
DEFAULT_MODULES = """
    [[module]]
    id = "nb-a"
    port = "virtual://bc660k?ce=0"
    rat = "nbiot"
    [module.sim]
    operator = "00101"
    apn = "iot.test"

    [[module]]
    id = "nb-b"
    port = "virtual://bc660k?ce=1"
    rat = "nbiot"

    [[module]]
    id = "cat-a"
    port = "loop://"
    rat = "cat1"
"""


class PlanTester:
    """A plan run in pytester's directory: rig.toml, plan.toml, test_procedures.py, results/."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        self.rig_path = pytester.path / "rig.toml"
        self.plan_path = pytester.path / "plan.toml"
        self.tests_path = pytester.path / "test_procedures.py"
        self.results_path = pytester.path / "results"
        self.write_rig(DEFAULT_MODULES)

    def write_rig(self, modules: str) -> Path:
        """A rig with capture off (no privileges needed) and these `[[module]]` tables."""
        header = '[rig]\nname = "plugin-test"\n\n[capture]\npoint = "off"\n'
        return _write(self.rig_path, header + textwrap.dedent(modules))

    def write_plan(self, cases: str) -> Path:
        """A plan named "plugin-test" with these `[[case]]` tables."""
        header = '[plan]\nname = "plugin-test"\n'
        return _write(self.plan_path, header + textwrap.dedent(cases))

    def write_tests(self, source: str) -> Path:
        return _write(self.tests_path, textwrap.dedent(source))

    def write_family(self, family: str) -> Path:
        """The shipped procedures of one family, testplans/test_<family>.py, as the test file."""
        return self.write_tests((TESTPLANS / f"test_{family}.py").read_text(encoding="utf-8"))

    def options(self, run_id: str = RUN_ID) -> list[str]:
        return [
            f"--rig={self.rig_path}",
            f"--plan={self.plan_path}",
            f"--results={self.results_path}",
            f"--run-id={run_id}",
        ]

    def run(self, *args: str, run_id: str = RUN_ID) -> pytest.RunResult:
        """pytest in-process on the test file, with the plan options and `args`."""
        return self.pytester.runpytest(str(self.tests_path), *self.options(run_id), *args)

    def collected_ids(self, *args: str) -> list[str]:
        """The parametrisation ids of the items a run would execute, in order (`fixed@nb-a+2`)."""
        result = self.run("--collect-only", "-q", *args)
        assert result.ret == pytest.ExitCode.OK, result.stderr.str()
        return [match[1] for line in result.outlines if (match := _ITEM_ID.search(line))]

    @property
    def run_dir(self) -> RunDirectory:
        return RunDirectory(root=self.results_path, run_id=RUN_ID)

    def measurements(self) -> pd.DataFrame:
        return read_measurements(self.run_dir.measurements_csv)

    def run_record(self) -> RunRecord:
        return read_run_record(self.run_dir.run_json)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

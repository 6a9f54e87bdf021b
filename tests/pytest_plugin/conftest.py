"""Fixtures of the plugin tests: `plan_tester` (tests/pytest_plugin/plan_tester.py) and an environment without
the caller's MIOT_* settings.

hypothesis, pytest_html.extras and harness.report are imported here for speed only: pytester restores
sys.modules after every in-process run, so a module first imported inside one (hypothesis through its
plugin's summary, pytest-html's extras, matplotlib through harness.report) would be imported and
assertion-rewritten again in every run, about 1 s each.

pandas' pyarrow extension types are imported here for correctness: pandas registers them with pyarrow's
process-wide registry the first time it writes parquet, and a second registration raises ArrowKeyError. If
that first time is inside an in-process run, pytester forgets the module while pyarrow keeps the
registration, and the next run that writes parquet fails (seen when this directory's files ran alone).
"""

from __future__ import annotations

import os

import hypothesis  # noqa: F401
import pandas.core.arrays.arrow.extension_types  # noqa: F401
import pytest
import pytest_html.extras  # noqa: F401

import harness.report  # noqa: F401

from .plan_tester import PlanTester


@pytest.fixture(autouse=True)
def no_miot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs here see only the settings each test gives, never the caller's MIOT_* variables."""
    for name in list(os.environ):
        if name.startswith("MIOT_"):
            monkeypatch.delenv(name)


@pytest.fixture
def plan_tester(pytester: pytest.Pytester) -> PlanTester:
    return PlanTester(pytester)

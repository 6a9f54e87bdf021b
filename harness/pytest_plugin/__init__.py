"""glue layer: the pytest plugin (registered through the `pytest11` entry point as `miot`).

The only package that imports pytest. It is inert unless a plan runs: `--plan` (or MIOT_PLAN) was given, or
pytest was pointed at testplans/. Then it loads the rig and plan, creates results/<run-id>/, parametrises the
plan-driven tests (harness.pytest_plugin.cases), provides their fixtures (…fixtures), judges KPIs after each
test body (…verdicts), keeps each case's state on disk while it runs (…case_state), fills the pytest-html
report (…html_report) and puts each case's KPIs in junit.xml (…junit_report). Every hook here stays short:
the work is in those modules and in the library layers below.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from harness.errors import InputError
from harness.kpi import Outcome
from harness.pytest_plugin import (
    attempts,
    case_state,
    cases,
    friendliness_kpis,
    html_report,
    junit_report,
    progress,
    radio_sampling,
    recovery,
    settings,
    verdicts,
    workers,
)
from harness.pytest_plugin.data_path import host_data_path  # noqa: F401 - a fixture, found by name
from harness.pytest_plugin.fixtures import (  # noqa: F401 - fixtures are found by name on this module
    CAPTURE_NOTES,
    capture,
    case_events,
    echo_server,
    evidence,
    is_capture_on,
    kpis,
    modem_pool,
    plan_run,
    power,
    radio,
    registered_modem,
    server,
)
from harness.pytest_plugin.plan_run import PLAN_RUN, PlanRun, start_plan_run


def pytest_addoption(parser: pytest.Parser) -> None:
    settings.add_options(parser)


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their output paths
def pytest_configure(config: pytest.Config) -> None:
    for marker in (*cases.MARKERS, radio_sampling.MARKER_HELP):
        config.addinivalue_line("markers", marker)
    if not settings.is_plan_run(config):
        return
    if workers.is_worker(config):
        joined = workers.join_plan_run(config)
        if joined is not None:
            config.stash[PLAN_RUN] = joined
        return
    problem = radio_sampling.setting_problem(config)
    if problem is not None:
        raise pytest.UsageError(problem)
    settings.seconds(config, "lock_wait_s")  # a wrong value stops the run here, not at a module's bring-up
    run = start_plan_run(config)
    config.stash[PLAN_RUN] = run
    config.pluginmanager.register(workers.RunTally(run), "miot-run-tally")
    progress.start_progress(config, run)
    if config.pluginmanager.hasplugin("html") and not config.option.htmlpath:
        config.option.htmlpath = str(run.run_dir.report_html)
        config.option.self_contained_html = True
    if config.pluginmanager.hasplugin("junitxml") and not config.option.xmlpath:
        config.option.xmlpath = str(run.run_dir.junit_xml)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist, on the controller: tell a worker which run directory to join."""
    run = node.config.stash.get(PLAN_RUN, None)
    if run is not None:
        node.workerinput.update(workers.node_input(run))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    run = metafunc.config.stash.get(PLAN_RUN, None)
    if run is None or cases.CASE_ARG not in metafunc.fixturenames:
        return
    try:
        params = cases.case_params(metafunc, run.plan, run.rig.modules)
    except InputError as error:
        run.collection_problems.extend(error.problems)
        params = [pytest.param(None, id=cases.NO_CASE_ID)]
    metafunc.parametrize(cases.CASE_ARG, params)


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect anything, so a case's test name is checked
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run = config.stash.get(PLAN_RUN, None)
    if run is None:
        return
    problems = [
        *run.collection_problems,
        *cases.uncollected_case_problems(run.plan, items),
        *radio_sampling.marker_problems(items),
    ]
    if problems:
        raise pytest.UsageError(str(InputError(problems)))
    for item in items:
        _, case = _plan_case(item)
        if case is not None:  # with --dist loadgroup, a module's cases stay on one worker
            item.add_marker(pytest.mark.xdist_group(name=case.module.id))
    placeholders = [item for item in items if cases.is_placeholder(item)]
    if placeholders:
        config.hook.pytest_deselected(items=placeholders)
        items[:] = [item for item in items if not cases.is_placeholder(item)]
    if run.plan.operators:
        items[:] = cases.operator_order(items, run.plan.operators)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """A plan case runs as harness.pytest_plugin.attempts says: once, or again after a failure."""
    run, case = _plan_case(item)
    if run is None or case is None:
        return None
    attempts.run_case(item, nextitem, run, case)
    return True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    run, case = _plan_case(item)
    if run is None or case is None:
        return (yield)
    recovery.note_body_start(item, case)
    try:
        with radio_sampling.sampling(item, run, case):
            result = yield
    except pytest.skip.Exception:
        raise
    except BaseException as error:
        fault = recovery.infrastructure_error(item, run, case, error)
        verdicts.judge(item, run, case, body_failed=True, error=None if fault is None else str(fault))
        if fault is not None:
            raise fault from error
        raise
    friendliness_kpis.record_asked(item, run, case)
    # KPIs out of limits may be a module that rebooted or hung mid-case, not the module's result
    fault = recovery.infrastructure_error(item, run, case, None) if verdicts.is_failing(item, case) else None
    verdict = verdicts.judge(item, run, case, body_failed=False, error=None if fault is None else str(fault))
    if fault is not None:
        raise fault
    message = verdicts.failure_message(verdict)
    if message:
        pytest.fail(message, pytrace=False)
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report: pytest.TestReport = yield
    run, case = _plan_case(item)
    if run is None or case is None:
        return report
    verdict = item.stash.get(verdicts.VERDICT, None)
    if report.when == "setup" and workers.MODULE_RECORD in item.stash:
        workers.carry_module_record(report, item.stash[workers.MODULE_RECORD])
    counted = workers.counted_outcome(report, verdict)
    if counted is not None:
        workers.carry_count(report, counted)
        case_state.note_outcome(item, counted)
    if report.when != "call" and report.passed:
        return report
    report.user_properties.append((html_report.MODULE_PROPERTY, case.module.id))
    report.user_properties.append((html_report.OUTCOME_PROPERTY, counted or _shown_outcome(verdict, report)))
    if verdict is not None and report.when == "call":
        test_dir = run.run_dir.test_dir(case.test_id)
        notes = [*item.stash.get(CAPTURE_NOTES, []), *html_report.radio_notes(report)]
        report.user_properties.append(html_report.coverage_property(verdict, case.module.rat))
        item.user_properties.extend(junit_report.kpi_properties(verdict.measurements))
        report.extras = [  # type: ignore[attr-defined]  # pytest-html's attribute
            *getattr(report, "extras", []),
            *html_report.extras_for(verdict, test_dir, case.test_id, notes, rat=case.module.rat),
        ]
    return report


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    html_report.add_columns(cells)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    html_report.fill_columns(report, cells)


def pytest_sessionfinish(session: pytest.Session) -> None:
    run = session.config.stash.get(PLAN_RUN, None)
    if run is not None:
        run.finish()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    run = config.stash.get(PLAN_RUN, None)
    if run is not None:
        terminalreporter.write_line(f"miot: results in {run.run_dir.path}")
        terminalreporter.write_line(f"miot: report: {run.run_dir.report_html}")


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    """A case the rig stopped is an error (infrastructure), not a failure of the module."""
    if recovery.is_infrastructure_error(report):
        return "error", "E", "ERROR"
    return attempts.teststatus(report)


def _shown_outcome(verdict: verdicts.Verdict | None, report: pytest.TestReport) -> str:
    outcome = verdict.outcome if verdict else (Outcome.FAIL if report.failed else None)
    return str(outcome or report.outcome)


def _plan_case(item: pytest.Item) -> tuple[PlanRun | None, cases.CaseRun | None]:
    run = item.config.stash.get(PLAN_RUN, None)
    callspec = getattr(item, "callspec", None)
    case = callspec.params.get(cases.CASE_ARG) if callspec is not None else None
    return run, case if isinstance(case, cases.CaseRun) else None

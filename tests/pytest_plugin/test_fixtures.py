"""The fixtures plan-driven tests receive (harness/pytest_plugin/fixtures.py), seen through pytest runs in
pytester. `registered_modem` is tested with the module pool, in test_modems.py."""

from __future__ import annotations

import json

import pytest

from harness.capture import capture_problem, pcap_table
from harness.probe import HEADERS_SNAPLEN_BYTES
from harness.server import LocalServer
from harness.server.listener import ControlListener

from .plan_tester import PlanTester

CAPTURE_REASON = capture_problem()
ONE_CASE = """
    [[case]]
    id = "fixed"
    test = "test_fixture"
    modules = ["nb-a"]
"""


def test_plan_run_skips_outside_a_plan_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_plain="def test_needs_a_run(plan_run):\n    pass\n")

    result = pytester.runpytest("-rs")

    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*not a plan run: give --plan or run the tests in testplans/*"])


def test_evidence_is_the_test_directory_of_the_case(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        import pandas as pd

        def test_fixture(case, evidence):
            assert evidence.dir.name == case.test_id
            evidence.write_samples("fixed", pd.DataFrame({"t_s": [0.0, 0.5], "rtt_ms": [40.0, 41.0]}))
    """)

    plan_tester.run().assert_outcomes(passed=1)

    test_dir = plan_tester.run_dir.tests_path / "fixed@nb-a"
    assert (test_dir / "samples-fixed.parquet").is_file()


def test_a_capture_the_rig_turns_off_runs_the_block_uncaptured_and_says_why(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(ONE_CASE)  # the plan tester's rig has [capture] point = "off"
    plan_tester.write_tests("""
        def test_fixture(case, capture):
            with capture("server", "udp port 9") as record:
                assert record is None
    """)

    result = plan_tester.run()

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*fixed@nb-a: no packet capture at server: the rig captures at 'off'*"])
    (event,) = [
        json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text(encoding="utf-8").splitlines()
    ]
    assert (event["event"], event["test_id"], event["point"]) == ("capture_off", "fixed@nb-a", "server")
    assert "pcap" not in " ".join(path.name for path in plan_tester.run_dir.tests_path.rglob("*"))
    report = plan_tester.run_dir.report_html.read_text(encoding="utf-8")
    assert (
        "capture at server was off (the rig captures at &amp;#x27;off&amp;#x27;): endpoint figures only"
        in report
    )


def test_a_capture_that_dropped_packets_warns_and_marks_its_case(plan_tester: PlanTester) -> None:
    rig = plan_tester.rig_path.read_text(encoding="utf-8").replace('point = "off"', 'point = "server"')
    plan_tester.rig_path.write_text(rig, encoding="utf-8")
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        import contextlib
        from harness.capture import CaptureRecord

        @contextlib.contextmanager
        def dropping_capture(spec, path):
            record = CaptureRecord(spec=spec, path=path)
            yield record
            record.packets, record.dropped_by_kernel = 900, 100

        def test_fixture(case, capture, monkeypatch):
            monkeypatch.setattr("harness.pytest_plugin.fixtures.capture_problem", lambda: None)
            monkeypatch.setattr("harness.pytest_plugin.fixtures.start_capture", dropping_capture)
            with capture("server", "udp port 9") as record:
                assert record is not None
    """)

    result = plan_tester.run()

    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*fixed@nb-a: capture at server (lo) dropped 100 packet(s) (100 by kernel*"])
    events = [
        json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text(encoding="utf-8").splitlines()
    ]
    assert [(e["event"], e["packets"], e["dropped_by_kernel"]) for e in events] == [("capture", 900, 100)]
    assert "dropped 100 packet(s)" in plan_tester.run_dir.report_html.read_text(encoding="utf-8")
    assert "dropped 100 packet(s)" in plan_tester.run_dir.junit_xml.read_text(encoding="utf-8")


@pytest.mark.skipif(CAPTURE_REASON is not None, reason=f"live capture: {CAPTURE_REASON}")
def test_a_rig_capturing_headers_only_keeps_no_payload_in_the_pcap(plan_tester: PlanTester) -> None:
    rig = plan_tester.rig_path.read_text(encoding="utf-8")
    plan_tester.rig_path.write_text(
        rig.replace('point = "off"', 'point = "server"\npayload = "headers"'), encoding="utf-8"
    )
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        import socket
        from harness.probe import ProbeHeader, encode_probe

        def test_fixture(case, capture):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
                sink.bind(("127.0.0.1", 0))
                port = sink.getsockname()[1]
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                    with capture("server", f"udp port {port}") as record:
                        for seq in range(3):
                            probe = encode_probe(ProbeHeader(seq=seq, client_tx_ns=1), 400)
                            sender.sendto(probe + b"user-payload-xyz", ("127.0.0.1", port))
            assert record.packets == 3
    """)

    plan_tester.run().assert_outcomes(passed=1)

    pcap = plan_tester.run_dir.tests_path / "fixed@nb-a" / "capture-server.pcap"
    assert b"user-payload-xyz" not in pcap.read_bytes()
    assert pcap_table(pcap)["seq"].tolist() == [0, 1, 2]
    events = [
        json.loads(line) for line in plan_tester.run_dir.events_jsonl.read_text(encoding="utf-8").splitlines()
    ]
    assert [(e["event"], e["snaplen_bytes"]) for e in events] == [("capture", HEADERS_SNAPLEN_BYTES)]


def test_echo_server_runs_locally_on_loopback(plan_tester: PlanTester) -> None:
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        def test_fixture(case, echo_server):
            host, port = echo_server.address
            assert host == "127.0.0.1"
            assert port > 0
            assert echo_server.bpf == f"udp port {port}"
    """)

    plan_tester.run().assert_outcomes(passed=1)


def remote_rig(plan_tester: PlanTester, port: int) -> None:
    rig = plan_tester.rig_path.read_text(encoding="utf-8")
    remote = f'[server]\nmode = "remote"\nhost = "127.0.0.1"\nport = {port}\n'
    remote += 'token_env = "MIOT_SERVER_TOKEN"\n'
    plan_tester.rig_path.write_text(remote + rig, encoding="utf-8")


def test_echo_server_of_a_remote_server_is_a_reflector_session_there(
    plan_tester: PlanTester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIOT_SERVER_TOKEN", "plugin-test-token")
    sessions = LocalServer()
    with ControlListener(sessions, host="127.0.0.1", port=0, token="plugin-test-token") as listener:
        remote_rig(plan_tester, listener.address[1])
        plan_tester.write_plan(ONE_CASE)
        plan_tester.write_tests("""
            import socket
            from harness.probe import ProbeHeader, decode_probe, encode_probe

            def test_fixture(case, echo_server):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                    client.settimeout(5)
                    client.sendto(encode_probe(ProbeHeader(seq=1, client_tx_ns=1), 64), echo_server.address)
                    assert decode_probe(client.recvfrom(2048)[0]).is_reflected
        """)

        plan_tester.run().assert_outcomes(passed=1)
    sessions.close()


def test_a_remote_server_without_its_token_variable_fails_naming_it(plan_tester: PlanTester) -> None:
    remote_rig(plan_tester, 7)
    plan_tester.write_plan(ONE_CASE)
    plan_tester.write_tests("""
        def test_fixture(case, echo_server):
            raise AssertionError("must not run")
    """)

    result = plan_tester.run()

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test server (remote)*MIOT_SERVER_TOKEN is not set*"])

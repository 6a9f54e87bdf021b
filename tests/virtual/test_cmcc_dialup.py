"""harness.virtual.cmcc_dialup (with data_call): the ML307R's AT+MDIALUP through a raw terminal, without a
host data interface (no root needed; test_host_data_path carries traffic through one): the call comes up
once registered and reports the address, goes down when hung up or with the registration, and a call
dialled once stays down when the registration comes back."""

from __future__ import annotations

from .conftest import StartModule, Terminal, control, wait_for_state

FAST = "echo=0&attach_s=0"
URC_WAIT_S = 5.0
MODULE_ADDRESS = "127.0.0.1"  # the model's own address (the `ip` option's default)


def registered_ml307r(start_module: StartModule, query: str = FAST) -> Terminal:
    terminal = start_module(query, model="ml307r")
    terminal.wait_registered()
    return terminal


def test_test_form_lists_contexts_and_operations(start_module: StartModule) -> None:
    terminal = registered_ml307r(start_module)
    assert terminal.lines("AT+MDIALUP=?") == ["+MDIALUP: (1-15),(0,1)", "OK"]


def test_dial_reports_the_call_up_then_hang_up_reports_it_down(start_module: StartModule) -> None:
    terminal = registered_ml307r(start_module)
    assert terminal.lines("AT+MDIALUP=2,1") == ["OK"]
    terminal.read_until(f"\r\n+MDIALUP: 2,1,{MODULE_ADDRESS}\r\n".encode(), timeout_s=URC_WAIT_S)
    assert terminal.lines("AT+MDIALUP=2,0") == ["OK"]
    terminal.read_until(b"\r\n+MDIALUP: 2,0\r\n", timeout_s=URC_WAIT_S)


def test_a_call_dialled_before_registration_waits_for_it(start_module: StartModule) -> None:
    terminal = start_module("echo=0&attach_s=0.5", model="ml307r")  # +MATREADY read: attaching now
    assert terminal.lines("AT+MDIALUP=1,1") == ["OK"]
    assert b"+MDIALUP" not in terminal.collect(0.2)  # not registered yet
    terminal.read_until(f"\r\n+MDIALUP: 1,1,{MODULE_ADDRESS}\r\n".encode(), timeout_s=URC_WAIT_S)


def test_the_call_ends_with_the_registration(start_module: StartModule) -> None:
    terminal = registered_ml307r(start_module)
    terminal.lines("AT+MDIALUP=1,1")
    terminal.read_until(b"+MDIALUP: 1,1,", timeout_s=URC_WAIT_S)
    control(terminal.port, {"op": "network", "registration": "deregister"})
    terminal.read_until(b"\r\n+MDIALUP: 1,0\r\n", timeout_s=URC_WAIT_S)
    control(terminal.port, {"op": "network", "registration": "register"})
    wait_for_state(terminal.port, "connected")
    assert b"+MDIALUP" not in terminal.collect(0.5)  # dialled once: over


def test_bad_arguments_are_refused(start_module: StartModule) -> None:
    terminal = registered_ml307r(start_module)
    assert terminal.lines("AT+MDIALUP=16,1") == ["+CME ERROR: 50"]
    assert terminal.lines("AT+MDIALUP=1,2") == ["+CME ERROR: 50"]

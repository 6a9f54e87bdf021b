"""harness.virtual.host_data_path: a virtual module's host data interface used as a lab uses a real module's
ECM interface: the dialect dials the data call, host sockets on the module's interface reach a reflector
(harness.server) in the module's network namespace, the control channel changes conditions and the
registration. Needs root (namespaces); skipped with netns's reason otherwise, except the URL checks.

RTT tolerance: the median of the echo probes is within TOLERANCE_MS of link.expected_rtt_median_ms. That
is half the RedCap figure (20 ms), so a relay that adds no delay, or twice it, fails, while the scheduling
delay a loaded 2-core machine adds to a median (a few ms) passes."""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from harness import netns
from harness.at import Urc
from harness.dialects import ConnectOptions, ModemLink, connect
from harness.dialects.quectel_redcap import QuectelRedcapModem
from harness.errors import UrlError
from harness.probe import ProbeHeader, decode_probe, encode_probe
from harness.server import UdpReflector
from harness.virtual.data_interface_topology import DataInterfaceInfo
from harness.virtual.link import LinkProfile, expected_rtt_median_ms
from harness.virtual.options import parse_virtual_url

from .conftest import StartModule, control

ROOT_REASON = netns.missing_net_admin()
needs_root = pytest.mark.skipif(ROOT_REASON is not None, reason=f"host data path tests: {ROOT_REASON}")

TOLERANCE_MS = 10.0
PAYLOAD_BYTES = 64
PROBES = 25  # the first finds the relay's RRC idle and is left out of the median
PROBE_INTERVAL_S = 0.02
PROBE_TIMEOUT_S = 2.0
WAIT_S = 10.0  # any single wait; a loaded machine is slow, a broken one fails instead of hanging
INACTIVITY_S = 0.5  # the network's RRC inactivity timer (link model and relay): releases come quickly
SLOW_DELAY_MS = 60.0  # a conditions change well away from the profile's 7.5 ms


def open_module(url: str) -> ModemLink:
    return connect(url, ConnectOptions(default_timeout_s=WAIT_S))


def interface_of(link: ModemLink) -> DataInterfaceInfo:
    layout = control(link.port, {"op": "status"})["data_interface"]
    assert isinstance(layout, dict), f"no data interface in the status: {layout!r}"
    return DataInterfaceInfo(**layout)


def link_profile(link: ModemLink) -> LinkProfile:
    figures = control(link.port, {"op": "status"})["link"]
    assert isinstance(figures, dict)
    return LinkProfile(**figures)


def has_carrier(interface: str) -> bool:
    with open(f"/sys/class/net/{interface}/carrier") as carrier:
        return carrier.read().strip() == "1"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline_s = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline_s, f"not {what} within {WAIT_S} s"
        time.sleep(0.02)


def assert_nothing_left(info: DataInterfaceInfo) -> None:
    assert not netns.link_exists(info.host_interface)
    assert not netns.namespace_exists(info.router_namespace)
    assert not netns.namespace_exists(info.network_namespace)


@contextmanager
def echo_path(info: DataInterfaceInfo) -> Iterator[Callable[[int], list[float]]]:
    """A reflector in the module's network namespace and a socket on its host interface: `echo(count)`
    sends probes one at a time and returns the RTTs of those that came back, in ms."""
    reflector = UdpReflector(host=info.server_address)
    netns.call_in(info.network_namespace, reflector.start)  # its socket lives in that namespace
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.bind((info.host_address, 0))
            client.settimeout(PROBE_TIMEOUT_S)

            def echo(count: int) -> list[float]:
                return [rtt for seq in range(count) if (rtt := probe(client, reflector.address, seq))]

            yield echo
    finally:
        reflector.stop()


def probe(client: socket.socket, reflector: tuple[str, int], seq: int) -> float | None:
    client.sendto(encode_probe(ProbeHeader(seq=seq, client_tx_ns=time.time_ns()), PAYLOAD_BYTES), reflector)
    try:
        while (reply := decode_probe(client.recv(2048))) is None or reply.seq != seq:
            pass
    except TimeoutError:
        return None
    rtt_ms = (time.time_ns() - reply.client_tx_ns) / 1e6
    time.sleep(PROBE_INTERVAL_S)
    return rtt_ms


def assert_rtt(rtts_ms: list[float], profile: LinkProfile) -> None:
    assert len(rtts_ms) >= PROBES - 2, f"{PROBES - len(rtts_ms)} of {PROBES} probes lost"
    median_ms = statistics.median(rtts_ms[1:])
    expected_ms = expected_rtt_median_ms(profile, PAYLOAD_BYTES)
    assert abs(median_ms - expected_ms) <= TOLERANCE_MS, (median_ms, expected_ms)


def cscon(is_connected: bool) -> Callable[[Urc], bool]:
    return lambda urc: urc.line == f"+CSCON: {int(is_connected)}"


# --- URL ----------------------------------------------------------------------------------------------


def test_without_root_the_url_is_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "missing_net_admin", lambda: "this process lacks CAP_NET_ADMIN")
    for model in ("rg255c", "ml307r"):
        with pytest.raises(UrlError, match=r"datapath .*lacks CAP_NET_ADMIN"):
            parse_virtual_url(f"virtual://{model}?datapath=netns")
        assert parse_virtual_url(f"virtual://{model}?datapath=none").settings["datapath"] == "none"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("virtual://bc660k?datapath=netns", "unknown option 'datapath'"),  # NB-IoT: AT sockets only
        ("virtual://rg255c?datapath=ppp", "datapath must be none or netns"),
        ("virtual://rg255c?data_slot=256", "data_slot must be an integer from 0 to 255"),
        ("virtual://ml307r?queue_ms=0", "queue_ms must be an integer from 1 to 10000"),
    ],
)
def test_bad_data_path_options_are_refused(url: str, problem: str) -> None:
    with pytest.raises(UrlError, match=problem):
        parse_virtual_url(url)


def test_without_a_datapath_option_there_is_no_interface(start_module: StartModule) -> None:
    terminal = start_module("attach_s=0", model="rg255c")
    assert control(terminal.port, {"op": "status"})["data_interface"] is None


# --- RedCap: AT+QNETDEVCTL --------------------------------------------------------------------------


@needs_root
def test_redcap_host_traffic_has_the_profile_rtt_while_the_data_call_is_up() -> None:
    with open_module("virtual://rg255c?datapath=netns&attach_s=0&seed=3") as link:
        info = interface_of(link)
        modem = QuectelRedcapModem(link.session, interface=info.host_interface)  # as a rig names it
        assert not has_carrier(info.host_interface)  # no data call yet
        modem.attach(None, timeout_s=WAIT_S)
        assert modem.data_interface() == info.host_interface
        modem.connect_data(timeout_s=WAIT_S)
        wait_until(lambda: has_carrier(info.host_interface), "carrier after the data call")
        with echo_path(info) as echo:
            assert_rtt(echo(PROBES), link_profile(link))
            control(link.port, {"op": "conditions", "delay_ms": SLOW_DELAY_MS})
            slow = link_profile(link)
            assert slow.delay_ms == SLOW_DELAY_MS
            assert_rtt(echo(PROBES), slow)
            modem.disconnect_data()
            wait_until(lambda: not has_carrier(info.host_interface), "no carrier after the hang-up")
            assert echo(1) == []
    assert_nothing_left(info)


@needs_root
def test_redcap_cscon_follows_host_traffic_and_the_registration_takes_the_carrier() -> None:
    url = f"virtual://rg255c?datapath=netns&attach_s=0&inactivity_s={INACTIVITY_S}&seed=4"
    with open_module(url) as link:
        info = interface_of(link)
        modem = QuectelRedcapModem(link.session, interface=info.host_interface)
        modem.attach(None, timeout_s=WAIT_S)
        link.session.send("AT+CSCON=1")
        modem.connect_data(timeout_s=WAIT_S)
        wait_until(lambda: control(link.port, {"op": "status"})["is_rrc_connected"] is False, "idle")
        with echo_path(info) as echo:
            since_s = link.session.now_s()  # the session's clock, which URCs are stamped with
            assert len(echo(1)) == 1  # host traffic only: the AT side is quiet
            link.session.wait_for_urc("+CSCON", timeout_s=WAIT_S, match=cscon(True), since_s=since_s)
            link.session.wait_for_urc("+CSCON", timeout_s=WAIT_S, match=cscon(False), since_s=since_s)
            control(link.port, {"op": "network", "registration": "deregister"})
            wait_until(lambda: not has_carrier(info.host_interface), "no carrier without registration")
            assert echo(1) == []
            control(link.port, {"op": "network", "registration": "register"})
            # AT+QNETDEVCTL=3 dials again once registered
            wait_until(lambda: has_carrier(info.host_interface), "carrier back with the registration")
            assert len(echo(1)) == 1
    assert_nothing_left(info)


# --- Cat-1: AT+MDIALUP ----------------------------------------------------------------------------


@needs_root
def test_cat1_dial_up_brings_the_host_interface_up_at_the_profile_rtt() -> None:
    with open_module("virtual://ml307r?datapath=netns&data_slot=201&attach_s=0&seed=5") as link:
        info = interface_of(link)
        assert info.slot == 201
        assert link.dialect == "cmcc_cat1"
        link.modem.attach(None, timeout_s=WAIT_S)
        session = link.session
        session.add_urc_prefix("+MDIALUP")  # the cmcc_cat1 dialect does not dial: by hand
        session.send("AT+MDIALUP=1,1")
        up = session.wait_for_urc("+MDIALUP", timeout_s=WAIT_S)
        assert up.line == f"+MDIALUP: 1,1,{info.host_address}"
        assert has_carrier(info.host_interface)
        with echo_path(info) as echo:
            assert_rtt(echo(PROBES), link_profile(link))
            session.send("AT+MDIALUP=1,0")
            assert session.wait_for_urc("+MDIALUP", timeout_s=WAIT_S).line == "+MDIALUP: 1,0"
            assert not has_carrier(info.host_interface)
    assert_nothing_left(info)

"""The eDRX reachability engine against a virtual BC660K: a downlink datagram sent inside the predicted
paging time window arrives within a paging cycle, one sent outside is held until the next window, and the
delay measured outside equals the time to the module's next window (its own schedule, read from the
virtual module's status) plus the delivery's RRC set-up and network delay."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.traffic.edrx_reachability import EdrxReachabilitySpec, run_edrx_reachability
from harness.traffic.session_clock import SESSION_CLOCK_COLUMN

SCALE = 0.05
RRC_SETUP_MS = 100
DELAY_MS = 20
LINK = (
    f"attach_s=0.2&delay_ms={DELAY_MS}&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
    f"&rrc_setup_ms={RRC_SETUP_MS}&inactivity_s=0.3&timer_scale={SCALE}"
)
# NB-IoT eDRX 40.96 s with a 10.24 s PTW and the 2.56 s paging cycle (cellular-iot.md §2.5), run 20 times
# faster: 2.048 s cycles, 0.512 s windows, 0.128 s paging cycles
SPEC = EdrxReachabilitySpec(
    edrx_cycle_s=40.96, ptw_s=10.24, paging_cycle_s=2.56 * SCALE, timer_scale=SCALE, attempts=2,
    tolerance_s=0.4, event_timeout_s=10.0, attempt_timeout_s=10.0, off_s=0.05,
)  # fmt: skip
DELIVERY_S = (RRC_SETUP_MS + DELAY_MS) / 1000
# the URC of a delivered datagram reaches the harness through the pty and the session's reader thread
SLACK_S = 0.3


@pytest.fixture
def link() -> Iterator[ModemLink]:
    with connect(f"virtual://bc660k?{LINK}") as opened:
        opened.modem.attach(None, timeout_s=10.0)
        yield opened


class WindowWatch(threading.Thread):
    """The module's own PTW schedule, read from its status while the engine runs (the engine puts the
    module's eDRX request back at the end, and the grant goes with it): the start of a window on the
    session clock."""

    def __init__(self, link: ModemLink) -> None:
        super().__init__(daemon=True)
        self._link = link
        self._stopped = threading.Event()
        self.window_start_s: float | None = None

    def run(self) -> None:
        module = self._link.port.virtual_module  # type: ignore[attr-defined]
        while not self._stopped.wait(0.1):
            edrx = module.control({"op": "status"})["edrx"]
            if edrx is not None:  # the latest grant: the one in force when the engine probes
                offset_s = time.monotonic() - self._link.session.now_s()
                self.window_start_s = edrx["window_start_s"] - offset_s

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def test_downlink_outside_the_ptw_waits_for_the_next_window(link: ModemLink) -> None:
    windows = WindowWatch(link)
    windows.start()
    try:
        result = run_edrx_reachability(link.modem, SPEC, server_host="127.0.0.1")
    finally:
        windows.stop()

    cycle_s, ptw_s = result.timers.edrx_cycle_s, result.timers.ptw_s
    assert cycle_s == pytest.approx(40.96 * SCALE)
    assert ptw_s == pytest.approx(10.24 * SCALE)
    samples = result.samples
    assert list(samples.columns[:2]) == ["t_s", SESSION_CLOCK_COLUMN]
    # a downlink's instant on the session clock, the radio readings' clock, is when the peer sent it
    assert samples[SESSION_CLOCK_COLUMN].tolist() == samples["sent_s"].tolist()
    assert samples["sent_s"].max() < link.session.now_s()
    inside = samples[samples["kind"] == "inside"]
    outside = samples[samples["kind"] == "outside"]
    assert len(inside) == len(outside) == 2, samples
    assert (inside["delay_s"] <= SPEC.paging_cycle_s + DELIVERY_S + SLACK_S).all(), samples

    first_window_s = windows.window_start_s
    assert first_window_s is not None
    for sent_s, delay_s in zip(outside["sent_s"], outside["delay_s"], strict=True):
        next_window_s = first_window_s + math.ceil((sent_s - first_window_s) / cycle_s) * cycle_s
        assert (sent_s - first_window_s) % cycle_s > ptw_s  # it was sent outside a window
        waited_s = delay_s - (next_window_s - sent_s)
        assert 0 <= waited_s <= DELIVERY_S + SLACK_S, (sent_s, delay_s, next_window_s)

    summary = result.summary
    assert summary["dl_reachability_in_ptw_pct"].value == 100.0
    assert summary["dl_reachability_out_ptw_pct"].value == 100.0
    assert summary["dl_out_ptw_held_pct"].value == 100.0
    error_s = summary["dl_out_ptw_delay_error_max_s"].value
    assert error_s is not None
    assert error_s <= SPEC.tolerance_s
    assert link.modem.edrx().requested_edrx_s is None  # the request put back as it was

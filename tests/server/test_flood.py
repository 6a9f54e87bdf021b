"""A `miot server` under a flood of junk on loopback (issue 9 item 5, tests/server/flood.py), in a short
budget: memory bounded, nothing sent back to the flooder, the control channel answering and the
legitimate reflector answering during and after. benchmarks/bench_server_flood.py gives the full figure.

Bounds under load (2 shared cores): the flooder and the server each take a core, so the legitimate prober
and the control requests wait their turn; "answering during the flood" is asked of most control requests
and some probes, never all of them.
"""

from __future__ import annotations

import os

import pytest

from .flood import FloodFigures, run_flood
from .server_process import miot_server

FLOOD_S = 3.0
MAX_SAMPLES = 20_000  # the reflector's row cap: about 0.8 MB of rows, reached within the first second
# judgement: the rows cap plus Python's allocator and per-thread slack; a leak of one object per junk datagram
# (>= 100k datagrams a second here) would pass this many within the flood
MAX_RSS_DELTA_BYTES = 24 * 1024 * 1024
MAX_SECOND_HALF_GROWTH_BYTES = 8 * 1024 * 1024
MIN_CONTROL_ANSWERED = 0.8
MIN_PROBES_ANSWERED_DURING = 0.1


@pytest.fixture(scope="module")
def figures() -> FloodFigures:
    token = os.urandom(16).hex()
    with miot_server(token) as server:
        return run_flood(server, token, duration_s=FLOOD_S, max_samples=MAX_SAMPLES)


def test_the_flood_was_a_flood(figures: FloodFigures) -> None:
    assert figures.offered_pps > 5_000
    assert figures.reflector_received > figures.offered.packets * 0.1  # the server had to read much of it
    assert figures.offered.control_attempts > 0


def test_the_flooder_got_nothing_back(figures: FloodFigures) -> None:
    assert (figures.offered.replies, figures.offered.reply_bytes) == (0, 0)
    assert figures.offered.control_refused == figures.offered.control_attempts


def test_memory_stays_bounded(figures: FloodFigures) -> None:
    assert figures.reflector_samples_dropped > 0  # the cap was reached: rows beyond it are counted, not kept
    assert figures.rss_delta_bytes < MAX_RSS_DELTA_BYTES
    assert figures.rss_growth_second_half_bytes < MAX_SECOND_HALF_GROWTH_BYTES


def test_the_server_answers_during_and_after(figures: FloodFigures) -> None:
    assert figures.control_answers_during >= MIN_CONTROL_ANSWERED * figures.control_requests_during
    assert figures.answers_during >= MIN_PROBES_ANSWERED_DURING * figures.probes_during
    assert figures.answers_after == figures.probes_after >= 20

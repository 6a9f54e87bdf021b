"""harness.dialects.quectel_nbiot_inbox: what a socket was told (pushed data, announcements, a network close)
turned into datagrams, and the rule that times them. No module here: the reads are scripted."""

from __future__ import annotations

import pytest

from harness.dialects.modem import Datagram
from harness.dialects.quectel_nbiot_inbox import Inbox, Read
from harness.errors import ModemError


class ScriptedReads:
    """Answers each read with the next of `reads`, then with no data."""

    def __init__(self, *reads: Read) -> None:
        self.reads = list(reads)
        self.count = 0

    def __call__(self) -> Read:
        self.count += 1
        return self.reads.pop(0) if self.reads else Read(data=b"", ended_s=99.0, has_more=False)


def test_pushed_data_is_a_datagram_at_its_announcement_without_a_read() -> None:
    reads = ScriptedReads()
    inbox = Inbox("socket 0", reads)
    inbox.push(b"hi", 1.5)
    inbox.push(b"", 1.6)  # a zero-length datagram is still one
    assert inbox.receive(1.0) == Datagram(data=b"hi", t_s=1.5)
    assert inbox.receive(1.0) == Datagram(data=b"", t_s=1.6)
    assert reads.count == 0


def test_an_announcement_after_the_last_read_times_the_first_datagram() -> None:
    inbox = Inbox("socket 0", ScriptedReads(Read(data=b"a", ended_s=2.0, has_more=False)))
    inbox.announce(1.0)
    assert inbox.receive(1.0) == Datagram(data=b"a", t_s=1.0)


def test_an_announcement_made_while_a_read_ran_does_not_time_what_the_next_read_finds() -> None:
    reads = ScriptedReads(
        Read(data=b"a", ended_s=2.0, has_more=False),
        Read(data=b"b", ended_s=3.0, has_more=False),
    )
    inbox = Inbox("socket 0", reads)
    inbox.announce(1.0)
    inbox.announce(1.9)  # before the first read ended: it may have named "a", which that read took
    assert inbox.receive(1.0) == Datagram(data=b"a", t_s=1.0)
    assert inbox.receive(1.0) == Datagram(data=b"b", t_s=3.0)  # the read's own time, never earlier


def test_more_data_is_read_again_and_timed_by_that_read() -> None:
    reads = ScriptedReads(
        Read(data=b"a", ended_s=2.0, has_more=True), Read(data=b"b", ended_s=2.5, has_more=False)
    )
    inbox = Inbox("socket 0", reads)
    inbox.announce(1.0)
    assert [inbox.receive(1.0), inbox.receive(1.0)] == [
        Datagram(data=b"a", t_s=1.0),
        Datagram(data=b"b", t_s=2.5),
    ]
    assert inbox.receive(0.05) is None
    assert reads.count == 2  # no third read: the second said nothing more waits


def test_a_read_that_finds_nothing_waits_for_the_next_arrival() -> None:
    reads = ScriptedReads(
        Read(data=b"", ended_s=2.0, has_more=False), Read(data=b"x", ended_s=4.0, has_more=False)
    )
    inbox = Inbox("socket 0", reads)
    inbox.announce(1.0)
    inbox.announce(3.0)
    assert inbox.receive(1.0) == Datagram(data=b"x", t_s=3.0)


def test_nothing_arriving_is_none_at_the_deadline() -> None:
    assert Inbox("socket 0", ScriptedReads()).receive(0.05) is None


def test_a_network_close_comes_after_the_data_before_it_and_stays() -> None:
    inbox = Inbox("socket 3", ScriptedReads())
    inbox.push(b"last", 1.0)
    inbox.close()
    assert inbox.is_closed
    with pytest.raises(ModemError, match="socket 3 was closed by the network"):
        inbox.check_open()
    assert inbox.receive(1.0) == Datagram(data=b"last", t_s=1.0)
    for _ in range(2):
        with pytest.raises(ModemError, match="socket 3 was closed by the network"):
            inbox.receive(0.0)

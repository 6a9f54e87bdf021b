"""The radio sampler against virtual modules: readings on the session clock at the interval asked, the
conditions the module was given, a failed read kept as a row, a module in PSM left asleep, and a failure
of the sampler itself re-raised in the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest

from harness.dialects import ModemLink, connect
from harness.dialects.psm_reports import QNBIOTEVENT
from harness.dialects.quectel_nbiot import QuectelNbiotModem
from harness.errors import ModemError
from harness.traffic.radio_sampler import ASLEEP, RADIO_COLUMNS, RadioSampler

RSRP_DBM = -104
EVERY_S = 0.1
# the sampler's thread and the module's process share two cores with other tests: readings may come late
SLACK_S = 0.25
LINK = "attach_s=0.2&inactivity_s=0.3&timer_scale=0.05"


@pytest.fixture
def link() -> Iterator[ModemLink]:
    with connect(f"virtual://bc660k?rsrp={RSRP_DBM}&{LINK}") as opened:
        opened.modem.attach(None, timeout_s=10.0)
        yield opened


def test_readings_come_at_the_interval_with_the_module_conditions(link: ModemLink) -> None:
    session = link.session
    before_s = session.now_s()
    with RadioSampler(link.modem, every_s=EVERY_S) as sampler:
        time.sleep(6 * EVERY_S)
    after_s = session.now_s()
    readings = sampler.readings()

    assert tuple(readings.columns) == RADIO_COLUMNS
    assert len(readings) >= 4, readings
    assert readings["t_s"].between(before_s, after_s).all()
    # a fixed schedule: the k-th reading is due k intervals after the first, and a late one does not shift
    # the later ones
    lateness_s = readings["t_s"] - readings["t_s"].iloc[0] - EVERY_S * np.arange(len(readings))
    assert lateness_s.between(-0.02, SLACK_S).all(), lateness_s
    assert readings["read_error"].isna().all(), readings["read_error"]
    assert (readings["rsrp_dbm"] == RSRP_DBM).all()
    assert (readings["ce_level"] == 0).all()  # -104 dBm is CE0 on the [R19] thresholds
    assert readings["cell_id"].notna().all()
    assert readings["pci"].notna().all()


def test_a_failed_read_is_a_row_and_sampling_goes_on(
    link: ModemLink, monkeypatch: pytest.MonkeyPatch
) -> None:
    modem = link.modem
    real = modem.radio_snapshot
    calls = iter(range(1000))

    def flaky() -> object:
        if next(calls) == 1:
            raise ModemError("AT+QENG=0 gave no +QENG line\nsecond line")
        return real()

    monkeypatch.setattr(modem, "radio_snapshot", flaky)
    with RadioSampler(modem, every_s=EVERY_S) as sampler:
        time.sleep(3.5 * EVERY_S)
    readings = sampler.readings()

    assert readings["read_error"].isna().tolist()[:3] == [True, False, True]
    assert readings["read_error"][1] == "ModemError: AT+QENG=0 gave no +QENG line"
    assert readings["rsrp_dbm"].isna().tolist()[:3] == [False, True, False]


def test_a_sampler_failure_is_raised_in_the_caller(link: ModemLink, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> object:
        raise RuntimeError("a bug, not a failed read")

    monkeypatch.setattr(link.modem, "radio_snapshot", broken)
    with pytest.raises(RuntimeError, match="a bug"), RadioSampler(link.modem, every_s=EVERY_S):
        time.sleep(EVERY_S)


def test_a_module_in_psm_is_not_read(link: ModemLink) -> None:
    modem = link.modem
    assert isinstance(modem, QuectelNbiotModem)
    QNBIOTEVENT.set_enabled(link.session, True)
    modem.set_psm(periodic_tau_s=3600, active_time_s=20)  # T3324 20 s, 1 s at timer_scale 0.05
    modem.attach(None, timeout_s=10.0)
    with RadioSampler(modem, every_s=EVERY_S) as sampler:
        entry = link.session.wait_for_urc(QNBIOTEVENT.prefix, timeout_s=10.0)
        time.sleep(4 * EVERY_S)
    readings = sampler.readings()

    asleep = readings[readings["t_s"] > entry.t_s + SLACK_S]
    assert len(asleep) >= 1, readings
    assert (asleep["read_error"] == ASLEEP).all(), asleep
    assert readings.loc[readings["t_s"] < entry.t_s, "rsrp_dbm"].notna().all()


def test_an_interval_must_be_positive(link: ModemLink) -> None:
    with pytest.raises(ValueError, match="every_s"):
        RadioSampler(link.modem, every_s=0)

"""Uplink saturation against a virtual BC660K at CE1 whose uplink rate is pinned: the goodput is the link's
payload rate ul_kbps x B / (B + 28) (the virtual air counts the IPv4 and UDP headers, harness.virtual.link)
within 3 % (as tests/traffic/test_udp_stream.py states it), the offer is above it, and the samples and
summary carry the CE level the module reported. The coverage tag itself: a module without a radio snapshot
gives none, visibly."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from harness.dialects import RadioSnapshot, connect
from harness.errors import ModemError
from harness.server import LocalServer
from harness.traffic.coverage_tag import Coverage, coverage_metrics, coverage_of, tag_samples
from harness.traffic.uplink_saturation import UplinkSaturationSpec, run_uplink_saturation
from harness.virtual.link import IPV4_UDP_HEADER_BYTES

LINK_KBPS = 20.0
PAYLOAD_BYTES = 200
RATE_TOLERANCE = 0.03


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer(host="127.0.0.1")
    yield local
    local.close()


def test_saturation_goodput_is_the_link_rate_at_the_modules_ce_level(server: LocalServer) -> None:
    address = (
        f"virtual://bc660k?ce=1&attach_s=0&delay_ms=20&jitter_ms=0&loss_pct=0&rrc_setup_ms=0"
        f"&ul_kbps={LINK_KBPS:g}&dl_kbps={LINK_KBPS:g}"
    )
    spec = UplinkSaturationSpec(payload_bytes=PAYLOAD_BYTES, rate_kbps=3 * LINK_KBPS, packets=20, drain_s=1.0)
    with connect(address) as link:
        link.modem.attach(None, timeout_s=10.0)
        result = run_uplink_saturation(link.modem, server, spec)
    summary = {name: metric.value for name, metric in result.summary.items()}
    link_payload_kbps = LINK_KBPS * PAYLOAD_BYTES / (PAYLOAD_BYTES + IPV4_UDP_HEADER_BYTES)
    assert summary["ul_goodput_kbps"] == pytest.approx(link_payload_kbps, rel=RATE_TOLERANCE)
    excess = summary["ul_offered_excess_pct"]
    assert excess is not None
    assert excess > 50  # offered at three times the link rate
    assert summary["ce_level_count"] == 1.0
    assert (result.samples["ce_level"] == 1).all()
    assert result.samples["rsrp_dbm"].notna().all()
    assert result.samples.columns[0] == "t_s"


class NoSnapshot:
    def radio_snapshot(self) -> RadioSnapshot:
        raise ModemError("not registered")


def test_no_radio_snapshot_gives_a_missing_level_not_a_made_up_one() -> None:
    coverage = coverage_of(NoSnapshot())  # type: ignore[arg-type]
    assert coverage == Coverage(ce_level=None, rsrp_dbm=None)
    assert coverage_metrics(coverage)["ce_level_count"].value is None
    tagged = tag_samples(pd.DataFrame({"t_s": [0.0, 1.0]}), coverage)
    assert tagged["ce_level"].isna().all()
    assert list(tagged.columns) == ["t_s", "ce_level", "rsrp_dbm"]

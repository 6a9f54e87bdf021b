"""The ping engine against virtual modules: the module's own ping times the configured link (two legs of
delay_ms), one sample per request, a lost request is a sample too, and warm-up requests stay out."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from harness.dialects import ModemLink, connect
from harness.traffic.ping import PingSpec, run_ping, summarize

DELAY_MS = 40.0
LINK = f"attach_s=0.2&delay_ms={DELAY_MS:g}&jitter_ms=0&loss_pct=0&ul_kbps=10000&dl_kbps=10000"
# The virtual module rounds its RTT to whole ms and runs its event loop on a loaded machine.
SLACK_MS = 100.0
FAST = PingSpec(requests=3, interval_s=0.1, timeout_s=2, warmup_requests=1)


@pytest.fixture
def link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    with connect(f"virtual://{request.param}?{LINK}") as opened:
        opened.modem.attach(None, timeout_s=10.0)
        yield opened


@pytest.mark.parametrize("link", ["bc660k", "ml307r", "rg255c"], indirect=True)
def test_ping_rtt_follows_the_configured_delay(link: ModemLink) -> None:
    result = run_ping(link.modem, "127.0.0.1", FAST)
    samples = result.samples
    assert samples.columns[0] == "t_s"
    assert samples["request"].tolist() == [0, 1, 2, 3]
    assert samples["is_warmup"].tolist() == [True, False, False, False]
    assert samples["rtt_ms"].between(2 * DELAY_MS - 1, 2 * DELAY_MS + SLACK_MS).all(), samples
    assert result.summary["ping_rtt_p50_ms"].n_samples == 3
    assert result.summary["ping_loss_pct"].value == 0.0


@pytest.mark.parametrize("link", ["bc660k"], indirect=True)
def test_a_link_that_loses_everything_gives_lost_samples(link: ModemLink) -> None:
    link.port.virtual_module.control({"op": "conditions", "loss_pct": 100})  # type: ignore[attr-defined]
    result = run_ping(link.modem, "127.0.0.1", PingSpec(requests=2, interval_s=0.0, timeout_s=1))
    assert result.samples["is_lost"].tolist() == [True, True, True]
    assert result.summary["ping_loss_pct"].value == 100.0
    assert result.summary["ping_rtt_p50_ms"].value is None


def test_summary_leaves_the_warmup_out_and_counts_losses() -> None:
    samples = pd.DataFrame(
        {"is_warmup": [True, False, False, False], "rtt_ms": [900.0, 100.0, float("nan"), 140.0]}
    )
    summary = summarize(samples)
    assert summary["ping_rtt_max_ms"].value == 140.0
    assert summary["ping_loss_pct"].value == pytest.approx(100 / 3)
    assert summary["ping_jitter_ms"].value == pytest.approx(40 / 16)

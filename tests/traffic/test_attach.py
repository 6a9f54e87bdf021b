"""The attach engine against virtual modules: measured attach times follow the configured attach_s, and a
network that keeps the module out, or a missing SIM, gives failures with their reason instead of a hang.
Every wait has a deadline (the attempt timeout, the session's command timeouts)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from harness.dialects import ModemLink, connect
from harness.errors import ModemError
from harness.traffic.attach import AttachSpec, AttachStart, AttemptOutcome, PdnMode, register_once, run_attach
from harness.virtual.module import BOOT_S

ATTACH_S = 0.4
# The URC is read milliseconds after the module sends it; 0.5 s more leaves room for a loaded machine.
TOLERANCE_S = 0.5
FAST = AttachSpec(cycles=2, off_s=0.05, attempt_timeout_s=5.0)


@pytest.fixture
def link(request: pytest.FixtureRequest) -> Iterator[ModemLink]:
    url: str = getattr(request, "param", f"virtual://bc660k?attach_s={ATTACH_S}")
    with connect(url) as opened:
        yield opened


@pytest.mark.parametrize(
    "link",
    [f"virtual://{model}?attach_s={ATTACH_S}" for model in ("bc660k", "ml307r", "rg255c", "generic")],
    indirect=True,
)
def test_attach_time_from_cfun_follows_the_configured_attach_s(link: ModemLink) -> None:
    result = run_attach(link.modem, FAST)
    samples = result.samples
    assert samples.columns[0] == "t_s"
    assert samples["attempt"].tolist() == [1, 2]
    assert (samples["outcome"] == "registered").all()
    assert samples["attach_time_s"].between(ATTACH_S, ATTACH_S + TOLERANCE_S).all(), samples
    assert samples["ip_address"].notna().all()
    assert samples["rsrp_dbm"].notna().all()  # every attempt carries its radio conditions
    assert result.summary["attach_success_pct"].value == 100.0
    assert result.summary["attach_time_p50_s"].n_samples == 2
    assert link.modem.registration().is_registered


def test_attach_time_from_reboot_counts_the_boot(link: ModemLink) -> None:
    spec = AttachSpec(cycles=2, start=AttachStart.REBOOT, ready_urc="RDY", attempt_timeout_s=5.0)
    result = run_attach(link.modem, spec)
    samples = result.samples
    assert (samples["outcome"] == "registered").all()
    assert samples["ready_time_s"].between(BOOT_S, BOOT_S + TOLERANCE_S).all(), samples
    expected_s = BOOT_S + ATTACH_S
    assert samples["attach_time_s"].between(expected_s, expected_s + TOLERANCE_S).all(), samples
    assert set(result.summary) >= {"reboot_attach_time_p50_s", "reboot_ready_time_p50_s"}
    assert "attach_time_p50_s" not in result.summary


def test_a_network_that_keeps_the_module_out_gives_timeouts_not_a_hang(link: ModemLink) -> None:
    link.port.virtual_module.control({"op": "network", "registration": "deregister"})  # type: ignore[attr-defined]
    spec = AttachSpec(cycles=2, off_s=0.05, attempt_timeout_s=1.0, pdn=PdnMode.OFF)
    result = run_attach(link.modem, spec)
    assert result.samples["outcome"].tolist() == ["timeout", "timeout"]
    assert result.samples["stat"].tolist() == [2, 2]  # still searching
    assert result.samples["attach_time_s"].isna().all()
    assert result.summary["attach_success_pct"].value == 0.0
    assert result.summary["attach_time_p50_s"].value is None


def test_a_missing_sim_is_told_at_once(link: ModemLink) -> None:
    link.port.virtual_module.control({"op": "fault", "kind": "sim_removed"})  # type: ignore[attr-defined]
    result = run_attach(link.modem, AttachSpec(cycles=1, off_s=0.05, attempt_timeout_s=60.0))
    assert result.samples["outcome"].tolist() == [AttemptOutcome.NO_SIM]
    assert result.samples["stat"].tolist() == [0]
    assert "SIM" in result.samples["detail"][0]


def test_register_once_names_the_reason_it_failed(link: ModemLink) -> None:
    link.port.virtual_module.control({"op": "network", "registration": "deregister"})  # type: ignore[attr-defined]
    with pytest.raises(Exception, match=r"registration failed: timeout \(last stat 2\)"):
        register_once(link.modem, AttachSpec(off_s=0.05, attempt_timeout_s=0.5))


def test_the_module_keeps_its_report_mode(link: ModemLink) -> None:
    link.session.send("AT+CEREG=1")
    run_attach(link.modem, AttachSpec(cycles=1, off_s=0.05, attempt_timeout_s=5.0))
    assert link.session.send("AT+CEREG?").value_of("+CEREG") == "1,1"


# --- registration rejects (harness.virtual.registration_reject) ------------------------------------------


def reject_from_now(link: ModemLink, **policy: object) -> None:
    """The virtual network rejects as `policy` says (names with a dot spelled with an underscore)."""
    request = {"op": "network", **{name.replace("_", "."): value for name, value in policy.items()}}
    link.port.virtual_module.control(request)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("link", "domain", "name"),
    [
        (f"virtual://bc660k?attach_s={ATTACH_S}", "EMM", "EPS services not allowed"),
        (f"virtual://ml307r?attach_s={ATTACH_S}", "EMM", "EPS services not allowed"),
        (f"virtual://generic?attach_s={ATTACH_S}", "EMM", "EPS services not allowed"),
        (f"virtual://rg255c?attach_s={ATTACH_S}", "5GMM", "5GS services not allowed"),  # from +C5GREG
    ],
    indirect=["link"],
)
def test_a_permanent_reject_ends_each_attempt_at_once_naming_its_cause(
    link: ModemLink, domain: str, name: str
) -> None:
    reject_from_now(link, reject=7)
    started_s = time.monotonic()
    result = run_attach(link.modem, AttachSpec(cycles=2, off_s=0.05, attempt_timeout_s=30.0, pdn=PdnMode.OFF))
    assert time.monotonic() - started_s < 15.0  # not the two 30 s deadlines
    samples = result.samples
    assert samples["outcome"].tolist() == ["rejected", "rejected"]
    assert samples["reject_cause"].tolist() == [7, 7]
    assert samples["reject_cause_name"].tolist() == [name] * 2
    assert samples["reject_domain"].tolist() == [domain] * 2
    assert samples["detail"][0] == f"registration denied: {domain} cause #7 ({name})"
    assert (result.summary["reject_count"].value, result.summary["attach_reject_count"].value) == (2, 2)
    assert result.summary["reject_backoff_violation_count"].value == 0


@pytest.mark.parametrize("link", [f"virtual://bc660k?attach_s={ATTACH_S}&timer_scale=0.03"], indirect=True)
def test_a_module_that_registers_after_retried_rejects_keeps_their_count(link: ModemLink) -> None:
    reject_from_now(link, reject=17, reject_attempts=2)
    spec = AttachSpec(cycles=1, off_s=0.05, attempt_timeout_s=10.0, pdn=PdnMode.OFF, timer_scale=0.03)
    result = run_attach(link.modem, spec)
    sample = result.samples.iloc[0]
    assert sample["outcome"] == "registered"
    assert (sample["reject_count"], sample["reject_cause"]) == (2, 17)  # the last cause, kept
    # three answers of the network and two T3411 back-offs of 0.3 s each
    assert sample["attach_time_s"] >= 3 * ATTACH_S + 2 * 10.0 * 0.03
    assert result.summary["reject_backoff_violation_count"].value == 0
    assert result.summary["attach_success_pct"].value == 100.0


def test_a_retried_reject_still_in_force_at_the_deadline_ends_rejected(link: ModemLink) -> None:
    reject_from_now(link, reject=17)  # T3411 at scale 1: one reject within the deadline
    spec = AttachSpec(cycles=1, off_s=0.05, attempt_timeout_s=1.5, pdn=PdnMode.OFF)
    result = run_attach(link.modem, spec)
    assert result.samples["outcome"].tolist() == ["rejected"]
    assert result.samples["detail"][0] == (
        "not registered within 1.5 s (registration denied: EMM cause #17 (network failure))"
    )


def test_register_once_names_the_reject_cause(link: ModemLink) -> None:
    reject_from_now(link, reject=15)
    with pytest.raises(
        ModemError, match=r"registration denied: EMM cause #15 \(no suitable cells in tracking area\)"
    ):
        register_once(link.modem, AttachSpec(off_s=0.05, attempt_timeout_s=10.0, pdn=PdnMode.OFF))

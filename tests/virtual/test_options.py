"""harness.virtual.options: virtual:// URLs -> ModuleOptions, and the errors that name what is wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.errors import UrlError
from harness.virtual.link import CE_PROFILES
from harness.virtual.options import (
    is_luhn_valid,
    known_models,
    parse_virtual_url,
)

# the host data interface's options (harness.virtual.host_data_path) as rg255c and ml307r default them
NO_DATA_PATH = {"datapath": "none", "data_slot": "any", "queue_ms": 100}


NO_SECOND_SIM = {"sim2.imsi": "", "sim2.iccid": "", "sim2.plmn": "", "sim2.inserted": 1}


def test_every_model_file_is_a_known_model() -> None:
    assert set(known_models()) >= {"bc660k", "rg255c", "ml307r", "generic"}


@pytest.mark.parametrize(
    ("url", "profile", "settings"),
    [
        ("virtual://bc660k", "nbiot", {"qsclk": 1}),
        ("virtual://bc660k?qsclk=0", "nbiot", {"qsclk": 0}),
        ("virtual://ml307r", "cat1", NO_DATA_PATH),
        (
            "virtual://rg255c",
            "redcap_2rx",
            {"rx": 2, "usbnet": 1, "sim_slots": 1, **NO_SECOND_SIM, **NO_DATA_PATH},
        ),
        (
            "virtual://rg255c?rx=1&usbnet=3&sim_slots=2&sim2.plmn=46011&sim2.inserted=0",
            "redcap_1rx",
            {
                "rx": 1,
                "usbnet": 3,
                "sim_slots": 2,
                **NO_SECOND_SIM,
                "sim2.plmn": "46011",
                "sim2.inserted": 0,
                **NO_DATA_PATH,
            },
        ),
        ("virtual://generic", "cat1", {"profile": "cat1"}),
        ("virtual://generic?profile=nbiot", "nbiot", {"profile": "nbiot"}),
    ],
)
def test_models_declare_their_profile_and_options(
    url: str, profile: str, settings: dict[str, object]
) -> None:
    options = parse_virtual_url(url)
    assert options.profile.name == profile
    assert dict(options.settings) == settings
    assert options.link == options.profile.links[options.radio.ce_level]


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("virtual://ml307r?qsclk=1", "unknown option 'qsclk'"),  # a BC660K option only
        ("virtual://rg255c?rx=3", "option rx"),
        ("virtual://generic?profile=lte", "option profile"),
        ("virtual://ml307r?ce=1", "option ce must be an integer from 0 to 0"),
        ("virtual://ml307r?sockets=7", "option sockets"),
    ],
)
def test_model_options_are_checked_per_model(url: str, named: str) -> None:
    with pytest.raises(UrlError, match=named):
        parse_virtual_url(url)


def test_link_options_stay_pinned_and_are_listed() -> None:
    options = parse_virtual_url("virtual://ml307r?delay_ms=3&rsrp=-120")
    assert dict(options.link_overrides) == {"delay_ms": 3.0}
    assert (options.link.delay_ms, options.radio.ce_level, options.radio.rsrp_dbm) == (3.0, 0, -120.0)


def test_defaults_are_ce0_with_valid_identities() -> None:
    options = parse_virtual_url("virtual://bc660k")
    assert options.model == "bc660k"
    assert options.radio.ce_level == 0
    assert options.link == CE_PROFILES[0]
    assert options.is_echo_on
    assert is_luhn_valid(options.identity.imei)
    assert options.identity.imsi.startswith("00101")
    assert is_luhn_valid(options.identity.iccid)
    assert options.identity.iccid.startswith("8900101")
    assert len(options.identity.iccid) == 20


def test_default_identities_differ_between_urls_and_repeat_for_one() -> None:
    first = parse_virtual_url("virtual://bc660k?ce=0").identity
    again = parse_virtual_url("virtual://bc660k?ce=0").identity
    other = parse_virtual_url("virtual://bc660k?ce=1").identity
    assert first == again
    assert first.imei != other.imei
    assert first.imsi != other.imsi
    assert first.iccid != other.iccid


@pytest.mark.parametrize("ce_level", [0, 1, 2])
def test_ce_picks_the_link_profile(ce_level: int) -> None:
    options = parse_virtual_url(f"virtual://bc660k?ce={ce_level}")
    assert options.link == CE_PROFILES[ce_level]
    assert options.radio.ce_level == ce_level


def test_rsrp_alone_picks_the_ce_level() -> None:
    options = parse_virtual_url("virtual://bc660k?rsrp=-112")
    assert options.radio.ce_level == 1
    assert options.radio.rsrp_dbm == -112.0
    assert options.link == CE_PROFILES[1]


def test_explicit_ce_wins_over_rsrp() -> None:
    # a network can put a module in CE1 at good RSRP after RACH failures (indicators.md §2.1)
    options = parse_virtual_url("virtual://bc660k?ce=1&rsrp=-90")
    assert (options.radio.ce_level, options.radio.rsrp_dbm) == (1, -90.0)


def test_every_link_option_overrides_its_field() -> None:
    options = parse_virtual_url(
        "virtual://bc660k?ce=2&delay_ms=10&jitter_ms=2&loss_pct=1.5&ul_kbps=100&dl_kbps=50"
        "&rrc_setup_ms=30&inactivity_s=0.5&attach_s=0.1&seed=9&echo=0"
        "&imei=490154203237518&imsi=310150123456789&iccid=8944500102198304826&ip=127.0.0.2"
        "&active_time=00000101&periodic_tau=00100001&sockets=2&timer_scale=0.01"
    )
    link = options.link
    assert (link.delay_ms, link.jitter_ms, link.loss_pct, link.ul_kbps, link.dl_kbps) == (10, 2, 1.5, 100, 50)
    assert (link.rrc_setup_ms, link.inactivity_s) == (30, 0.5)
    assert (options.attach_s, options.seed, options.is_echo_on) == (0.1, 9, False)
    assert options.identity.imei == "490154203237518"
    assert options.identity.imsi == "310150123456789"
    assert options.identity.iccid == "8944500102198304826"
    assert options.ip_address == "127.0.0.2"
    assert (options.network.active_time_bits, options.network.periodic_tau_bits) == ("00000101", "00100001")
    assert (options.max_sockets, options.timer_scale) == (2, 0.01)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("virtual://xyz", "'xyz'"),
        ("virtual://", "names no virtual model"),
        ("virtual://bc660k?color=red", "'color'"),
        ("virtual://bc660k?ce=3", "option ce"),
        ("virtual://bc660k?ce=one", "option ce"),
        ("virtual://bc660k?rsrp=-20", "option rsrp"),
        ("virtual://bc660k?loss_pct=101", "option loss_pct"),
        ("virtual://bc660k?delay_ms=nan", "option delay_ms"),
        ("virtual://bc660k?ul_kbps=0", "option ul_kbps"),
        ("virtual://bc660k?echo=2", "option echo"),
        ("virtual://bc660k?imei=350000110000012", "option imei"),
        ("virtual://bc660k?imsi=12ab", "option imsi"),
        ("virtual://bc660k?ip=192.0.2.1", "option ip"),
        ("virtual://bc660k?active_time=0101", "option active_time"),
        ("virtual://bc660k?ce=1&ce=2", "option ce is given twice"),
        ("virtual://bc660k/extra", "nothing else"),
    ],
)
def test_bad_urls_name_what_is_wrong(url: str, named: str) -> None:
    with pytest.raises(UrlError) as raised:
        parse_virtual_url(url)
    message = str(raised.value)
    assert named in message
    assert url in message
    assert "\n" not in message


def test_unknown_option_error_lists_the_known_ones() -> None:
    with pytest.raises(UrlError, match=r"known: .*attach_s.*rsrp"):
        parse_virtual_url("virtual://bc660k?colour=1")


def test_unknown_model_error_lists_the_known_ones() -> None:
    with pytest.raises(UrlError, match=r"known: .*bc660k"):
        parse_virtual_url("virtual://nrf9160")


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_luhn_accepts_exactly_one_check_digit(digits: str) -> None:
    body = digits[:14]
    valid = [d for d in "0123456789" if is_luhn_valid(body + d)]
    assert len(valid) == 1


def test_luhn_known_values() -> None:
    assert is_luhn_valid("490154203237518")  # a widely published valid example
    assert not is_luhn_valid("490154203237519")


@given(st.floats(min_value=0.0, max_value=600_000.0, allow_nan=False))
def test_delay_values_round_trip(delay_ms: float) -> None:
    assert parse_virtual_url(f"virtual://bc660k?delay_ms={delay_ms!r}").link.delay_ms == delay_ms

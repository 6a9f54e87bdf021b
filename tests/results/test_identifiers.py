"""Tests of harness.results.identifiers: keyed hashes and where the key comes from."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.results.identifiers import (
    ID_KEY_ENV,
    KEY_FILE_NAME,
    hash_identifier,
    is_hashed,
    load_id_key,
)

IMEI = "869999012345678"


def test_hash_is_stable_prefixed_and_short() -> None:
    key = b"a" * 32
    first = hash_identifier(IMEI, key)
    assert first == hash_identifier(IMEI, key)
    assert first == hash_identifier(f" {IMEI}\n", key)
    assert first.startswith("h:")
    assert len(first) == 2 + 16
    assert is_hashed(first)
    assert IMEI not in first


def test_different_keys_and_values_give_different_hashes() -> None:
    assert hash_identifier(IMEI, b"a" * 32) != hash_identifier(IMEI, b"b" * 32)
    assert hash_identifier(IMEI, b"a" * 32) != hash_identifier("869999012345679", b"a" * 32)


def test_hash_is_not_a_plain_digest_of_the_value() -> None:
    plain = hashlib.sha256(IMEI.encode()).hexdigest()[:16]
    assert hash_identifier(IMEI, b"a" * 32) != "h:" + plain


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="key"):
        hash_identifier(IMEI, b"")


@given(st.text(max_size=30))
def test_every_hash_is_recognised_as_hashed(value: str) -> None:
    assert is_hashed(hash_identifier(value, b"k" * 16))


@pytest.mark.parametrize("text", [IMEI, "h:", "h:XYZ", "h:0123456789abcdeg", "0123456789abcdef"])
def test_raw_values_are_not_taken_for_hashes(text: str) -> None:
    assert not is_hashed(text)


def test_key_file_is_created_once_with_0600(tmp_path: Path) -> None:
    root = tmp_path / "results"
    key = load_id_key(root, environ={})
    path = root / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == 32
    assert load_id_key(root, environ={}) == key
    assert [p.name for p in root.iterdir()] == [KEY_FILE_NAME]  # no temporary left
    assert load_id_key(tmp_path / "other", environ={}) != key


def test_environment_key_wins_over_the_file(tmp_path: Path) -> None:
    load_id_key(tmp_path, environ={})
    key = load_id_key(tmp_path, environ={ID_KEY_ENV: "lab-wide secret 0123"})
    assert key == b"lab-wide secret 0123"


def test_short_environment_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=ID_KEY_ENV):
        load_id_key(tmp_path, environ={ID_KEY_ENV: "1234"})
    assert not (tmp_path / KEY_FILE_NAME).exists()


def test_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    load_id_key(tmp_path, environ={})
    (tmp_path / KEY_FILE_NAME).chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        load_id_key(tmp_path, environ={})


def test_key_file_that_is_not_hex_is_refused(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.write_text("not a key")
    path.chmod(0o600)
    with pytest.raises(ValueError, match="hex"):
        load_id_key(tmp_path, environ={})


def test_default_environment_is_os_environ(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ID_KEY_ENV, "from the real environment")
    assert load_id_key(tmp_path) == b"from the real environment"

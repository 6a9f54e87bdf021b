"""results layer: module identifiers (IMEI, IMSI, ICCID) hashed before they reach a result file.

Why a keyed hash (HMAC-SHA256) and not a plain SHA-256: these identifiers have little entropy. An IMEI is an
8-digit TAC (10^8 possible codes, and the TAC of a module model is public) followed by a 6-digit serial
number and a check digit; once the model is known only 10^6 IMEIs remain, and a plain hash of each of them
takes well under a second to compute. IMSIs (MCC+MNC then 9-10 digits) and ICCIDs (issuer prefix then a
serial) are no better. With a secret key the digest reveals nothing to whoever lacks the key, while the
same module still gets the same hash on every run of one lab machine, so runs can be compared.

Where the key comes from, first match wins:
1. the environment variable MIOT_ID_KEY (at least 16 characters): share it across lab machines whose
   reports must agree;
2. else the file `<results root>/.id-key`, 32 random bytes in hex, created once with permissions 0600
   (the run refuses a key file that others can read).

Hashes look like `h:3f9a0c12d4e5b6a7`: the `h:` prefix says at a glance that this is not the raw value;
64 bits of digest make a collision among one lab's modules practically impossible.

A lab may keep the values in clear for its own use (IdentifierMode.CLEAR: `miot run --identifiers clear`,
MIOT_IDENTIFIERS); run.json says which mode a run used, and holds the hashes in either.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path

ID_KEY_ENV = "MIOT_ID_KEY"
KEY_FILE_NAME = ".id-key"
HASH_PREFIX = "h:"
DIGEST_HEX_CHARS = 16
MIN_ENV_KEY_CHARS = 16
_KEY_BYTES = 32


class IdentifierMode(StrEnum):
    """How a run writes IMEI, IMSI and ICCID: as keyed hashes only (the default), or also in clear."""

    HASHED = "hashed"
    CLEAR = "clear"


def hash_identifier(value: str, key: bytes) -> str:
    """`h:` and the first 16 hex digits of HMAC-SHA256(key, value); surrounding spaces are ignored."""
    if not key:
        raise ValueError("hash_identifier needs a non-empty key")
    digest = hmac.new(key, value.strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return HASH_PREFIX + digest[:DIGEST_HEX_CHARS]


def is_hashed(text: str) -> bool:
    body = text.removeprefix(HASH_PREFIX)
    return (
        text.startswith(HASH_PREFIX)
        and len(body) == DIGEST_HEX_CHARS
        and all(c in "0123456789abcdef" for c in body)
    )


def load_id_key(results_root: Path, environ: Mapping[str, str] | None = None) -> bytes:
    """The key for hash_identifier: from MIOT_ID_KEY, else from (or newly into) the results root's key
    file. `environ` defaults to os.environ."""
    value = (os.environ if environ is None else environ).get(ID_KEY_ENV, "")
    if value:
        if len(value) < MIN_ENV_KEY_CHARS:
            raise ValueError(f"{ID_KEY_ENV} must hold at least {MIN_ENV_KEY_CHARS} characters")
        return value.encode("utf-8")
    path = Path(results_root) / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
    return _read_key_file(path)


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(_KEY_BYTES) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        # link, not rename: when another worker created the key first, its key stays and we use it
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read_key_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(f"{path} is readable by others (mode {mode:o}); run: chmod 600 {path}")
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise ValueError(f"{path} must hold the key as hex digits") from None
    if len(key) < _KEY_BYTES // 2:
        raise ValueError(f"{path} holds a key of {len(key)} bytes; at least {_KEY_BYTES // 2} are needed")
    return key

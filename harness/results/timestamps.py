"""results layer: how times are written in result files: ISO 8601 in UTC with a `Z`, to the microsecond
(`2026-11-25T15:32:52.123456Z`), so text sorts in time order and no reader has to guess a zone."""

from __future__ import annotations

from datetime import UTC, datetime


def format_utc(moment: datetime, what: str) -> str:
    """`moment` as UTC text; ValueError naming `what` for a time without a zone (its zone is unknowable)."""
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be a timezone-aware time, got {moment!r}")
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_utc(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{what}: {text!r} has no time zone")
    return moment.astimezone(UTC)

"""Time for the emulator, kept as integer 100-nanosecond ticks since the Unix epoch.

.NET timestamps carry 7 fractional digits; keeping ticks (instead of Python's microsecond
``datetime``) lets the emulator produce a real seventh digit, so clients that mishandle it
are caught early.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

TICKS_PER_SECOND = 10_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ticks_from_datetime(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10


def datetime_from_ticks(ticks: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ticks // 10)


def seconds_to_ticks(seconds: float) -> int:
    return int(round(seconds * TICKS_PER_SECOND))


@lru_cache(maxsize=4096)
def _whole_seconds(whole: int) -> str:
    # strftime was half the time of serving a page of log lines, whose stamps mostly
    # share their second with the line before.
    return (_EPOCH + timedelta(seconds=whole)).strftime("%Y-%m-%dT%H:%M:%S")


def format_store(ticks: int, trim: bool = False) -> str:
    """A timestamp as read back from the server's SQLite store: UTC but without offset.

    ``trim`` writes it as System.Text.Json does (reference 2.2): trailing zeros of the fraction
    dropped, and the fraction left out when it is zero. Without it there are always 7 digits.
    """
    whole, fraction = divmod(ticks, TICKS_PER_SECOND)
    stamp = _whole_seconds(whole)
    if not trim:
        return f"{stamp}.{fraction:07d}"
    return f"{stamp}.{fraction:07d}".rstrip("0") if fraction else stamp


def format_utc(ticks: int, trim: bool = False) -> str:
    """A timestamp the server builds from ``DateTime.UtcNow`` (``generatedAtUtc``, ``startedAt``)."""
    return format_store(ticks, trim) + "Z"


_CLIENT_STAMP = re.compile(
    r"^(?P<main>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?)"
    r"(?:\.(?P<fraction>\d+))?(?P<offset>Z|[+-]\d{2}:?\d{2})?$"
)


def parse_client_timestamp(text: str) -> int | None:
    """Parse a date a client sends (``POST /logs`` filters); offset-less values are UTC."""
    match = _CLIENT_STAMP.match(text.strip())
    if match is None:
        return None
    offset = match["offset"] or "+00:00"
    if offset == "Z":
        offset = "+00:00"
    try:
        moment = datetime.fromisoformat(match["main"].replace(" ", "T") + offset)
    except ValueError:
        return None
    fraction = (match["fraction"] or "")[:7].ljust(7, "0")
    return ticks_from_datetime(moment) + int(fraction)


class Clock:
    """Emulator time: ``base_time`` plus real elapsed time, or fixed at ``base_time`` when frozen."""

    def __init__(self, base_time: datetime | None = None, frozen: bool = False) -> None:
        self.frozen = frozen
        self._base_ticks = (
            ticks_from_datetime(base_time) if base_time is not None else time.time_ns() // 100
        )
        self._started_ns = time.monotonic_ns()

    @property
    def base_ticks(self) -> int:
        return self._base_ticks

    def now(self) -> int:
        if self.frozen:
            return self._base_ticks
        return self._base_ticks + (time.monotonic_ns() - self._started_ns) // 100

    def today(self) -> datetime:
        return datetime_from_ticks(self.now()).replace(hour=0, minute=0, second=0, microsecond=0)

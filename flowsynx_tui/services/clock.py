"""The one clock of the dashboard: wall time for ages and durations, monotonic time for
polling, backoff and "data 12s old". Tests and pictures freeze it in one place."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    now: Callable[[], datetime] = field(default=_utc_now)
    monotonic: Callable[[], float] = field(default=time.monotonic)

    @classmethod
    def frozen_at(cls, moment: datetime) -> Clock:
        """Wall time stands still (ages and durations in pictures); polling still runs."""
        return cls(now=lambda: moment)

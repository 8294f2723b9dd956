"""The background request budget: how fast the dashboard may send what nobody is looking at.

On a big FlowSynx v1.3.0 server, matching executions to workflows (quirk Q1) takes one
probe per workflow tried; unpaced, the dashboard became the heaviest client of the
server it watches (issue 12: 440-550 requests/s for minutes after start). Everything
that is not on screen takes a token here first; what a screen polls for itself and the
actions a user asks for never do.

No Textual here: time comes from the dashboard's clock (monotonic), waiting is
``asyncio.sleep``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

DEFAULT_BACKGROUND_RATE = 20.0


class RequestBudget:
    """A token bucket: ``rate`` requests per second on average, at most ``burst`` at once.

    ``take()`` reserves the next token and sleeps until it is due, so concurrent
    callers are served in the order they asked and the pace holds however many of them
    there are: in any span of ``d`` seconds at most ``burst + rate * d`` tokens are
    granted. A caller cancelled while it waits has spent its token: the budget errs on
    the side of the server.
    """

    def __init__(
        self,
        rate: float = DEFAULT_BACKGROUND_RATE,
        *,
        burst: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be greater than 0")
        self.rate = float(rate)
        #: One second's worth by default: a small server is matched at once, a big one
        #: is paced from the second second on.
        self.burst = max(1.0, float(burst if burst is not None else rate))
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = self.burst
        self._updated = monotonic()
        #: Tokens handed out so far (what went to the server in the background).
        self.granted = 0

    def _refill(self) -> None:
        now = self._monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def available(self) -> float:
        """Tokens that could be taken now without waiting (negative: callers are queued)."""
        self._refill()
        return self._tokens

    async def take(self) -> None:
        """Wait until one more background request may go out."""
        self._refill()
        self._tokens -= 1.0
        self.granted += 1
        if self._tokens < 0:
            # Tokens below zero are reservations of callers already waiting: this one
            # is due once they and it have been refilled.
            await self._sleep(-self._tokens / self.rate)

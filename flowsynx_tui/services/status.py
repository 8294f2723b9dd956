"""What the header shows about the server and the session, kept current by the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from flowsynx_tui.api import Metrics


@dataclass
class ConnectionState:
    """The header's connection indicator."""

    state: str = "connecting"  # connecting | ok | retrying | error
    reason: str = ""
    retry_at: float | None = None
    last_ok: float | None = None
    auth_failed: bool = False

    def retry_in(self, now: float) -> int | None:
        if self.retry_at is None:
            return None
        return max(0, round(self.retry_at - now))


@dataclass
class ServerStatus:
    url: str = ""
    #: The config profile this session uses, if any (switch with the palette).
    profile: str | None = None
    user: str = ""
    version: str | None = None
    metrics: Metrics | None = None
    #: Why the metrics are not shown (an optional route that failed), or None.
    metrics_missing: str | None = None
    connection: ConnectionState = field(default_factory=ConnectionState)
    approvals_waiting: int = 0
    badges: tuple[str, ...] = ()

"""What the header shows about the server and the session, kept current by the services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowsynx_tui.api import Metrics


@dataclass
class ConnectionState:
    """The header's connection indicator."""

    #: connecting | ok | partial (the server answers, a part of what is read fails) |
    #: retrying | error
    state: str = "connecting"
    reason: str = ""
    #: The request that failed (``GET /workflows``).
    route: str = ""
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
    #: Of those, gates the server refused to decide (quirk Q2): they wait for ever.
    approvals_stuck: int = 0
    #: Some approvals cannot be read (a missing role): the count is a floor, or nothing.
    approvals_unknown: bool = False
    badges: tuple[str, ...] = ()
    #: (matched, listed) executions while their workflows are still being looked up in
    #: the background (FlowSynx v1.3.0, quirk Q1); None when every one is matched.
    matching: tuple[int, int] | None = None
    #: How news arrives: "live" (the server's hub pushes statuses) or "polling"; and why
    #: it is polling, when it is ("" while connecting).
    updates: str = "polling"
    updates_reason: str = ""
    #: The key that asks for credentials, as the header names it after a 401.
    sign_in_key: str = "L"

    @property
    def matching_text(self) -> str:
        """What the header says about that progress: "matched 2,345 of 10,005", or ""."""
        if self.matching is None:
            return ""
        matched, listed = self.matching
        if self.connection.state in ("retrying", "error"):
            # Nothing is matched while nothing is read (a token expired): not "matching".
            return f"matched {matched:,} of {listed:,}, stopped"
        return f"matched {matched:,} of {listed:,}"

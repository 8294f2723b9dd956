"""Live updates from the server's hub, with polling as the floor under them.

FlowSynx v1.3.0 pushes execution and task statuses over SignalR (``api.hub``). While the
hub is connected the dashboard applies each event at once (the lists, an open execution's
task tree, an open task) and asks for the read that brings the rest; the poll jobs slow
down (``Poller.set_live``) but never stop, because the hub is silent about log lines,
approvals, rejects and workflow edits, and replays nothing after a reconnect. So every
(re)connect is followed by a full read over REST.

When the hub cannot be reached the dashboard polls as before and says so ("polling" in the
header): a server without a hub (v1.2.x) or a proxy that refuses WebSockets is asked again
after a long pause, a dropped connection after a short one.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from flowsynx_tui.api import AuthenticationRequired, FlowSynxClient, FlowSynxError
from flowsynx_tui.api.values import ExecutionStatus
from flowsynx_tui.services.overview import Overview
from flowsynx_tui.services.poller import Host, Poller
from flowsynx_tui.services.status import ServerStatus

if TYPE_CHECKING:
    from flowsynx_tui.api.hub import HubConnection, HubEvent

log = logging.getLogger(__name__)

LIVE, POLLING = "live", "polling"
#: Pauses before asking again: a missing hub will not appear soon; a dropped one may be back.
RETRY_MISSING = (60.0, 600.0)
RETRY_DROPPED = (1.0, 60.0)
#: Events that land together are shown together: at most one redraw per this many seconds.
COALESCE = 0.05
#: The header's counters (``/metrics``) are read again after a status change, at most this often.
METRICS_EVERY = 5.0
#: News of a run under a workflow not read yet has the workflows read again, at most this
#: often for one workflow: a deleted workflow's run (Q11) keeps sending it.
UNREAD_WORKFLOW_EVERY = 30.0


class LiveUpdates:
    """One hub connection for one dashboard session; started by the app, stopped with it."""

    def __init__(
        self,
        client: FlowSynxClient,
        overview: Overview,
        poller: Poller,
        status: ServerStatus,
        *,
        enabled: bool,
        on_change: Callable[[set[str]], None],
        not_before: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.client = client
        self.overview = overview
        self.poller = poller
        self.status = status
        self.enabled = enabled
        self._on_change = on_change
        #: Awaited before the hub is first asked for (the first rows come first).
        self._not_before = not_before
        self._random = random.Random()
        self._pending: set[str] = set()
        self._flush: asyncio.TimerHandle | None = None
        self._stopped = False
        self._connection: HubConnection | None = None
        self._metrics_read = float("-inf")
        self._metrics_later: asyncio.TimerHandle | None = None
        self._workflows_asked: dict[str, float] = {}
        #: Events applied, and connections made, in this session (for tests and the log).
        self.events = 0
        self.connects = 0
        self.failed_events = 0
        status.updates = POLLING
        status.updates_reason = "" if enabled else "live updates off (--no-live)"

    def start(self, host: Host) -> None:
        if self.enabled:
            host.run_worker(self._run, group="live", exit_on_error=False)

    async def stop(self) -> None:
        self._stopped = True
        for handle in (self._flush, self._metrics_later):
            if handle is not None:
                handle.cancel()
        connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def _run(self) -> None:
        if self._not_before is not None:
            await self._not_before()
        # The hub's client is imported once it is needed, not with the dashboard.
        from flowsynx_tui.api.hub import HubConnection, HubUnavailable

        dropped = missing = 0
        while not self._stopped:
            try:
                connection = await HubConnection.open(self.client)
            except asyncio.CancelledError:
                raise
            except HubUnavailable as error:
                missing += 1
                self._polling(error.message)
                await self._pause(RETRY_MISSING, missing)
                continue
            except AuthenticationRequired as error:
                # The poller's own requests fail too and ask for new credentials; try again
                # at the slow pace until they work.
                missing += 1
                self._polling(error.message)
                await self._pause(RETRY_DROPPED, missing + 4)
                continue
            except Exception as error:  # noqa: BLE001 - FlowSynxError, or the socket library's own
                dropped += 1
                self._polling(error.message if isinstance(error, FlowSynxError) else f"the hub failed ({type(error).__name__})")
                await self._pause(RETRY_DROPPED, dropped)
                continue
            if self._stopped:
                await connection.close()
                return
            dropped = missing = 0
            self._connection = connection
            self.connects += 1
            log.info("live updates: connected to the hub")
            self.status.updates, self.status.updates_reason = LIVE, ""
            self.poller.set_live(True)
            # Nothing is replayed after a (re)connect: what changed meanwhile is read now.
            self.poller.refresh()
            try:
                async for event in connection.events():
                    try:
                        self.apply(event)
                    except Exception:  # one bad event must not end live updates
                        log.exception("live updates: an event could not be applied")
                        self.failed_events += 1
            except FlowSynxError as error:
                self._polling(error.message)
            except Exception as error:  # noqa: BLE001 - the socket library's own surprises
                self._polling(f"the hub connection failed ({type(error).__name__})")
            finally:
                self._connection = None
                self.poller.set_live(False)
                await connection.close()
            dropped += 1
            await self._pause(RETRY_DROPPED, dropped)

    def _polling(self, reason: str) -> None:
        log.info("live updates off, polling: %s", reason)
        self.status.updates, self.status.updates_reason = POLLING, reason
        self.poller.set_live(False)

    async def _pause(self, bounds: tuple[float, float], attempt: int) -> None:
        low, high = bounds
        delay = min(high, low * 2 ** max(0, attempt - 1))
        await asyncio.sleep(self._random.uniform(delay * 0.8, delay * 1.2))

    # ------------------------------------------------------------ applying events
    def apply(self, event: HubEvent) -> None:
        """One event, on the UI's loop: the lists and every job that follows its execution."""
        self.events += 1
        self.spread(event)

    def spread(self, event: HubEvent) -> None:
        """News of an execution, from the hub or from this client's own read after an
        action (the same news, also when the hub is not connected), to whatever shows it."""
        poller = self.poller
        if self.overview.names_unread_workflow(event):
            # The hub says nothing of workflows: a run under one not read is the news of it.
            now = poller.clock.monotonic()
            if now - self._workflows_asked.get(event.workflow_id, float("-inf")) >= UNREAD_WORKFLOW_EVERY:
                self._workflows_asked[event.workflow_id] = now
                poller.refresh("overview")
        changed = self.overview.apply_event(event)
        if changed:
            self._pending |= changed
            self._schedule_flush()
        for job in list(poller.jobs.values()):
            if job.follows != event.execution_id:
                continue
            apply: Any = job.apply
            if apply is None:
                # Nothing to show from the event itself: only a job that is slowed down now
                # (a quiet run's log) needs waking; one at full pace reads soon anyway.
                slowdown = job.live_slowdown() if callable(job.live_slowdown) else job.live_slowdown
                if slowdown > 1:
                    poller.refresh(job.key)
                continue
            payload = apply(event)
            if payload is not None:
                poller.publish(job.key, payload)
            poller.refresh(job.key)
        from flowsynx_tui.api.hub import ExecutionEvent

        summary = self.overview.index.by_id.get(event.execution_id)
        if isinstance(event, ExecutionEvent):
            if event.status is ExecutionStatus.PAUSED:
                # The hub never says which approval waits: the overview reads it for the inbox.
                poller.refresh("overview")
            self._read_metrics_soon()
        elif summary is not None and summary.status is ExecutionStatus.PAUSED:
            # A task of a paused run moves: its approval was decided (it stays Paused, Q5).
            poller.refresh("overview")

    def _read_metrics_soon(self) -> None:
        """The header's counters read now, or when ``METRICS_EVERY`` has passed since the
        last read: news that came sooner was otherwise never counted (the last run of a
        burst ending left "running 1" up to the slow poll, minutes live)."""
        if self._metrics_later is not None:
            return  # a read is due: it sees this change too
        wait = self._metrics_read + METRICS_EVERY - self.poller.clock.monotonic()
        if wait <= 0:
            self._read_metrics()
        else:
            self._metrics_later = asyncio.get_running_loop().call_later(wait, self._read_metrics)

    def _read_metrics(self) -> None:
        self._metrics_later = None
        self._metrics_read = self.poller.clock.monotonic()
        self.poller.refresh("server")

    def _schedule_flush(self) -> None:
        if self._flush is None:
            self._flush = asyncio.get_running_loop().call_later(COALESCE, self._flush_now)

    def _flush_now(self) -> None:
        self._flush = None
        changed, self._pending = self._pending, set()
        if changed:
            self._on_change(changed)

"""What the dashboard knows and does, without widgets: one ``Services`` object, built by
the app and handed to every screen.

- ``overview``: workflows, the executions index and the approvals tracker (list screens);
- ``watches``: per-screen sources (one execution, one log stream) with their poll jobs;
- ``poller``: when requests run, one in flight per job, typed messages to subscribers;
- ``actions``: start, cancel, approve, reject, sent once, reported by message;
- ``status``: what the header shows; ``clock``: the one clock of the dashboard;
- ``live``: the server's hub, pushing statuses while it is connected;
- ``budget``: the pace of background requests (matching executions to workflows),
  ``workflow_cache``: what that matching learnt, kept across runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import httpx

from flowsynx_tui.api import ApiError, AuthenticationRequired, ExecutionStatus, FlowSynxClient, NotFound
from flowsynx_tui.config import Settings
from flowsynx_tui.messages import OverviewChanged, ServerInfoChanged
from flowsynx_tui.services.actions import ActionRunner
from flowsynx_tui.services.budget import RequestBudget
from flowsynx_tui.services.clock import Clock
from flowsynx_tui.services.live import LiveUpdates
from flowsynx_tui.services.matching import BackgroundMatcher
from flowsynx_tui.services.overview import Overview, OverviewUpdate
from flowsynx_tui.services.poller import LIVE_SLOWDOWN, Host, NothingAnswered, PollJob, Poller
from flowsynx_tui.services.status import ConnectionState, ServerStatus
from flowsynx_tui.services.workflow_cache import WorkflowCache, cache_file, default_cache_dir

if TYPE_CHECKING:
    from flowsynx_tui.api import ExecutionDetails
    from flowsynx_tui.services.watches import DefinitionSource, ExecutionWatch, LogSource, TaskWatch

#: Imported when first asked for: only the screens past the first one use them.
_WATCHES = (
    "DefinitionSource",
    "DefinitionText",
    "ExecutionSnapshot",
    "ExecutionWatch",
    "LogSource",
    "TaskSnapshot",
    "TaskWatch",
)


def __getattr__(name: str) -> Any:
    if name in _WATCHES:
        from flowsynx_tui.services import watches

        return getattr(watches, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Clock",
    "ConnectionState",
    "DefinitionSource",
    "DefinitionText",
    "ExecutionSnapshot",
    "ExecutionWatch",
    "LogSource",
    "Overview",
    "OverviewUpdate",
    "PollJob",
    "Poller",
    "RequestBudget",
    "ServerStatus",
    "Services",
    "TaskSnapshot",
    "TaskWatch",
    "WorkflowCache",
]

SERVER_INFO_INTERVAL = 5.0
FIRST_ROWS_WAIT = 1.0
EARLY_UPDATE_EVERY = 0.25


@dataclass
class Services:
    settings: Settings
    client: FlowSynxClient
    clock: Clock
    status: ServerStatus
    poller: Poller
    overview: Overview
    actions: ActionRunner
    log_retain_limit: int
    #: The shared jobs: list screens and the app subscribe to ``overview_job``, every
    #: screen with a header to ``server_job``.
    overview_job: PollJob[OverviewUpdate]
    server_job: PollJob[None]
    #: Background requests (not for what is on screen) take a token here first.
    budget: RequestBudget
    matcher: BackgroundMatcher
    workflow_cache: WorkflowCache
    live: LiveUpdates
    #: Set once the start screen has drawn its first rows (``first_rows_shown``) or the first
    #: overview cycle ended: what is not needed for them (the header's server version and
    #: counters, the hub) is asked for only then (or after ``FIRST_ROWS_WAIT``), so the
    #: start does not wait for it.
    first_rows: asyncio.Event
    #: (execution id, workflow id) from a read that proves the workflow (an open execution's
    #: details): matched without probing.
    workflow_found: Callable[[str, str], None]

    @classmethod
    def connect(
        cls,
        settings: Settings,
        host: Host,
        *,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        log_retain_limit: int = 200_000,
        demo: bool = False,
    ) -> Services:
        clock = clock or Clock()
        client = FlowSynxClient(
            settings.url,
            credentials=settings.credentials,
            verify=settings.verify,
            system_ca=settings.system_ca,
            transport=transport,
        )
        # The demo's emulator is the friendly one: say so, it is kinder than a real server.
        flags = (
            ("demo · friendly emulator", demo),
            ("read-only", settings.read_only),
            ("TLS NOT VERIFIED", settings.insecure),
        )
        badges = [badge for badge, on in flags if on]
        status = ServerStatus(
            url=settings.url, profile=settings.profile, user=settings.user_label, badges=tuple(badges)
        )
        poller = Poller(host, settings.refresh, clock, status)
        overview = Overview(client)
        actions = ActionRunner(client, overview, host, read_only=settings.read_only)  # type: ignore[arg-type]
        budget = RequestBudget(settings.background_rate, monotonic=clock.monotonic)
        # The demo's emulator lives as long as the app, on a new port each time: nothing to keep.
        cache_dir = settings.cache_dir or default_cache_dir()
        cache_path = None if demo else cache_file(cache_dir, settings.url, settings.user_label)
        workflow_cache = WorkflowCache(cache_path, settings.url, monotonic=clock.monotonic)

        last_early = -EARLY_UPDATE_EVERY
        first_rows = asyncio.Event()

        async def after_first_rows() -> None:
            # At most FIRST_ROWS_WAIT: another screen on top (--execution) draws no rows.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_rows.wait(), FIRST_ROWS_WAIT)

        not_published: set[str] = set()

        def with_held(update: OverviewUpdate) -> OverviewUpdate:
            """``update`` with what earlier updates held back (see ``early``)."""
            if not not_published:
                return update
            update = replace(update, changed=update.changed | not_published)
            not_published.clear()
            return update

        def publish(update: OverviewUpdate) -> None:
            # The header's "matched N of M" from the same moment as the titles' counts: set
            # at the end of a cycle only, it said "matched 20 of 27" beside "matching 5".
            status.matching = overview.matching_progress()
            poller.publish("overview", update)

        def early(update: OverviewUpdate) -> None:
            # A first read of a long history lands page by page: redraw a few times a
            # second at most, not once per page, with what the pages in between changed.
            nonlocal last_early
            now = clock.monotonic()
            if now - last_early >= EARLY_UPDATE_EVERY:
                last_early = now
                publish(with_held(update))
            else:
                not_published.update(update.changed)

        def matched(execution_ids: set[str]) -> None:
            workflow_cache.save_soon(overview.index.workflow_of)
            update = OverviewUpdate(frozenset(execution_ids), complete=False)
            if overview.matching_progress() is None:
                publish(with_held(update))  # the last of them: never held back
            else:
                early(update)
            summaries = (overview.index.by_id.get(i) for i in execution_ids)
            if any(summary is not None and summary.status is ExecutionStatus.PAUSED for summary in summaries):
                poller.refresh("overview")  # their approvals, for the inbox, now

        matcher = overview.match_in_background(budget, matched, monotonic=clock.monotonic)

        def pushed(execution_ids: set[str]) -> None:
            # Hub events and an open execution's own reads match executions to workflows
            # for free (the workflow id they carry).
            workflow_cache.save_soon(overview.index.workflow_of)
            publish(OverviewUpdate(frozenset(execution_ids), complete=False))

        def workflow_found(execution_id: str, workflow_id: str) -> None:
            if overview.index.learn(execution_id, workflow_id):
                pushed({execution_id})

        live = LiveUpdates(
            client, overview, poller, status, enabled=settings.live, on_change=pushed, not_before=after_first_rows
        )

        def action_read(details: ExecutionDetails) -> None:
            # Told as the hub tells a status: the toast saying "now Completed" and the screens
            # showing it come together, not a slow read apart.
            from flowsynx_tui.api.hub import ExecutionEvent  # imported with the hub's client

            live.spread(
                ExecutionEvent(
                    workflow_id=details.workflow_id,
                    execution_id=details.execution_id,
                    status=details.status,
                    execution_start=details.execution_start,
                    execution_end=details.execution_end,
                    created=False,
                )
            )

        actions.on_read = action_read
        cache_loaded = False

        async def overview_cycle() -> OverviewUpdate:
            nonlocal cache_loaded
            if not cache_loaded:
                cache_loaded = True
                # Read beside the first request, not before it: the file matters only once
                # executions are listed.
                overview.load_known_workflows(asyncio.ensure_future(asyncio.to_thread(workflow_cache.load)))
            try:
                update = await overview.refresh(progress=early)
            finally:
                first_rows.set()  # shown by now, or there are none to show
            update = with_held(update)
            waiting = overview.approvals.all()
            status.approvals_waiting = len(waiting)
            # Gates the server refused to decide (Q2) wait for ever: counted apart, an operator
            # read "2 approvals waiting" and looked for one that could be decided.
            status.approvals_stuck = sum(1 for approval in waiting if actions.stuck(approval.id))
            # Without the approvals role there is nothing to decide: no mark for that.
            status.approvals_unknown = overview.approvals_hidden is not None and not overview.approvals.hidden
            status.matching = overview.matching_progress()
            workflow_cache.save_soon(overview.index.workflow_of)
            if workflow_cache.problem:
                update = replace(update, problems=update.problems + (workflow_cache.problem,))
            return update

        async def server_info() -> NothingAnswered | None:
            # The first rows come first: the header's version and counters (and the hub)
            # wait for them (``first_rows``).
            await after_first_rows()
            # Optional routes: v1.3.0 answers /metrics 404 without an identity (Q14), a proxy
            # may not forward them. An answer that refuses them is "unavailable", not the
            # connection's state; no answer at all still is.
            # A 401 is not one of those: the credentials stopped working (a token expired),
            # and the sign-in must be asked for now, not at the next list read a minute later.
            answered = False
            if status.version is None:
                try:
                    status.version = (await client.version()).version
                    answered = True
                except AuthenticationRequired:
                    raise
                except ApiError as error:
                    answered = not error.is_transient
                    status.version = None
            try:
                status.metrics = await client.metrics()
                answered = True
            except AuthenticationRequired:
                raise
            except ApiError as error:
                answered = answered or not error.is_transient
                if status.metrics is not None and isinstance(error, NotFound) and client.credentials is not None:
                    # It answered before, 404 now: v1.3.0 answers so when the request has no
                    # identity (Q14), as once a token expired. The lists' 401 says so for sure;
                    # read them now, not at their next read (a minute while live).
                    poller.refresh("overview")
                status.metrics = None
                status.metrics_missing = error.message
            else:
                status.metrics_missing = None
            return None if answered else NothingAnswered()

        return cls(
            settings=settings,
            client=client,
            clock=clock,
            status=status,
            poller=poller,
            overview=overview,
            actions=actions,
            log_retain_limit=log_retain_limit,
            # Live, the hub brings new runs and statuses; the slow pace catches what it
            # never sends (approvals, rejects, workflow edits).
            overview_job=PollJob(
                key="overview", fetch=overview_cycle, message=OverviewChanged, live_slowdown=LIVE_SLOWDOWN
            ),
            server_job=PollJob(
                key="server",
                fetch=server_info,
                message=lambda _: ServerInfoChanged(),
                interval=max(SERVER_INFO_INTERVAL, settings.refresh),
                # Live, read again when an execution changes status (``LiveUpdates``).
                live_slowdown=6.0,
            ),
            budget=budget,
            matcher=matcher,
            workflow_cache=workflow_cache,
            live=live,
            first_rows=first_rows,
            workflow_found=workflow_found,
        )

    def first_rows_shown(self) -> None:
        self.first_rows.set()

    def watch_execution(self, workflow_id: str, execution_id: str) -> ExecutionWatch:
        from flowsynx_tui.services.watches import ExecutionWatch

        return ExecutionWatch(self.client, workflow_id, execution_id, on_found=self.workflow_found)

    def watch_task(
        self, workflow_id: str, execution_id: str, task_name: str, task_id: str | None = None
    ) -> TaskWatch:
        from flowsynx_tui.services.watches import TaskWatch

        return TaskWatch(self.client, workflow_id, execution_id, task_name, task_id)

    def definition(self, workflow_id: str, execution_id: str | None = None) -> DefinitionSource:
        from flowsynx_tui.services.watches import DefinitionSource

        return DefinitionSource(self.client, workflow_id, execution_id)

    def log_source(
        self,
        workflow_id: str,
        execution_id: str,
        task_id: str | None,
        label: str,
        *,
        execution_final: Callable[[], bool],
        execution_quiet: Callable[[], bool] = lambda: False,
    ) -> LogSource:
        from flowsynx_tui.services.watches import LogSource

        return LogSource(
            self.client,
            workflow_id,
            execution_id,
            task_id,
            label,
            execution_final=execution_final,
            execution_quiet=execution_quiet,
        )

    async def aclose(self) -> None:
        """At exit or a server switch: matching stops, what it learnt is saved."""
        await self.live.stop()
        await self.matcher.aclose()
        await self.workflow_cache.aclose(self.overview.index.workflow_of)
        await self.client.aclose()

"""Matching executions to their workflows in the background, under the request budget.

FlowSynx v1.3.0 lists every execution of the caller whatever workflow id is in the
path (quirk Q1), so an execution's workflow is found by asking for its details under
candidate workflows until one answers. On a server with 10k executions over 50
workflows that is tens of thousands of requests: they go out here, paced by the
``RequestBudget``, beside the polling cycle rather than inside it, so the screen's own
polling is never held up by them.

Order: paused executions first (the approvals inbox needs their workflow), then those
a screen asked for (``Overview.wanted_first``), then the rest newest first.

No Textual here: the matcher is an asyncio task started from the first polling cycle
and ended by ``aclose``; what it found goes to ``on_matched``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from itertools import chain
from typing import TYPE_CHECKING

from flowsynx_tui.api import FlowSynxError
from flowsynx_tui.services.budget import RequestBudget

if TYPE_CHECKING:
    from flowsynx_tui.services.overview import Overview

#: Executions looked up per round; the order is re-read between rounds, so a paused
#: or wanted execution that appears jumps the queue after at most one round.
ROUND = 8
#: Seconds before an execution whose lookup failed is tried again, doubling each time.
RETRY_FIRST = 10.0
RETRY_MAX = 600.0


class BackgroundMatcher:
    """Finds the workflow of every unmatched execution of ``overview``, ``budget`` permitting."""

    def __init__(
        self,
        overview: Overview,
        budget: RequestBudget,
        on_matched: Callable[[set[str]], None] = lambda _ids: None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.overview = overview
        self.budget = budget
        self.on_matched = on_matched
        #: Executions looked up at least once, found or not (a failed request included).
        self.tried: set[str] = set()
        #: The last round's failed requests (the ids stay unmatched until the next cycle).
        self.failures: tuple[FlowSynxError, ...] = ()
        #: Matched since the last polling cycle took them (``take_matched``).
        self._matched_since: set[str] = set()
        self._monotonic = monotonic
        #: Failed lookups per execution, and when each may be tried again.
        self._failed: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """There may be new work (a polling cycle listed executions): look, starting if needed."""
        self._wake.set()
        task = self._task
        if task is None or task.done():
            if task is not None and not task.cancelled() and task.exception() is not None:
                # A bug in a round must not stop matching for good: say it, start again.
                error = task.exception()
                self.failures = (FlowSynxError(f"internal error: {type(error).__name__}: {error}", route="matching"),)
            self._task = asyncio.ensure_future(self._run())

    def take_matched(self) -> set[str]:
        """Executions matched since the last call: the polling cycle reports them as changed."""
        taken, self._matched_since = self._matched_since, set()
        return taken

    def next_round(self, size: int = ROUND) -> list[str]:
        """The executions to look up next, in priority order."""
        overview = self.overview
        index = overview.index
        if not overview.can_match():
            return []
        workflow_of, orphans = index.workflow_of, index.orphans
        now = self._monotonic()
        later = {i for i, due in self._retry_at.items() if due > now}

        def first_unmatched(order: Iterable[str]) -> list[str]:
            chosen: list[str] = []
            for execution_id in order:
                if execution_id in workflow_of or execution_id in orphans or execution_id in chosen:
                    continue
                if execution_id in later or execution_id not in index.by_id:
                    continue  # (or a screen's wish for an execution the list no longer has)
                chosen.append(execution_id)
                if len(chosen) == size:
                    break
            return chosen

        # A round of paused executions only: the inbox waits for the whole round.
        return first_unmatched(index.paused()) or first_unmatched(chain(overview.wanted_first, index.newest_ids()))

    async def _run(self) -> None:
        overview = self.overview
        while True:
            await self._wake.wait()
            self._wake.clear()
            while True:
                batch = self.next_round()
                if not batch:
                    break
                failures: list[FlowSynxError] = []
                resolved = await overview.index.resolve_workflows(
                    overview.client, batch, overview.workflows_most_used_first(), len(batch), failures,
                    budget=self.budget,
                )
                self.tried.update(batch)
                self.failures = tuple(failures)
                self._note_failed(batch)
                if resolved:
                    self._matched_since |= resolved
                    self.on_matched(resolved)
                if failures or not resolved:
                    # The server is failing: try again after the next polling cycle, not
                    # at once (the budget would keep the pace, but every round would fail).
                    break

    def _note_failed(self, batch: list[str]) -> None:
        """Executions whose lookup failed wait a while (longer each time) before the next
        try, so one that always fails cannot hold up the others."""
        index = self.overview.index
        now = self._monotonic()
        for execution_id in batch:
            if execution_id in index.workflow_of or execution_id in index.orphans:
                self._failed.pop(execution_id, None)
                self._retry_at.pop(execution_id, None)
                continue
            count = self._failed[execution_id] = self._failed.get(execution_id, 0) + 1
            self._retry_at[execution_id] = now + min(RETRY_MAX, RETRY_FIRST * 2 ** (count - 1))

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

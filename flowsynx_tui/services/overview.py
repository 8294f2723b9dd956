"""What the list screens know about the server, and the cheapest requests that keep it current.

No Textual here: these classes take a :class:`FlowSynxClient`, make requests and
update plain data. The poller decides when they run.

Cost model (issue 6): a polling cycle must not grow with the number of finished
executions. The execution list is read once in full; after that a cycle reads only
the page where new executions appear plus the pages that hold unfinished ones.
An execution's workflow never changes, so it is looked up once and remembered.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flowsynx_tui.api import (
    Approval,
    ExecutionStatus,
    ExecutionSummary,
    FlowSynxClient,
    FlowSynxError,
    NotFound,
    PermissionDenied,
    WorkflowSummary,
)

EXECUTION_PAGE_SIZE = 100
#: Any well-formed id lists the caller's executions (quirk Q1), without knowing a workflow.
ANY_WORKFLOW_ID = "00000000-0000-0000-0000-000000000000"
RESOLVE_CONCURRENCY = 4


@dataclass(frozen=True)
class OverviewUpdate:
    """What one polling cycle (or one of its first steps) found."""

    changed: frozenset[str] = frozenset()
    fresh_approvals: tuple[Approval, ...] = ()
    problems: tuple[str, ...] = ()
    #: Requests of this cycle that failed; what they would have refreshed is as before.
    failures: tuple[FlowSynxError, ...] = ()
    #: False for the early results of a cycle that is still running.
    complete: bool = True


@dataclass
class WorkflowStats:
    counts: Counter[str] = field(default_factory=Counter)
    last: ExecutionSummary | None = None


class ExecutionIndex:
    """Every execution the caller can see, oldest first.

    FlowSynx v1.3.0 lists all executions of the caller whatever workflow id is in the
    path (quirk Q1), so the workflow of each execution comes from its details.
    """

    def __init__(self, page_size: int = EXECUTION_PAGE_SIZE) -> None:
        self.page_size = page_size
        self.by_id: dict[str, ExecutionSummary] = {}
        self.order: list[str] = []
        self.position: dict[str, int] = {}
        self.workflow_of: dict[str, str] = {}
        self.loaded = False
        self.problems: tuple[str, ...] = ()
        self.requests = 0

    def __len__(self) -> int:
        return len(self.order)

    def newest_first(self, workflow_id: str | None = None) -> list[ExecutionSummary]:
        ids = reversed(self.order)
        if workflow_id is None:
            return [self.by_id[i] for i in ids]
        return [self.by_id[i] for i in ids if self.workflow_of.get(i) == workflow_id]

    def unfinished(self) -> list[str]:
        return [i for i in self.order if not self.by_id[i].status.is_finished]

    def paused(self) -> list[str]:
        return [i for i in self.order if self.by_id[i].status is ExecutionStatus.PAUSED]

    async def refresh(self, client: FlowSynxClient, via_workflow_id: str) -> set[str]:
        """Re-read what may have changed; returns ids that are new or changed."""
        problems: list[str] = []
        if not self.loaded:
            changed = await self._read_from(client, via_workflow_id, 1, problems)
        else:
            pages = sorted({self.position[i] // self.page_size + 1 for i in self.unfinished()})
            tail_page = len(self.order) // self.page_size + 1
            changed = set()
            for page in pages:
                if page >= tail_page:
                    break
                changed |= await self._read_from(client, via_workflow_id, page, problems, follow=False)
            changed |= await self._read_from(client, via_workflow_id, tail_page, problems)
        self.loaded = True
        self.problems = tuple(problems)
        return changed

    async def _read_from(
        self, client: FlowSynxClient, via: str, page: int, problems: list[str], *, follow: bool = True
    ) -> set[str]:
        """Read ``page`` and, when ``follow``, the pages after it."""
        changed: set[str] = set()
        while True:
            result = await client.list_executions(via, page, self.page_size)
            self.requests += 1
            problems.extend(result.problems)
            changed |= self._merge(result.items, (result.pagination.current_page - 1) * self.page_size)
            # A page number other than the one asked for means the list shrank or the
            # server is confused; following its "next page" could go on for ever.
            if not follow or not result.pagination.has_next_page or result.pagination.current_page != page:
                break
            page += 1
        return changed

    def _merge(self, items: Iterable[ExecutionSummary], first_position: int) -> set[str]:
        changed: set[str] = set()
        for offset, item in enumerate(items):
            old = self.by_id.get(item.id)
            if old is None:
                self.position[item.id] = first_position + offset
                self.order.append(item.id)
                changed.add(item.id)
            elif old != item:
                changed.add(item.id)
            self.by_id[item.id] = item
        return changed

    def record(self, workflow_id: str, summary: ExecutionSummary) -> None:
        """Remember an execution this client just started, before the next list read."""
        if summary.id not in self.by_id:
            self.position[summary.id] = len(self.order)
            self.order.append(summary.id)
        self.by_id[summary.id] = summary
        self.workflow_of[summary.id] = workflow_id

    async def resolve_workflows(
        self,
        client: FlowSynxClient,
        execution_ids: Iterable[str],
        workflow_ids: Iterable[str],
        limit: int,
        failures: list[FlowSynxError],
    ) -> set[str]:
        """Find the workflow of up to ``limit`` executions (newest first), once each.

        Requests that fail (other than "not this workflow") go to ``failures``."""
        # Once each: the caller's priority list may name an execution twice (paused and newest).
        pending = list(dict.fromkeys(i for i in execution_ids if i not in self.workflow_of))[:limit]
        if not pending:
            return set()
        candidates = list(workflow_ids)
        semaphore = asyncio.Semaphore(RESOLVE_CONCURRENCY)
        resolved: set[str] = set()

        async def one(execution_id: str) -> None:
            async with semaphore:
                try:
                    found = await self._find_workflow(
                        client, execution_id, self._neighbours_first(execution_id, candidates)
                    )
                except FlowSynxError as error:
                    # This execution stays unmatched until the next cycle; the others go on.
                    failures.append(error)
                    return
            if found:
                self.workflow_of[execution_id] = found
                resolved.add(execution_id)

        await asyncio.gather(*(one(i) for i in pending))
        return resolved

    def _neighbours_first(self, execution_id: str, candidates: list[str]) -> list[str]:
        """Runs started next to each other often belong to one workflow: try theirs first."""
        position = self.position.get(execution_id)
        if position is None:
            return candidates
        near = [
            self.workflow_of.get(self.order[p])
            for p in (position - 1, position + 1, position - 2, position + 2)
            if 0 <= p < len(self.order)
        ]
        first = [w for w in dict.fromkeys(near) if w is not None and w in candidates]
        return first + [w for w in candidates if w not in first]

    async def _find_workflow(self, client: FlowSynxClient, execution_id: str, candidates: list[str]) -> str | None:
        # The details route needs the right workflow id in the path and 404s otherwise,
        # but it reports the workflow id, so one right guess per execution is enough:
        # try the workflows of neighbouring executions first, they are usually the same.
        for workflow_id in candidates:
            self.requests += 1
            try:
                details = await client.get_execution(workflow_id, execution_id)
            except NotFound:
                continue
            return details.workflow_id
        return None


class ApprovalTracker:
    """Pending approvals across all workflows.

    The server has no global list (reference 3.4): ask ``GET …/approvals`` only for
    paused executions, and forget executions once they are no longer paused.
    """

    def __init__(self) -> None:
        self.pending: dict[str, tuple[Approval, ...]] = {}
        self.seen: set[str] = set()
        self.requests = 0
        self.problems: tuple[str, ...] = ()
        #: Why approvals cannot be shown (a missing role), or None.
        self.hidden: str | None = None

    def all(self) -> list[Approval]:
        items = [a for approvals in self.pending.values() for a in approvals]
        items.sort(key=lambda a: (a.requested_at is not None, a.requested_at), reverse=True)
        return items

    async def refresh(
        self, client: FlowSynxClient, index: ExecutionIndex, failures: list[FlowSynxError]
    ) -> list[Approval]:
        """Re-check paused executions; returns approvals not seen before.

        One execution whose approvals cannot be read keeps what was known of it; the
        others are still read (failures go to ``failures``).
        """
        paused = [i for i in index.paused() if i in index.workflow_of]
        for gone in set(self.pending) - set(paused):
            del self.pending[gone]
        fresh: list[Approval] = []
        problems: list[str] = []
        for execution_id in paused:
            try:
                page = await client.list_approvals(index.workflow_of[execution_id], execution_id)
            except NotFound:
                continue
            except PermissionDenied as error:
                # Without the approvals role the rest of the dashboard still works.
                self.hidden = f"approvals hidden: {error.message}"
                self.problems = (self.hidden,)
                self.pending.clear()
                return []
            except FlowSynxError as error:
                failures.append(error)
                continue
            self.requests += 1
            problems.extend(page.problems)
            self.pending[execution_id] = page.items
            for approval in page.items:
                if approval.id not in self.seen:
                    self.seen.add(approval.id)
                    fresh.append(approval)
        self.problems = tuple(problems)
        if paused:
            self.hidden = None
        return fresh


class Overview:
    """Workflows, their executions and pending approvals: the data behind every list screen."""

    def __init__(self, client: FlowSynxClient, resolve_per_cycle: int = 200) -> None:
        self.client = client
        self.workflows: dict[str, WorkflowSummary] = {}
        self.index = ExecutionIndex()
        self.approvals = ApprovalTracker()
        self.resolve_per_cycle = resolve_per_cycle
        self.problems: tuple[str, ...] = ()
        #: Why the workflow list cannot be shown (a missing role), or None.
        self.workflows_hidden: str | None = None

    @property
    def approvals_hidden(self) -> str | None:
        """Why the approvals inbox cannot be trusted to be complete, or None."""
        if self.approvals.hidden:
            return self.approvals.hidden
        if self.workflows_hidden and self.index.paused():
            # Approvals are read per execution under its workflow, which is unknown here.
            return f"approvals unknown: {self.workflows_hidden}"
        return None

    def workflow_name(self, workflow_id: str | None) -> str:
        if workflow_id is None:
            return "…"
        workflow = self.workflows.get(workflow_id)
        return workflow.name if workflow else workflow_id[:8]

    def stats(self) -> dict[str, WorkflowStats]:
        stats: dict[str, WorkflowStats] = {wid: WorkflowStats() for wid in self.workflows}
        for execution_id in self.index.order:
            workflow_id = self.index.workflow_of.get(execution_id)
            if workflow_id not in stats:
                continue
            summary = self.index.by_id[execution_id]
            entry = stats[workflow_id]
            entry.counts[str(summary.status.value)] += 1
            entry.last = summary
        return stats

    async def refresh(self, progress: Callable[[OverviewUpdate], None] | None = None) -> OverviewUpdate:
        """One polling cycle.

        ``progress`` gets the cheap steps (workflows, then executions) as they land, so the
        screens can show them before the slower matching of executions to workflows.

        Each step keeps what it knew when its request fails and the cycle goes on: a
        dropped approvals request does not hide a new execution, nor the other way round.
        Only a cycle in which every request failed fails as a whole (and backs off).
        """
        failures: list[FlowSynxError] = []
        answered = False
        workflow_problems: list[str] = []
        try:
            workflows = await self.client.all_workflows(problems=workflow_problems)
        except PermissionDenied as error:
            # A user with the executions role but not the workflows role (e.g. a viewer)
            # still sees the executions; say what is missing instead of failing everything.
            answered = True
            self.workflows = {}
            self.workflows_hidden = f"workflows hidden: {error.message}"
        except FlowSynxError as error:
            if not self.workflows and not self.index.loaded:
                raise  # nothing to show and nothing to go on
            failures.append(error)
        else:
            answered = True
            self.workflows = {w.id: w for w in workflows}
            self.workflows_hidden = None
        if not self.workflows and self.workflows_hidden is None:
            self.problems = tuple(workflow_problems)
            return OverviewUpdate(problems=self.problems, failures=tuple(failures))
        if progress is not None:
            progress(OverviewUpdate(complete=False))
        changed: set[str] = set()
        try:
            via = next(iter(self.workflows), ANY_WORKFLOW_ID)
            changed = await self.index.refresh(self.client, via)
        except FlowSynxError as error:
            if not answered:
                raise  # the workflows failed too: nothing of this cycle got through
            failures.append(error)
        if progress is not None and changed:
            progress(OverviewUpdate(changed=frozenset(changed), complete=False))
        newest = list(reversed(self.index.order))
        # Paused executions first: the approvals inbox needs their workflow.
        priority = self.index.paused() + newest
        changed |= await self.index.resolve_workflows(
            self.client, priority, self._guess_order(), self.resolve_per_cycle, failures
        )
        fresh = await self.approvals.refresh(self.client, self.index, failures)
        hidden = (self.workflows_hidden,) if self.workflows_hidden else ()
        self.problems = hidden + tuple(workflow_problems) + self.index.problems + self.approvals.problems
        return OverviewUpdate(
            changed=frozenset(changed),
            fresh_approvals=tuple(fresh),
            problems=self.problems,
            failures=tuple(failures),
        )

    def _guess_order(self) -> list[str]:
        counts = Counter(self.index.workflow_of.values())
        known = [wid for wid, _ in counts.most_common() if wid in self.workflows]
        return known + [wid for wid in self.workflows if wid not in counts]

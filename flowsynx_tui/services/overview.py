"""What the list screens know about the server, and the cheapest requests that keep it current.

No Textual here: these classes take a :class:`FlowSynxClient`, make requests and
update plain data. The poller decides when they run.

Cost model (issue 6): a polling cycle must not grow with the number of finished
executions. The execution list is read once in full; after that a cycle reads only
the page where new executions appear plus the pages that hold unfinished ones.
An execution's workflow never changes, so it is looked up once and remembered (across
runs too: ``workflow_cache``). With a ``BackgroundMatcher`` attached (the app) the
lookups run beside the polling cycle under the background request budget; without one
(benchmarks, scripts) each cycle looks up ``resolve_per_cycle`` executions itself.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from flowsynx_tui.api import (
    ExecutionStatus,
    FlowSynxClient,
    FlowSynxError,
    NotFound,
    PermissionDenied,
)
from flowsynx_tui.text import PrefixLabels, one_line, short_id

if TYPE_CHECKING:
    from datetime import datetime

    from flowsynx_tui.api import Approval, ExecutionSummary, Page, WorkflowSummary
    from flowsynx_tui.api.hub import HubEvent
    from flowsynx_tui.api.values import QuickWorkflow
    from flowsynx_tui.services.budget import RequestBudget
    from flowsynx_tui.services.matching import BackgroundMatcher

EXECUTION_PAGE_SIZE = 100
#: A well-formed id that is no workflow's: v1.3.0 lists the caller's executions under it
#: (quirk Q1), a server that lists per workflow has none (or answers 404).
ANY_WORKFLOW_ID = "00000000-0000-0000-0000-000000000000"
RESOLVE_CONCURRENCY = 4
#: What lists show for an execution no workflow has (quirk Q11: its workflow was deleted).
DELETED_WORKFLOW = "workflow unknown (deleted?)"
#: Hub events kept for workflows not read yet (``Overview.apply_event``).
HELD_EVENTS = 256


@dataclass(frozen=True)
class OverviewUpdate:
    """What one polling cycle (or one of its first steps) found."""

    changed: frozenset[str] = frozenset()
    fresh_approvals: tuple[Approval, ...] = ()
    problems: tuple[str, ...] = ()
    #: Requests of this cycle that failed; what they would have refreshed is as before.
    failures: tuple[FlowSynxError, ...] = ()
    #: False for the early results of a cycle that is still running, and for every cycle
    #: until the approvals waiting at start are known (their paused executions matched
    #: to workflows in the background): what the first complete update brings is what
    #: was already waiting, not news.
    complete: bool = True


@dataclass
class WorkflowStats:
    counts: Counter[str] = field(default_factory=Counter)
    last: ExecutionSummary | None = None


class ListMode(StrEnum):
    """How this server's ``GET /workflows/{id}/executions`` lists."""

    #: Not told apart yet (no execution visible): list per workflow, ask again each cycle.
    UNKNOWN = "unknown"
    #: FlowSynx v1.3.0 (quirk Q1): every execution of the caller, whatever id is in the path.
    ALL = "all"
    #: The original API page, and any release that fixes Q1: that workflow's executions.
    BY_WORKFLOW = "by-workflow"


class ExecutionList:
    """One paged execution list on the server (oldest first), read as cheaply as it allows.

    The first read takes page 1 (for the number of pages), then the pages from the newest
    back, so the runs people look for come first; a page that fails is read again next
    cycle, and what was read stays. After that a cycle reads only the pages that hold
    unfinished executions, and the tail where new ones appear.
    """

    def __init__(self, via: str, page_size: int, workflow_id: str | None) -> None:
        #: The workflow id in the route.
        self.via = via
        #: The workflow every listed execution belongs to; None when the list mixes them (Q1).
        self.workflow_id = workflow_id
        self.page_size = page_size
        self.position: dict[str, int] = {}
        self.at: dict[int, str] = {}
        #: Positions seen so far, readable items or not.
        self.end = 0
        #: How many the server last said it lists: a first read knows the count from its
        #: first page, long before it has read the newest pages.
        self.total = 0
        self.loaded = False
        self._first_read: list[int] | None = None
        self._order: list[str] | None = None

    def newest_first(self) -> list[str]:
        """Ids, the newest first: the list itself, changed in place as runs come (read it
        now, do not keep or change it)."""
        if self._order is None:
            # Runs this client recorded at the same place (before the list read them): the
            # later first, as ``place`` puts them on top.
            self._order = sorted(reversed(self.position), key=self.position.__getitem__, reverse=True)
        return self._order

    def place(self, execution_id: str, position: int) -> bool:
        """Note where an execution stands; True if it is new to this list."""
        old = self.position.get(execution_id)
        if old == position:
            return False
        if old is not None:
            self.at.pop(old, None)
        order = self._order
        positions = self.position
        if old is None and order is not None:
            # In its place, in place: without sorting 100k positions again for every new run
            # or page (``newest_first`` callers do not keep the list). Before those at the
            # same position, as ``newest_first`` puts runs this client recorded.
            if not order or position >= positions[order[0]]:
                order.insert(0, execution_id)  # the newest (a new run, the common case)
            elif position < positions[order[-1]]:
                order.append(execution_id)  # the oldest (the first read goes back in time)
            else:
                order.insert(bisect_left(order, -position, key=lambda i: -positions[i]), execution_id)
        else:
            self._order = None
        self.position[execution_id] = position
        self.at[position] = execution_id
        return old is None

    async def refresh(
        self,
        client: FlowSynxClient,
        index: ExecutionIndex,
        problems: list[str],
        progress: Callable[[set[str]], None],
    ) -> set[str]:
        changed: set[str] = set()
        if not self.loaded:
            # ``progress`` gets each page's news alone: at 100k runs, handing on all that
            # this read found so far, for every page, made the screens redraw everything.
            oldest: set[str] = set()
            try:
                if self._first_read is None:
                    first = await self._read(client, 1, index, problems, oldest)
                    self._first_read = list(range(first.pagination.total_pages, 1, -1))
                    changed |= oldest
                while self._first_read:
                    page: set[str] = set()
                    await self._read(client, self._first_read[0], index, problems, page)
                    self._first_read.pop(0)
                    changed |= page
                    # The oldest page (read first, for the number of pages) is shown with
                    # the newest: a list drawn from the oldest alone had its cursor on an old
                    # run, and followed it down as every page in between went above it.
                    progress(page | oldest)
                    oldest = set()
            finally:
                if oldest:
                    progress(oldest)
            self.loaded = True
            return changed
        tail = self.end // self.page_size + 1
        unfinished = {
            position // self.page_size + 1
            for execution_id, position in self.position.items()
            if not index.by_id[execution_id].status.is_finished
        }
        for page in sorted(p for p in unfinished if p < tail):
            await self._read(client, page, index, problems, changed)
        page = tail
        while True:
            result = await self._read(client, page, index, problems, changed)
            # A page number other than the one asked for means the list shrank or the
            # server is confused; following its "next page" could go on for ever.
            if not result.pagination.has_next_page or result.pagination.current_page != page:
                break
            page += 1
        return changed

    async def _read(
        self, client: FlowSynxClient, page: int, index: ExecutionIndex, problems: list[str], changed: set[str]
    ) -> Page[ExecutionSummary]:
        result = await client.list_executions(self.via, page, self.page_size)
        index.requests += 1
        problems.extend(result.problems)
        start = (result.pagination.current_page - 1) * self.page_size
        for offset, item in result.placed:
            if index.merge(item, self, start + offset):
                changed.add(item.id)
        self.end = max(self.end, start + result.size)
        self.total = result.pagination.total_count
        return result


class ExecutionIndex:
    """Every execution the caller can see, and which workflow each belongs to.

    On a server that lists executions per workflow the route says the workflow. FlowSynx
    v1.3.0 lists all executions of the caller whatever workflow id is in the path (quirk
    Q1): there the workflow of each execution comes from its details, probed once; one
    that no workflow has (a deleted workflow's, Q11) is remembered as such and probed
    again only when the workflow list changes.
    """

    def __init__(self, page_size: int = EXECUTION_PAGE_SIZE) -> None:
        self.page_size = page_size
        self.mode = ListMode.UNKNOWN
        self.lists: dict[str, ExecutionList] = {}
        self.by_id: dict[str, ExecutionSummary] = {}
        self.workflow_of: dict[str, str] = {}
        #: Executions no workflow has (probed against each): their workflow was deleted.
        self.orphans: set[str] = set()
        self._orphans_among: frozenset[str] = frozenset()
        self.loaded = False
        self.problems: tuple[str, ...] = ()
        self.requests = 0
        #: Changes whenever an execution is added (labels, orders depend on the set of ids).
        self.generation = 0
        #: Every id in the order it became known (ids dropped since stay): which are new
        #: since a count of them, without a pass over 100k ids.
        self.arrivals: list[str] = []
        self._newest: dict[str | None, list[str]] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    @property
    def unmatched(self) -> int:
        """Executions whose workflow is still being looked for."""
        return len(self.by_id) - len(self.workflow_of) - len(self.orphans)

    def newest_first(self, workflow_id: str | None = None) -> list[ExecutionSummary]:
        return [self.by_id[i] for i in self.newest_ids(workflow_id)]

    def newest_ids(self, workflow_id: str | None = None) -> list[str]:
        """Ids of ``newest_first``: read it now, do not keep or change it (it may be the
        list's own order, which a new run changes in place)."""
        ids = self._newest.get(workflow_id)
        if ids is None:
            ids = self._newest[workflow_id] = self._newest_ids(workflow_id)
        return ids

    def _newest_ids(self, workflow_id: str | None) -> list[str]:
        if workflow_id is not None and workflow_id in self.lists:
            return list(self.lists[workflow_id].newest_first())
        if len(self.lists) == 1:
            # Not copied: at 100k runs a copy costs more than all else a new run's row does.
            ids = next(iter(self.lists.values())).newest_first()
        else:
            # One list per workflow: newest first across them by start time.
            ids = sorted(
                self.by_id,
                key=lambda i: (self.by_id[i].execution_start is not None, self.by_id[i].execution_start),
                reverse=True,
            )
        if workflow_id is None:
            return ids
        return [i for i in ids if self.workflow_of.get(i) == workflow_id]

    def unfinished(self) -> list[str]:
        return [i for i, summary in self.by_id.items() if not summary.status.is_finished]

    def paused(self) -> list[str]:
        return [i for i, summary in self.by_id.items() if summary.status is ExecutionStatus.PAUSED]

    def merge(self, summary: ExecutionSummary, listed: ExecutionList, position: int) -> bool:
        """Take one listed execution; True if it is new or changed."""
        new = listed.place(summary.id, position)
        if new:
            self._newest.clear()
            self.generation += 1
        if listed.workflow_id is not None:
            self.workflow_of[summary.id] = listed.workflow_id
        old = self.by_id.get(summary.id)
        if old is None:
            self.arrivals.append(summary.id)
        self.by_id[summary.id] = summary
        return old != summary

    def record(self, workflow_id: str, summary: ExecutionSummary) -> None:
        """Remember an execution this client just started, before the next list read."""
        listed = self.lists.get(workflow_id) or next(iter(self.lists.values()), None)
        if listed is not None and summary.id not in listed.position:
            # At the end of the list: during a first read that is further than it has read.
            listed.place(summary.id, max(listed.end, listed.total))
        if summary.id not in self.by_id:
            self.arrivals.append(summary.id)
        self.by_id[summary.id] = summary
        self.workflow_of[summary.id] = workflow_id
        self._newest.clear()
        self.generation += 1

    def learn(self, execution_id: str, workflow_id: str) -> bool:
        """A read of the execution under ``workflow_id`` answered (the details route answers
        under the execution's own workflow only, Q1): it needs no probing. True if that was
        news for a listed execution."""
        if execution_id not in self.by_id or execution_id in self.workflow_of or execution_id in self.orphans:
            return False
        self.workflow_of[execution_id] = workflow_id
        self._newest.clear()
        return True

    def use_lists(self, mode: ListMode, workflow_ids: Iterable[str]) -> None:
        """One list of everything (``ALL``), or one per workflow; drop what no longer fits."""
        if mode is ListMode.ALL:
            wanted = {ANY_WORKFLOW_ID: None}
        else:
            wanted = {w: w for w in workflow_ids}
        if (mode is ListMode.ALL) != (self.mode is ListMode.ALL):
            # What the other way of listing said about workflows is no evidence here.
            self.lists.clear()
            self.workflow_of.clear()
            self.orphans.clear()
            self.loaded = False
        self.mode = mode
        for via in list(self.lists):
            if via not in wanted:
                for execution_id in self.lists.pop(via).position:
                    # A workflow that left the list: on this server its runs cannot be listed.
                    self.by_id.pop(execution_id, None)
                    self.workflow_of.pop(execution_id, None)
        for via, workflow_id in wanted.items():
            if via not in self.lists:
                self.lists[via] = ExecutionList(via, self.page_size, workflow_id)
        if mode is not ListMode.ALL:
            listed = {i for listed in self.lists.values() for i in listed.position}
            for execution_id in set(self.by_id) - listed:
                self.by_id.pop(execution_id, None)
        self._newest.clear()

    async def refresh(
        self, client: FlowSynxClient, failures: list[FlowSynxError], progress: Callable[[set[str]], None]
    ) -> set[str]:
        """Re-read what may have changed; returns ids that are new or changed.

        One list failing costs only that list (its failure goes to ``failures``); when
        every list failed, the first failure is raised.
        """
        problems: list[str] = []
        changed: set[str] = set()
        answered = not self.lists
        for listed in list(self.lists.values()):
            try:
                changed |= await listed.refresh(client, self, problems, progress)
            except FlowSynxError as error:
                failures.append(error)
            else:
                answered = True
        if not answered:
            raise failures[-1]
        self.loaded = all(listed.loaded for listed in self.lists.values())
        self.problems = tuple(problems)
        return changed

    def adopt(self, known: Mapping[str, str], workflow_ids: Collection[str]) -> set[str]:
        """Take the workflows of listed executions from an earlier run (the cache): no
        request. One whose workflow is no longer listed belongs to a deleted workflow
        (Q11), as probing every listed workflow would find."""
        self._forget_orphans_if_workflows_changed(workflow_ids)
        adopted: set[str] = set()
        if not known or not workflow_ids or self.unmatched <= 0:
            return adopted
        for execution_id in self.by_id:
            workflow_id = known.get(execution_id)
            if workflow_id is None or execution_id in self.workflow_of or execution_id in self.orphans:
                continue
            if workflow_id in workflow_ids:
                self.workflow_of[execution_id] = workflow_id
            else:
                self.orphans.add(execution_id)
            adopted.add(execution_id)
        if adopted:
            self._newest.clear()
        return adopted

    async def resolve_workflows(
        self,
        client: FlowSynxClient,
        execution_ids: Iterable[str],
        workflow_ids: Iterable[str],
        limit: int,
        failures: list[FlowSynxError],
        *,
        budget: RequestBudget | None = None,
    ) -> set[str]:
        """Find the workflow of up to ``limit`` executions (in the order given), once each (Q1).

        Each probe first takes a token from ``budget`` when there is one. Requests that
        fail (other than "not this workflow") go to ``failures``."""
        candidates = list(workflow_ids)
        self._forget_orphans_if_workflows_changed(candidates)
        # Once each: the caller's priority list may name an execution twice (paused and newest).
        pending = list(
            dict.fromkeys(i for i in execution_ids if i not in self.workflow_of and i not in self.orphans)
        )[:limit]
        if not pending or not candidates:
            return set()
        semaphore = asyncio.Semaphore(RESOLVE_CONCURRENCY)
        resolved: set[str] = set()

        async def one(execution_id: str) -> None:
            async with semaphore:
                try:
                    found = await self._find_workflow(
                        client, execution_id, self._neighbours_first(execution_id, candidates), budget
                    )
                except FlowSynxError as error:
                    # This execution stays unmatched until the next cycle; the others go on.
                    failures.append(error)
                    return
            if found:
                self.workflow_of[execution_id] = found
                resolved.add(execution_id)
            else:
                self.orphans.add(execution_id)
                resolved.add(execution_id)

        await asyncio.gather(*(one(i) for i in pending))
        if resolved:
            self._newest.clear()
        return resolved

    def _forget_orphans_if_workflows_changed(self, workflow_ids: Iterable[str]) -> None:
        listed = frozenset(workflow_ids)
        if self._orphans_among != listed:
            # The workflow list changed: a run that matched none may match a new one.
            self.orphans.clear()
            self._orphans_among = listed

    def _neighbours_first(self, execution_id: str, candidates: list[str]) -> list[str]:
        """Runs started next to each other often belong to one workflow: try theirs first."""
        listed = next(iter(self.lists.values()), None)
        position = listed.position.get(execution_id) if listed else None
        if listed is None or position is None:
            return candidates
        near = [
            self.workflow_of.get(listed.at.get(p, ""))
            for p in (position - 1, position + 1, position - 2, position + 2)
        ]
        first = [w for w in dict.fromkeys(near) if w is not None and w in candidates]
        return first + [w for w in candidates if w not in first]

    async def _find_workflow(
        self, client: FlowSynxClient, execution_id: str, candidates: list[str], budget: RequestBudget | None
    ) -> str | None:
        # The details route needs the right workflow id in the path and 404s otherwise,
        # but it reports the workflow id, so one right guess per execution is enough:
        # try the workflows of neighbouring executions first, they are usually the same.
        for workflow_id in candidates:
            # An open screen's read or the hub may find it meanwhile (while this waited for
            # its turn, or for a token): no token spent on what is known.
            if budget is not None and execution_id not in self.workflow_of:
                await budget.take()
            if execution_id in self.workflow_of:
                return self.workflow_of[execution_id]
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
        #: Executions whose approvals the last refresh asked for (answered or not).
        self.asked: set[str] = set()
        self.requests = 0
        self.problems: tuple[str, ...] = ()
        #: Why approvals cannot be shown (a missing role), or None.
        self.hidden: str | None = None
        #: When (``time.monotonic``) the list that is held of each execution was asked for:
        #: a decision answered with an error before that, still listed, was not applied.
        self.read_at: dict[str, float] = {}
        #: Paused executions whose approvals have never been read, by the error of the
        #: last try: with every approvals read failing, the inbox said "none" for ever.
        self.unread: dict[str, FlowSynxError] = {}

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
            self.read_at.pop(gone, None)
        self.unread = {i: error for i, error in self.unread.items() if i in paused}
        fresh: list[Approval] = []
        problems: list[str] = []
        self.asked = set(paused)
        for execution_id in paused:
            asked_at = time.monotonic()
            try:
                page = await client.list_approvals(index.workflow_of[execution_id], execution_id)
            except NotFound:
                continue
            except PermissionDenied as error:
                # Without the approvals role the rest of the dashboard still works.
                self.hidden = f"approvals hidden: {error.message}"
                self.problems = (self.hidden,)
                self.pending.clear()
                self.unread.clear()
                return []
            except FlowSynxError as error:
                failures.append(error)
                if execution_id not in self.pending:
                    self.unread[execution_id] = error
                continue
            self.unread.pop(execution_id, None)
            self.requests += 1
            problems.extend(page.problems)
            self.pending[execution_id] = page.items
            self.read_at[execution_id] = asked_at
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
        #: The first read at start holds ``QuickWorkflow``s (read before pydantic is loaded,
        #: with the same fields and checks), the next ones the models.
        self.workflows: dict[str, WorkflowSummary | QuickWorkflow] = {}
        #: Workflows whose "modified" date is the server's clock when it answered: v1.3.0
        #: says that for every workflow never edited since it was created (reference 4).
        self.unedited: frozenset[str] = frozenset()
        self._workflows_read = False
        self.index = ExecutionIndex()
        self.approvals = ApprovalTracker()
        self.resolve_per_cycle = resolve_per_cycle
        self.problems: tuple[str, ...] = ()
        #: Why the workflow list cannot be shown (a missing role), or None.
        self.workflows_hidden: str | None = None
        #: Why executions cannot be listed (a missing role, or no way on this server), or None.
        self.executions_hidden: str | None = None
        self._labels = PrefixLabels()
        self._labelled: int = -1
        self._arrivals_labelled = 0
        #: Known executions whose label changed, by the index generation that changed it,
        #: complete since ``_relabelled_from``: a screen adds a new run's row without
        #: rebuilding every other one (``relabelled_since``).
        self._relabelled: list[tuple[int, set[str]]] = []
        self._relabelled_from = 0
        #: Looks up workflows beside the polling cycle under the request budget, when set
        #: (``match_in_background``); None: each cycle looks up ``resolve_per_cycle`` itself.
        self.background: BackgroundMatcher | None = None
        #: Execution to workflow pairs learnt by earlier runs (the workflow cache).
        self.known_workflows: Mapping[str, str] = {}
        self._known_loading: Awaitable[Mapping[str, str]] | None = None
        #: Executions a screen shows and wants matched before the rest (after the paused).
        self.wanted_first: list[str] = []
        #: Executions paused when first listed, until their approvals are known.
        self._paused_at_start: set[str] | None = None
        self._start_approvals_known = False
        self._held_approvals: list[Approval] = []
        #: Hub events naming a workflow not in the list read last: a workflow made since
        #: (the hub says nothing of workflows), applied after the next read of the list.
        self._events_of_unread_workflows: deque[HubEvent] = deque(maxlen=HELD_EVENTS)

    def load_known_workflows(self, loading: Awaitable[Mapping[str, str]]) -> None:
        """``known_workflows`` from ``loading`` (the workflow cache being read off the UI
        thread), awaited where first needed: the first request does not wait for the file."""
        self._known_loading = loading

    def match_in_background(
        self,
        budget: RequestBudget,
        on_matched: Callable[[set[str]], None] = lambda _ids: None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> BackgroundMatcher:
        """Look up executions' workflows beside the polling cycle, ``budget`` permitting."""
        from flowsynx_tui.services.matching import BackgroundMatcher

        self.background = BackgroundMatcher(self, budget, on_matched, monotonic=monotonic)
        return self.background

    def can_match(self) -> bool:
        """Whether executions are matched to workflows by lookups here (v1.3.0, quirk Q1)."""
        return self.index.mode is ListMode.ALL and bool(self.workflows)

    def matching_progress(self) -> tuple[int, int] | None:
        """(matched, listed) while executions wait for their workflow to be found, else None."""
        index = self.index
        unmatched = index.unmatched
        if unmatched <= 0 or not self.can_match():
            return None
        total = len(index)
        return max(0, total - unmatched), total

    @property
    def approvals_hidden(self) -> str | None:
        """Why the approvals inbox cannot be trusted to be complete, or None."""
        if self.approvals.hidden:
            return self.approvals.hidden
        if self.executions_hidden:
            # Approvals are read per paused execution, and those cannot be listed.
            return f"approvals unknown: {self.executions_hidden}"
        unmatched = [i for i in self.index.paused() if i not in self.index.workflow_of]
        if self.workflows_hidden and unmatched:
            # Approvals are read per execution under its workflow, which is unknown here.
            runs = f"{len(unmatched)} paused run{'s' if len(unmatched) > 1 else ''}"
            reason = self.workflows_hidden.removeprefix("workflows hidden: ")
            refused = "permission denied: this route needs"
            if reason.startswith(refused):
                # The role first: at 80 columns the title was cut before it named it.
                return f"needs{reason.removeprefix(refused)} to find the approvals of {runs}"
            return f"approvals of {runs} unknown: their workflows cannot be read ({reason})"
        unread = self.approvals.unread
        if unread:
            runs = f"{len(unread)} paused run{'s' if len(unread) > 1 else ''}"
            error = next(iter(unread.values()))
            return f"approvals of {runs} unknown: their read failed ({one_line(error.message, 80)})"
        return None

    def workflow_name(self, workflow_id: str | None) -> str:
        if workflow_id is None:
            # Still being looked up, or never to be: without the workflows role (the title says).
            return "–" if self.workflows_hidden else "…"
        workflow = self.workflows.get(workflow_id)
        return workflow.name if workflow else workflow_id[:8]

    def label(self, execution_id: str) -> str:
        """An execution's short id: the shortest prefix, 8 characters or more, that no
        other known execution shares."""
        if self._labelled != self.index.generation:  # inline: called for every row of a redraw
            self._update_labels()
        return self._labels.labels.get(execution_id) or short_id(execution_id)

    def relabelled_since(self, generation: int) -> set[str] | None:
        """Executions whose label changed since the labels of index ``generation`` (new
        ones aside; a new id can lengthen its sorted neighbours'); None when not known."""
        self._update_labels()
        if generation < self._relabelled_from:
            return None
        return set().union(*(ids for at, ids in self._relabelled if at > generation))

    def _update_labels(self) -> None:
        generation = self.index.generation
        if self._labelled == generation:
            return
        by_id = self.index.by_id
        arrivals = self.index.arrivals
        new = [i for i in arrivals[self._arrivals_labelled :] if i in by_id and i not in self._labels.labels]
        self._arrivals_labelled = len(arrivals)
        few = len(new) <= max(1_000, len(by_id) // 8)  # labelling one costs ~6x one in a labelling of all
        if self._labelled >= 0 and len(self._labels) + len(new) == len(by_id) and few:
            # Only new ones (the usual case, and each step of a first read): label them and
            # their neighbours.
            self._relabelled.append((generation, self._labels.add(new)))
            if len(self._relabelled) > 64:
                self._relabelled_from = self._relabelled.pop(0)[0]
        else:  # the first time, executions gone, or many new: all again
            self._labels = PrefixLabels(by_id)
            self._relabelled = []
            self._relabelled_from = generation
        self._labelled = generation

    async def find_workflow_of(self, execution_id: str) -> str | None:
        """The workflow of any execution, also one not listed yet: the details route answers
        under its own workflow only (one request per workflow tried, known ones first). What
        it finds is for the caller to record (``Services.workflow_found``): an execution not
        listed yet is not one of the index's."""
        known = self.index.workflow_of.get(execution_id)
        if known is not None:
            return known
        candidates = self.workflows_most_used_first()
        if not candidates:
            # Asked before the first cycle read the workflows (``--execution`` at start).
            candidates = [workflow.id for workflow in await self.client.all_workflows()]
        for workflow_id in candidates:
            try:
                details = await self.client.get_execution(workflow_id, execution_id)
            except NotFound:
                continue
            return details.workflow_id
        return None

    def workflow_of(self, execution_id: str) -> str:
        """The name of an execution's workflow as lists show it."""
        workflow_id = self.index.workflow_of.get(execution_id)
        if execution_id in self.index.orphans or (
            # Matched to a workflow the list no longer has: deleted since (Q11).
            workflow_id is not None and workflow_id not in self.workflows and self._workflows_read and not self.workflows_hidden
        ):
            return DELETED_WORKFLOW
        return self.workflow_name(workflow_id)

    def stats(self) -> dict[str, WorkflowStats]:
        stats: dict[str, WorkflowStats] = {wid: WorkflowStats() for wid in self.workflows}
        workflow_of = self.index.workflow_of
        for summary in self.index.newest_first():
            entry = stats.get(workflow_of.get(summary.id, ""))
            if entry is None:
                continue
            entry.counts[str(summary.status.value)] += 1
            if entry.last is None:
                entry.last = summary
        return stats

    async def refresh(self, progress: Callable[[OverviewUpdate], None] | None = None) -> OverviewUpdate:
        """One polling cycle.

        ``progress`` gets the cheap steps (workflows, then each page of executions) as
        they land, so the screens can show them before the slower matching of executions
        to workflows.

        Each step keeps what it knew when its request fails and the cycle goes on: a
        dropped approvals request does not hide a new execution, nor the other way round.
        Only a cycle in which every request failed fails as a whole (and backs off).
        """
        report = progress or (lambda _update: None)
        failures: list[FlowSynxError] = []
        answered = False
        workflow_problems: list[str] = []
        try:
            workflows = await self.client.all_workflows(problems=workflow_problems, quick=not self._workflows_read)
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
            self.unedited = _dated_now(workflows, self.client.workflows_dated_at)
            self.workflows_hidden = None
            self._workflows_read = True
            replayed = self._apply_held_events()
            if replayed:
                report(OverviewUpdate(frozenset(replayed), complete=False))
        if not self.workflows and self.workflows_hidden is None:
            # No workflow, so no list of runs to read: every one there is has been read (a
            # new server's inbox said "looking for paused executions…" for ever).
            self.index.loaded = not self.index.lists
            self.problems = tuple(workflow_problems)
            return OverviewUpdate(problems=self.problems, failures=tuple(failures))
        report(OverviewUpdate(complete=False))
        changed: set[str] = set()
        reported: set[str] = set()

        def early(ids: set[str]) -> None:
            reported.update(ids)
            report(OverviewUpdate(frozenset(ids), complete=False))

        try:
            # What the steps reported is not repeated at the end: the end of a first read of
            # 50k runs made the screens redraw every row once more (most of a second).
            changed = await self._read_executions(failures, early) - reported
        except PermissionDenied as error:
            # A missing role is not a connection problem: say once what it hides.
            self.executions_hidden = f"executions hidden: {error.message}"
        except FlowSynxError as error:
            if not answered:
                raise  # the workflows failed too: nothing of this cycle got through
            failures.append(error)
        if self.index.mode is ListMode.ALL:
            if self._known_loading is not None:
                loading, self._known_loading = self._known_loading, None
                self.known_workflows = await loading
            changed |= self.index.adopt(self.known_workflows, self.workflows)
            lookups: list[FlowSynxError] = []
            if self.background is not None:
                changed |= self.background.take_matched()
                self.background.wake()
                lookups.extend(self.background.failures)
            else:
                newest = self.index.newest_ids()
                # Paused executions first: the approvals inbox needs their workflow.
                priority = self.index.paused() + newest
                changed |= await self.index.resolve_workflows(
                    self.client, priority, self.workflows_most_used_first(), self.resolve_per_cycle, lookups
                )
            # A lookup that failed on its way is tried again later by itself, and the lists
            # say whether the server answers: one dropped lookup among thousands had the
            # header say "reconnecting" for a minute while everything on screen was fresh.
            failures.extend(error for error in lookups if not error.is_transient)
        fresh = await self.approvals.refresh(self.client, self.index, failures)
        hidden = tuple(h for h in (self.workflows_hidden, self.executions_hidden) if h)
        self.problems = hidden + tuple(workflow_problems) + self.index.problems + self.approvals.problems
        complete = self._start_approvals_known or self._check_start_approvals()
        if not complete:
            # Already waiting at start, not news: held for the first complete update.
            self._held_approvals.extend(fresh)
            fresh = []
        elif self._held_approvals:
            fresh = self._held_approvals + fresh
            self._held_approvals = []
        return OverviewUpdate(
            changed=frozenset(changed),
            fresh_approvals=tuple(fresh),
            problems=self.problems,
            failures=tuple(failures),
            complete=complete,
        )

    def _check_start_approvals(self) -> bool:
        """Whether every execution paused when first listed has had its approvals read,
        or cannot have (matched to no workflow, lookup failed, no longer paused)."""
        index = self.index
        if self._paused_at_start is None:
            self._paused_at_start = set(index.paused())
        background = self.background
        if background is not None and self.can_match():
            for execution_id in self._paused_at_start:
                summary = index.by_id.get(execution_id)
                if summary is None or summary.status is not ExecutionStatus.PAUSED:
                    continue
                if execution_id in index.workflow_of:
                    if execution_id in self.approvals.asked or self.approvals.hidden:
                        continue
                    return False  # matched after this cycle asked for approvals: next cycle
                if execution_id not in index.orphans and execution_id not in background.tried:
                    return False
        self._start_approvals_known = True
        self._paused_at_start = None
        return True

    async def _read_executions(self, failures: list[FlowSynxError], progress: Callable[[set[str]], None]) -> set[str]:
        """Read the execution lists the way this server lists them, finding out how first."""
        index = self.index
        mode = index.mode
        if mode is ListMode.UNKNOWN:
            mode = await self._probe_list_mode()
        if mode is not ListMode.ALL and self.workflows_hidden:
            # Listed per workflow, and the workflow ids are not ours to read.
            self.executions_hidden = (
                "executions unknown: this server lists executions per workflow, "
                f"and {self.workflows_hidden.removeprefix('workflows hidden: ')}"
            )
            index.use_lists(mode, ())
            return set()
        self.executions_hidden = None
        index.use_lists(mode, self.workflows)
        changed = await index.refresh(self.client, failures, progress)
        if mode is ListMode.UNKNOWN:
            # Asked again after the lists were read, so a run started in between cannot
            # make a server that lists everything look like one that lists per workflow.
            after = await self._probe_list_mode()
            if after is ListMode.ALL:
                index.use_lists(ListMode.ALL, self.workflows)
                changed |= await index.refresh(self.client, failures, progress)
            elif after is ListMode.BY_WORKFLOW or any(listed.position for listed in index.lists.values()):
                index.mode = ListMode.BY_WORKFLOW
        return changed

    async def _probe_list_mode(self) -> ListMode:
        """List through a well-formed id that is no workflow's: v1.3.0 answers with the
        caller's executions, a server that lists per workflow with 404 or nothing."""
        self.index.requests += 1
        try:
            probe = await self.client.list_executions(ANY_WORKFLOW_ID, 1, 1)
        except NotFound:
            return ListMode.BY_WORKFLOW
        return ListMode.ALL if probe.total_count > 0 or probe.problems else ListMode.UNKNOWN

    def apply_event(self, event: HubEvent) -> set[str]:
        """What the hub said, at once; returns the ids of executions that changed.

        Every event names its workflow, so the execution is matched without a lookup. A new
        execution goes on top; one the lists have not read yet otherwise waits for them.
        Also while a first read of a long history is under way (a minute at 100k runs): what
        it read is shown, so news of it is too. Nothing here is final: the next read over
        REST has the last word.
        """
        from flowsynx_tui.api.hub import ExecutionEvent  # imported with the hub's client
        from flowsynx_tui.api.models import ExecutionSummary

        index = self.index
        if not index.lists:
            return set()
        if event.workflow_id not in self.workflows:
            if self.names_unread_workflow(event):
                self._events_of_unread_workflows.append(event)
            return set()
        execution_id = event.execution_id
        changed: set[str] = set()
        if execution_id in index.by_id and execution_id not in index.workflow_of:
            index.workflow_of[execution_id] = event.workflow_id
            changed.add(execution_id)
        if not isinstance(event, ExecutionEvent):
            return changed
        known = index.by_id.get(execution_id)
        if known is None:
            if not event.created or (index.mode is not ListMode.ALL and event.workflow_id not in index.lists):
                return changed
            summary = ExecutionSummary(
                id=execution_id, status=event.status, execution_start=event.execution_start, execution_end=event.execution_end
            )
            index.record(event.workflow_id, summary)
            return changed | {execution_id}
        if known.status == event.status:
            return changed
        update: dict[str, object] = {"status": event.status}
        if event.execution_end is not None:
            update["execution_end"] = event.execution_end
        index.by_id[execution_id] = known.model_copy(update=update)
        return changed | {execution_id}

    def names_unread_workflow(self, event: HubEvent) -> bool:
        """Whether ``event`` names a workflow the last read of the list did not have: one
        made since, or one deleted (Q11) whose runs go on."""
        return self._workflows_read and self.workflows_hidden is None and event.workflow_id not in self.workflows

    def _apply_held_events(self) -> set[str]:
        held = [event for event in self._events_of_unread_workflows if event.workflow_id in self.workflows]
        if not held:
            return set()
        self._events_of_unread_workflows = deque(
            (event for event in self._events_of_unread_workflows if event.workflow_id not in self.workflows),
            maxlen=HELD_EVENTS,
        )
        changed: set[str] = set()
        for event in held:
            changed |= self.apply_event(event)
        return changed

    def workflows_most_used_first(self) -> list[str]:
        """Workflow ids to try for an execution: those with the most known runs first."""
        counts = Counter(self.index.workflow_of.values())
        known = [wid for wid, _ in counts.most_common() if wid in self.workflows]
        return known + [wid for wid in self.workflows if wid not in counts]


def _dated_now(workflows: Iterable[WorkflowSummary | QuickWorkflow], server_now: datetime | None) -> frozenset[str]:
    """Workflows dated within two seconds of the list's answer (its ``generatedAtUtc``, or
    its ``Date`` header of whole seconds). One really edited in that time reads as never
    edited until the next read, where its date stands still and the server's clock has
    moved on."""
    if server_now is None:
        return frozenset()
    return frozenset(
        w.id for w in workflows if w.modified_date is not None and abs((w.modified_date - server_now).total_seconds()) < 2
    )

"""Executions of one workflow, or of all workflows: newest first, live durations."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from flowsynx_tui.api import ExecutionStatus, ExecutionSummary
from flowsynx_tui.format import duration_between, format_duration, format_time, status_text
from flowsynx_tui.messages import ActionFinished, DefinitionView, ExecutionView, FindExecution, Navigate
from flowsynx_tui.screens.base import FilterableScreen, Selection, ServerActionBinding
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import PollJob, Services
from flowsynx_tui.text import one_line, safe
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row
from flowsynx_tui.widgets.steady import SteadyStatic

#: The glyph alone, under a header of its own: with the word, its column took 12 cells of
#: every row, and at 80 columns the start time was cut in half for it.
APPROVAL_MARK = "⚑"
#: Cells shared by every row that shows them (the table never changes a cell it was given):
#: at 100k rows a ``Text`` per cell was more than half of the objects the garbage collector
#: walks, and its full passes during a first read took up to 0.3 s each.
_FLAGGED = Text(APPROVAL_MARK, style="bold magenta")
_NOT_FLAGGED = Text("")
#: Executions whose duration grows while they are on screen: a queued run's wait counts too
#: (drawn once, it would keep the age it had then).
TICKING = (ExecutionStatus.PENDING, ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)


class ExecutionsScreen(FilterableScreen):
    TITLE_TEXT = "Executions"
    LIVE_CLOCK = True  # unfinished runs' durations tick without a request
    BINDINGS: ClassVar[list[BindingType]] = [
        ServerActionBinding("x", "start_execution", "Start", id="executions.start"),
        ServerActionBinding("c", "cancel_execution", "Cancel run", id="executions.cancel"),
        Binding("v", "show_definition", "Definition", id="executions.definition", show=False),
    ]

    def __init__(self, services: Services, workflow_id: str | None = None, *, select: str | None = None) -> None:
        super().__init__(services)
        self.workflow_id = workflow_id
        #: An execution to put the cursor on as soon as its row is there (a run just started).
        self.select = select
        self._row_cache: dict[str, tuple[tuple[object, ...], tuple[str | Text, ...]]] = {}
        #: What the last full redraw saw (``_world``), and its rows whose durations tick.
        self._drawn_world: tuple[object, ...] | None = None
        self._ticking: list[str] = []
        #: Cells many rows show alike, made once: by workflow name, by status (apart: a
        #: status is a ``str``, equal to a workflow that a user named "Completed").
        self._name_cells: dict[str, Text] = {}
        self._status_cells: dict[ExecutionStatus, Text] = {}

    def compose_body(self) -> ComposeResult:
        # A plain string, not markup: it holds server text (a workflow's name), and it is the
        # cheapest content to change (each new run changes the count).
        yield SteadyStatic("", classes="screen-title", id="title", markup=False)
        columns = [("id", "Execution"), ("status", "Status")]
        if self.workflow_id is None:
            columns.insert(1, ("workflow", "Workflow"))
        # Duration before the timestamps: it is what an operator scans for, and at 80
        # columns the last column is the one that scrolls out of view.
        columns += [("duration", "Duration"), ("mark", "⚑"), ("started", "Started"), ("ended", "Ended")]
        yield KeyedTable(columns, shares={"workflow": 0.25}, id="executions")
        yield from self.compose_filter()

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.services.overview_job]

    def on_mount(self) -> None:
        if built(self):
            self.query_one(KeyedTable).focus()

    def executions(self) -> list[ExecutionSummary]:
        return self.services.overview.index.newest_first(self.workflow_id)

    def _world(self) -> tuple[object, ...]:
        """What rows depend on besides their own execution and the clock, cheaply: the set
        of executions (order, short ids), approvals waiting, workflow names, actions in
        flight. While it stays the same, a redraw needs only the rows that changed."""
        overview = self.services.overview
        index = overview.index
        busy = tuple(sorted(self.services.actions.busy_executions().items()))
        waiting = frozenset(approval.execution_id for approval in overview.approvals.all())
        names = tuple(workflow.name for workflow in overview.workflows.values())
        return (index.generation, len(index.orphans), waiting, names, busy)

    def _rows_touched(self, world: tuple[object, ...]) -> set[str] | None:
        """Rows that what changed in ``world`` since it was drawn touches, the set of
        executions aside: an approval waiting or an action in flight marks one row. None
        when it may touch every row (a workflow renamed, runs orphaned), or none is drawn."""
        drawn = self._drawn_world
        if drawn is None or world[1] != drawn[1] or world[3] != drawn[3]:
            return None
        touched: set[str] = set(world[2] ^ drawn[2])  # type: ignore[operator]
        touched.update(i for i, _action in set(world[4]) ^ set(drawn[4]))  # type: ignore[arg-type]
        return touched

    def redraw_changed(self, changed: frozenset[str]) -> None:
        # At 100k executions a full redraw takes most of a second; a poll cycle or a hub
        # event usually changes a handful of them, or brings a new run, and a first read
        # a few pages at a time: their rows are added alone, in their place
        # (``KeyedTable.add``).
        if not self.is_current or self._drawn_world is None or len(changed) > 2_000:
            self.redraw()
            return
        overview = self.services.overview
        index = overview.index
        by_id = index.by_id
        table = self.query_one(KeyedTable)
        world = self._world()
        drawn = self._drawn_world
        new: list[str] = []
        relabelled: set[str] = set()
        touched = self._rows_touched(world)
        if touched is None:
            self.redraw()
            return
        if world[0] != drawn[0]:
            # New runs: their neighbours' short ids may have grown.
            known = overview.relabelled_since(drawn[0])  # type: ignore[arg-type]
            if known is None:
                self.redraw()
                return
            relabelled = {i for i in known if table.has_row(i)}
        ids: list[str] = []
        for execution_id in changed:
            if execution_id not in by_id:
                self.redraw()
                return
            if table.has_row(execution_id):
                ids.append(execution_id)
            elif self.workflow_id is None or index.workflow_of.get(execution_id) == self.workflow_id:
                new.append(execution_id)  # a new run, or one just matched to this workflow
        if new and world[0] == drawn[0]:
            self.redraw()  # joins this list without a new run: rows are not only added
            return
        ticking = [i for i in self._ticking if i not in changed or by_id[i].status in TICKING]
        ticking += [i for i in ids + new if by_id[i].status in TICKING and i not in self._ticking]
        self._ticking = ticking
        now = self.services.clock.now()
        waiting = {approval.execution_id for approval in overview.approvals.all()}
        busy_now = self.services.actions.busy_executions()
        touched_rows = [i for i in touched if i in by_id and table.has_row(i)]
        # Running rows not among them wait for the clock's next tick (within a second):
        # redrawn here, every hub event on a busy server redrew each running run's row.
        redrawn = dict.fromkeys([*new, *ids, *relabelled, *touched_rows])
        rows = [(i, self._row(by_id[i], waiting, busy_now, now, self._row_cache)) for i in redrawn]
        if new:
            done = table.add(rows, index.newest_ids(self.workflow_id))
        else:
            done = table.update(rows)
        if not done:
            self.redraw()
            return
        self._drawn_world = world
        if self.select is not None and table.select_key(self.select):
            self.select = None
        self._update_title(table.row_count)
        self._match_shown_rows_first(table)

    def filter_applied(self) -> None:
        # Only the title changes: a full redraw would cost half a second a keystroke at 100k.
        if not self.is_current or self._drawn_world is None:
            self.redraw()
            return
        table = self.query_one(KeyedTable)
        self._update_title(table.row_count)
        self._match_shown_rows_first(table)

    def refresh_clock(self) -> None:
        # Only unfinished rows tick: at 100k rows, rebuilding every row each second
        # took the UI thread about a second. New executions alone (the generation) do not
        # call for all rows either: their news is on its way (``redraw_changed``), and in a
        # first read of 100k they come every second.
        world = self._world()
        touched = self._rows_touched(world)
        drawn = self._drawn_world
        if touched is None or drawn is None:  # none drawn: ``_rows_touched`` says None
            self.refresh_view()
            return
        overview = self.services.overview
        now = self.services.clock.now()
        waiting = {approval.execution_id for approval in overview.approvals.all()}
        busy_now = self.services.actions.busy_executions()
        by_id = overview.index.by_id
        table = self.query_one(KeyedTable)
        touched_rows = [i for i in touched if i not in self._ticking and table.has_row(i)]
        rows = [
            (execution_id, self._row(by_id[execution_id], waiting, busy_now, now, self._row_cache))
            for execution_id in [*self._ticking, *touched_rows]
            if execution_id in by_id
        ]
        if not table.update(rows):
            self.refresh_view()
            return
        # The set of executions stays as drawn: its news comes with ``redraw_changed``.
        self._drawn_world = (drawn[0], *world[1:])
        self._match_shown_rows_first(table)  # the user may have scrolled since

    def _row(
        self,
        summary: ExecutionSummary,
        waiting: set[str],
        busy_now: dict[str, str],
        now: datetime,
        cache: dict[str, tuple[tuple[object, ...], tuple[str | Text, ...]]],
    ) -> tuple[str | Text, ...]:
        overview = self.services.overview
        workflow_name = overview.workflow_of(summary.id)
        live = summary.status in TICKING
        flagged = summary.id in waiting or summary.status is ExecutionStatus.PAUSED
        busy = busy_now.get(summary.id)
        # Rows of finished executions do not change between ticks: reuse their cells
        # (the same tuple object, which the table skips without comparing).
        label = overview.label(summary.id)
        signature = (summary, label, workflow_name, flagged, busy, now if live else None)
        cached = self._row_cache.get(summary.id)
        cells = cached[1] if cached is not None and cached[0] == signature else None
        if cells is None:
            cells = self._cells(summary, label, workflow_name, flagged, busy, live, now)
        cache[summary.id] = (signature, cells)
        return cells

    def refresh_view(self) -> None:
        overview = self.services.overview
        now = self.services.clock.now()
        waiting = {approval.execution_id for approval in overview.approvals.all()}
        busy_now = self.services.actions.busy_executions()
        cache: dict[str, tuple[tuple[object, ...], tuple[str | Text, ...]]] = {}
        executions = self.executions()
        rows: list[Row] = [(summary.id, self._row(summary, waiting, busy_now, now, cache)) for summary in executions]
        self._row_cache = cache
        self._ticking = [summary.id for summary in executions if summary.status in TICKING]
        self._drawn_world = self._world()
        table = self.query_one(KeyedTable)
        table.sync(rows)
        if self.select is not None and table.select_key(self.select):
            self.select = None
        self._update_title(table.row_count)
        self._match_shown_rows_first(table)

    def _match_shown_rows_first(self, table: KeyedTable) -> None:
        """Rows on screen are matched to their workflows before the rest (after the paused
        ones): on a big server the background lookups take hours, newest first."""
        self.services.overview.wanted_first = table.visible_keys

    def on_screen_suspend(self) -> None:
        self.services.overview.wanted_first = []

    def _cells(
        self,
        summary: ExecutionSummary,
        label: str,
        workflow_name: str,
        flagged: bool,
        busy: str | None,
        live: bool,
        now: datetime,
    ) -> tuple[str | Text, ...]:
        cells: list[str | Text] = [label]
        if self.workflow_id is None:
            names = self._name_cells
            name = names.get(workflow_name)
            if name is None:
                if len(names) > 4_096:  # names come and go with workflows: never many
                    names.clear()
                name = names[workflow_name] = safe(workflow_name, 28)
            cells.append(name)
        end = summary.effective_end
        duration = duration_between(summary.execution_start, end if not live else None, now)
        if busy:
            status = status_text(summary.status, width=11)
            status.append(f" {busy}", style="bold yellow")
        else:
            status = self._status_cells.get(summary.status)
            if status is None:
                status = self._status_cells[summary.status] = status_text(summary.status, width=11)
        cells += [
            status,
            format_duration(duration),
            _FLAGGED if flagged else _NOT_FLAGGED,
            format_time(summary.execution_start, compact=True),
            format_time(end, compact=True),
        ]
        return tuple(cells)

    def _update_title(self, shown: int) -> None:
        overview = self.services.overview
        if self.workflow_id is None:
            title = f"All executions ({shown})"
        else:
            title = f"Executions of {one_line(overview.workflow_name(self.workflow_id), 60)} ({shown})"
        if self.filter_text:
            title += f" · filter: {one_line(self.filter_text, 30)}"
        if overview.executions_hidden:
            title += f" · {one_line(overview.executions_hidden, 160)}"
        elif overview.workflows_hidden and self.workflow_id is None:
            title += f" · {one_line(overview.workflows_hidden, 160)}"  # why no run has its workflow
        unresolved = overview.index.unmatched
        if self.workflow_id is not None and unresolved > 0:
            title += f" · {unresolved} executions not yet matched to a workflow"
        self.query_one("#title", Static).update(title)

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        self.action_open_execution()

    def selected_execution_id(self) -> str | None:
        return self.query_one(KeyedTable).selected_key

    def selection(self) -> Selection | None:
        execution_id = self.selected_execution_id()
        if execution_id is None:
            return None
        workflow_id = self.services.overview.index.workflow_of.get(execution_id) or self.workflow_id
        return Selection("execution", workflow_id, execution_id)

    def _selected_with_workflow(self, *, look_up: bool = False) -> tuple[str, str] | None:
        """The selected execution and its workflow, once the workflow is known; ``look_up``:
        if it is still being looked for, look it up now and open it (``FindExecution``)."""
        execution_id = self.selected_execution_id()
        if execution_id is None:
            self.notify("No execution is listed here.", severity="warning")
            return None
        overview = self.services.overview
        workflow_id = overview.index.workflow_of.get(execution_id) or self.workflow_id
        if workflow_id is None:
            hidden = overview.workflows_hidden
            if execution_id in overview.index.orphans:
                # Quirk Q11: a deleted workflow's runs stay listed, their details are gone.
                self.notify(
                    "Cannot open it: no workflow has this execution (its workflow was deleted?); "
                    "the server answers 404 for its details under every workflow.",
                    severity="warning",
                )
            elif hidden:
                # The execution routes need its workflow id, found through the workflow list.
                self.notify(f"Cannot open it: {one_line(hidden, 200)}.", severity="warning")
            elif look_up:
                # Asked for now: its own lookup, not at the background's pace (Q1).
                self.post_message(FindExecution(execution_id))
            else:
                self.notify("Still looking up which workflow this execution belongs to; try again in a moment.")
            return None
        return workflow_id, execution_id

    def action_open_execution(self) -> None:
        selected = self._selected_with_workflow(look_up=True)
        if selected is not None:
            self.post_message(Navigate(ExecutionView(*selected)))

    def on_action_finished(self, message: ActionFinished) -> None:
        started = message.outcome.started
        if started is not None:
            # The new run is on top (recorded when the server answered): put the cursor on it.
            self.select = started.execution_id
            self.redraw()

    def action_start_execution(self) -> None:
        workflow_id = self.workflow_id
        if workflow_id is None:
            selected = self.selected_execution_id()
            workflow_id = self.services.overview.index.workflow_of.get(selected) if selected else None
        if workflow_id is None:
            hidden = self.services.overview.workflows_hidden
            if hidden:
                # It blamed the selection while a run was selected: its workflow is unknown.
                self.notify(f"Cannot start: the run's workflow is unknown: {one_line(hidden, 200)}.", severity="warning")
            else:
                self.notify("Select an execution of the workflow to start, or open the workflow first.")
            return
        self.ask(self.services.actions.start(workflow_id))

    def action_cancel_execution(self) -> None:
        selected = self._selected_with_workflow()
        if selected is None:
            return
        workflow_id, execution_id = selected
        status = self.services.overview.index.by_id[execution_id].status
        self.ask(self.services.actions.cancel(workflow_id, execution_id, status))

    def action_show_definition(self) -> None:
        """The definition this execution runs (its snapshot, from the execution's details)."""
        selected = self._selected_with_workflow()
        if selected is not None:
            workflow_id, execution_id = selected
            self.post_message(Navigate(DefinitionView(workflow_id, execution_id)))

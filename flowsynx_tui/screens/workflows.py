"""Start screen: every workflow with its runs by status and its last run."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from flowsynx_tui.format import STATUS_LOOK, format_age, status_text
from flowsynx_tui.messages import DefinitionView, ExecutionsView, Navigate
from flowsynx_tui.screens.base import FilterableScreen, Selection, ServerActionBinding
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import PollJob
from flowsynx_tui.services.overview import WorkflowStats
from flowsynx_tui.text import one_line, safe, unique_prefixes
from flowsynx_tui.widgets.keyed_table import KeyedTable, Row
from flowsynx_tui.widgets.steady import SteadyStatic

if TYPE_CHECKING:
    from flowsynx_tui.api import WorkflowSummary
    from flowsynx_tui.api.values import QuickWorkflow

    Workflow = WorkflowSummary | QuickWorkflow

COUNT_ORDER = ("Running", "Paused", "Pending", "Completed", "Failed")


def runs_text(stats: WorkflowStats) -> Text:
    text = Text(no_wrap=True)
    for status in COUNT_ORDER:
        count = stats.counts.get(status, 0)
        if count:
            glyph, style = STATUS_LOOK[status]
            text.append(f"{glyph}{count} ", style=style)
    for status, count in sorted(stats.counts.items()):
        if status not in COUNT_ORDER:
            text.append(f"?{one_line(status, 12)}:{count} ")
    return text if text.plain else Text("–", style="dim")


#: The Modified of a workflow the server dates with its own clock (``Overview.unedited``).
_NEVER_EDITED = Text("never", style="dim")


def _cells(workflow: Workflow, entry: WorkflowStats, label: str, unedited: bool, now: datetime) -> tuple[str | Text, ...]:
    last = Text("–", style="dim")
    if entry.last is not None:
        last = status_text(entry.last.status)
        # A finished run's age is its end's: "✔ Completed 25m ago" read a moment after an
        # approve had let a run that started 25 minutes before complete.
        ended = entry.last.effective_end if entry.last.status.is_finished else None
        last.append(f" {format_age(ended or entry.last.execution_start, now)}", style="dim")
    return (
        safe(workflow.name, 60, style="bold"),
        label,
        _NEVER_EDITED if unedited else format_age(workflow.modified_date, now),
        runs_text(entry),
        last,
    )


class WorkflowsScreen(FilterableScreen):
    TITLE_TEXT = "Workflows"
    LIVE_CLOCK = True  # the ages ("3m ago") move with the clock
    #: What the rows were last built from: a workflow, its runs, its short id, never edited.
    _drawn: list[tuple[Workflow, WorkflowStats, str, bool]] = []
    BINDINGS: ClassVar[list[BindingType]] = [
        ServerActionBinding("x", "start_execution", "Start", id="workflows.start"),
        Binding("v", "show_definition", "Definition", id="workflows.definition", show=False),
    ]

    def compose_body(self) -> ComposeResult:
        yield SteadyStatic("Workflows", classes="screen-title", id="title")
        yield KeyedTable(
            [("name", "Workflow"), ("id", "Id"), ("modified", "Modified"), ("runs", "Runs"), ("last", "Last run")],
            shares={"name": 0.35},
            id="workflows",
        )
        yield from self.compose_filter()

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.services.overview_job]

    def on_mount(self) -> None:
        if built(self):
            self.query_one(KeyedTable).focus()

    def refresh_view(self) -> None:
        overview = self.services.overview
        now = self.services.clock.now()
        stats = overview.stats()
        labels = unique_prefixes(overview.workflows)
        drawn = [
            (workflow, stats.get(workflow.id, WorkflowStats()), labels[workflow.id], workflow.id in overview.unedited)
            for workflow in sorted(overview.workflows.values(), key=lambda w: w.name.lower())
        ]
        self._drawn = drawn
        rows = self._rows_at(now)
        table = self.query_one(KeyedTable)
        offered = bool(table.row_count)
        table.sync(rows)
        if bool(table.row_count) != offered:
            self.refresh_bindings()  # start comes or goes with the rows
        if rows and not self.services.first_rows.is_set():
            self.call_after_refresh(self.services.first_rows_shown)
        self._update_title(table.row_count, len(overview.workflows))

    def refresh_clock(self) -> None:
        # The ages ("3m ago") from what the last redraw read: the runs' counts need a pass
        # over every execution (a second's worth at 100k), and only new data changes them.
        if not self.query_one(KeyedTable).update(self._rows_at(self.services.clock.now())):
            self.refresh_view()

    def _rows_at(self, now: datetime) -> list[Row]:
        return [(drawn[0].id, _cells(*drawn, now)) for drawn in self._drawn]

    def _update_title(self, shown: int, total: int) -> None:
        title = (
            f"Workflows ({total})"
            if shown == total
            else f"Workflows ({shown} of {total}, filter: {one_line(self.filter_text, 30)})"
        )
        overview = self.services.overview
        unresolved = overview.index.unmatched
        connection = self.services.status.connection
        if not total and connection.last_ok is None and connection.state in ("retrying", "error") and connection.reason:
            # Nothing read yet: the header cut the reason at 80 columns ("retrying in 4s ·
            # ca…"), and this line is the only other one with words on an empty screen.
            if connection.auth_failed:
                # What to do, in the words of this session: the flags were for the start.
                title += f" · {one_line(connection.reason, 200).split(' (')[0]}: press {self.key_of('app.login', 'L')} to sign in"
            else:
                title += f" · {one_line(connection.reason, 200)}"
        if overview.workflows_hidden:
            title += f" · {one_line(overview.workflows_hidden, 120)}"
        elif unresolved > 0 and connection.state in ("retrying", "error"):
            title += f" · {unresolved} executions not matched to workflows yet"
        elif unresolved > 0:
            title += f" · matching {unresolved} executions to workflows…"
        self.query_one("#title", Static).update(Text(title))

    def connection_changed(self) -> None:
        if not built(self):
            return
        table = self.query_one(KeyedTable)
        self._update_title(table.row_count, len(self.services.overview.workflows))

    def selected_workflow_id(self) -> str | None:
        return self.query_one(KeyedTable).selected_key

    def selection(self) -> Selection | None:
        workflow_id = self.selected_workflow_id()
        return Selection("workflow", workflow_id) if workflow_id else None

    def on_keyed_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        self.action_open_workflow()

    def action_open_workflow(self) -> None:
        workflow_id = self.selected_workflow_id()
        if workflow_id:
            self.post_message(Navigate(ExecutionsView(workflow_id)))

    def unavailable(self, binding: ServerActionBinding) -> str | None:
        refused = super().unavailable(binding)
        if refused is not None or binding.action != "start_execution" or not built(self):
            return refused
        if self.query_one(KeyedTable).row_count == 0:
            # x stayed in the footer over an empty list (a new server, a user without the
            # workflows role) and only a toast said there was nothing to start.
            hidden = " (the filter hides them)" if self.filter_text else ""
            return f"No workflow is listed here{hidden}: nothing to start."
        return None

    def action_start_execution(self) -> None:
        workflow_id = self.selected_workflow_id()
        if workflow_id:
            self.ask(self.services.actions.start(workflow_id))

    def action_show_definition(self) -> None:
        workflow_id = self.selected_workflow_id()
        if workflow_id:
            self.post_message(Navigate(DefinitionView(workflow_id)))

"""One task execution: status, the failure message in full, start, end and duration.

Polled while the task is unfinished (``TaskWatch``), not once it (or its execution) is
finished. Its logs are one key away (`l` or `enter`: the execution screen with this task's
logs), its part of the definition another (`v`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from flowsynx_tui.api import TaskStatus
from flowsynx_tui.format import duration_between, format_duration, format_time, status_text
from flowsynx_tui.messages import DefinitionView, ExecutionView, Navigate, PollFailed, TaskChanged
from flowsynx_tui.screens.base import DashboardScreen, Selection
from flowsynx_tui.screens.execution_detail import ExecutionDetailScreen
from flowsynx_tui.screens.lifecycle import built
from flowsynx_tui.services import PollJob, Services, TaskSnapshot
from flowsynx_tui.text import lines, one_line
from flowsynx_tui.widgets.pager import VerticalPager
from flowsynx_tui.widgets.steady import SteadyStatic

#: A failure message is shown whole (wrapped) up to this many characters.
MESSAGE_LIMIT = 20_000


class TaskDetailsScreen(DashboardScreen):
    TITLE_TEXT = "Task"
    CSS_PATH = "task_details.tcss"
    LIVE_CLOCK = True  # a running task's duration moves
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("l,enter", "show_logs", "Logs", id="task.logs"),
        Binding("v", "show_definition", "Definition", id="task.definition"),
    ]
    KEYED_WIDGETS: ClassVar[tuple[type[Widget], ...]] = (VerticalPager,)

    def __init__(
        self,
        services: Services,
        workflow_id: str,
        execution_id: str,
        task_name: str,
        *,
        task_id: str | None = None,
    ) -> None:
        super().__init__(services)
        self.workflow_id = workflow_id
        self.execution_id = execution_id
        self.task_name = task_name
        self.watch = services.watch_task(workflow_id, execution_id, task_name, task_id)
        #: What the last answer said (from the message: a job shared with another screen
        #: answers with its own watch's snapshot).
        self.snapshot: TaskSnapshot = self.watch.snapshot
        self.error: str | None = None

    @property
    def label(self) -> str:
        return self.services.overview.label(self.execution_id)

    def compose_body(self) -> ComposeResult:
        yield SteadyStatic(self._title(), classes="screen-title", id="title")
        with VerticalPager(id="task-body"):
            yield SteadyStatic(Text("loading…", style="dim"), id="task-info")

    def subscriptions(self) -> list[PollJob[object]]:
        return [self.watch.job()]

    def on_mount(self) -> None:
        if not built(self):
            return
        self.query_one("#task-body", VerticalPager).focus()

    # --------------------------------------------------------------- updates
    @on(TaskChanged)
    def _task_changed(self, message: TaskChanged) -> None:
        self.snapshot = message.snapshot
        self.error = None
        self.redraw()

    @on(PollFailed)
    def _task_unreadable(self, message: PollFailed) -> None:
        if message.key == self.watch.key:
            self.error = str(message.error)
            self.redraw()

    def _title(self) -> Text:
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"Task {one_line(self.task_name, 80)}")
        workflow = self.services.overview.workflow_name(self.workflow_id)
        title.append(f" · {one_line(workflow, 60)} · execution {self.label}")
        return title

    def refresh_view(self) -> None:
        self.query_one("#title", Static).update(self._title())
        self.query_one("#task-info", Static).update(self._info())

    def _info(self) -> Table | Text:
        snapshot = self.snapshot
        details = snapshot.details
        if details is None:
            if self.error is not None:
                text = Text("Could not read the task: ", style="bold")
                text.append(lines(self.error, 2000), style="bold red")
                return text
            if snapshot.missing:
                text = Text(f"No task named {one_line(self.task_name, 80)} has run in this execution yet")
                text.append(
                    ", and the execution has ended: it will not run." if snapshot.final else "; watching for it.",
                )
                return text
            return Text("loading…", style="dim")
        now = self.services.clock.now()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        grid.add_row("Task", Text(one_line(self.task_name, 200)))
        status = status_text(details.status)
        stale = snapshot.final and not details.status.is_finished
        if stale:
            # Quirk Q7: a task still Running in a finished execution never changes again.
            status.append(" stale: its execution ended, this will not change any more", style="bold yellow")
        waiting = next(
            (
                approval
                for approval in self.services.overview.approvals.pending.get(self.execution_id, ())
                if approval.task_name == self.task_name
            ),
            None,
        )
        if waiting is not None and not details.status.is_finished:
            # An approval gate reads Pending; what it waits for is the inbox's news.
            status.append(" ⚑ waits for a decision", style="bold magenta")
            if waiting.comments:
                status.append(f": {one_line(waiting.comments, 200)}", style="magenta")
        grid.add_row("Status", status)
        failed = details.status in (TaskStatus.FAILED, TaskStatus.RETRYING)
        message = Text(lines(details.message, MESSAGE_LIMIT), style="red" if failed else "")
        if not message.plain:
            message = Text("–", style="dim")
            if failed:
                # The reference (5, task execution): v1.3.0's engine never writes it.
                message.append(
                    " the server recorded none (FlowSynx v1.3.0 never writes a task's message);"
                    f" the reason is in its log: press {self.key_of('task.logs', 'l')}",
                    style="dim",
                )
        grid.add_row("Message", message)
        grid.add_row("Started", Text(format_time(details.start_time)))
        grid.add_row("Ended", Text(format_time(details.end_time)))
        duration = "–"
        start, end = details.start_time, details.end_time
        if start is not None and (end is not None or not (details.status.is_finished or stale)):
            # Without an end: still running, the duration so far.
            duration = format_duration(duration_between(start, end, now))
        grid.add_row("Duration", Text(duration))
        grid.add_row("", Text(""))
        grid.add_row(Text("Task id", style="dim"), Text(one_line(details.id, 60), style="dim"))
        execution = Text(f"{self.label}", style="dim")
        summary = self.services.overview.index.by_id.get(self.execution_id)
        execution_status = snapshot.execution_status or (summary.status if summary is not None else None)
        if execution_status is not None:
            execution.append(" · ")
            execution.append_text(status_text(execution_status))
        grid.add_row(Text("Execution", style="dim"), execution)
        if self.error is not None:
            grid.add_row(Text("Last read", style="dim"), Text(one_line(self.error, 300), style="bold red"))
        elif snapshot.final:
            grid.add_row(Text("Updates", style="dim"), Text("finished: not read again", style="dim"))
        else:
            every = self.services.poller.interval
            grid.add_row(Text("Updates", style="dim"), Text(f"read again every {every:g}s while it runs", style="dim"))
        return grid

    # --------------------------------------------------------------- the selected item
    def selection(self) -> Selection:
        return Selection(
            "task",
            self.workflow_id,
            self.execution_id,
            task_id=self.snapshot.task_id or self.watch.task_id,
            task_name=self.task_name,
        )

    # --------------------------------------------------------------- keys
    def action_show_logs(self) -> None:
        """The execution screen with this task's logs: the one below, if this came from it."""
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) >= 2 else None
        if isinstance(below, ExecutionDetailScreen) and below.execution_id == self.execution_id:
            below.show_logs_of_task(self.task_name)
            self.app.pop_screen()
            return
        self.post_message(
            Navigate(ExecutionView(self.workflow_id, self.execution_id, select_task=self.task_name, task_logs=True))
        )

    def action_show_definition(self) -> None:
        self.post_message(Navigate(DefinitionView(self.workflow_id, self.execution_id, task_name=self.task_name)))
